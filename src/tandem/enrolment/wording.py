"""Profile questions as someone else reads the answers: a mentor answers "Skills I can offer",
a mentee browsing the directory reads "Skills they can offer"."""

from __future__ import annotations

import re

#: Words that put "you" in the object position ("matter to you" → "matter to them").
_BEFORE_OBJECT = r"(?:to|for|with|about|from|of|at|by|help|helps|suit|suits|suited)"

# "I" only as a capital (never the "i" of "i.e."); the other words in any case.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, 0 if "I" in pattern else re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\bI am\b|\bI'm\b", "they are"),
        (r"\bam I\b", "are they"),
        (r"\bI was\b", "they were"),
        (r"\bwas I\b", "were they"),
        (r"\bI have\b|\bI've\b", "they have"),
        (r"\bmyself\b|\byourself\b", "themselves"),
        (r"\bmine\b|\byours\b", "theirs"),
        (r"\bmy\b|\byour\b", "their"),
        (rf"\b({_BEFORE_OBJECT}) (?:me|you)\b", r"\1 them"),
        (r"\bme\b", "them"),
        (r"\byou're\b", "they're"),
        (r"\bI\b", "they"),
        (r"\byou\b", "they"),
    )
)


def about_them(label: str) -> str:
    """``label`` in the third person, for a reader who is not the one who answered."""
    text = label
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    if text != label and label[:1].isupper():
        text = text[:1].upper() + text[1:]
    return text
