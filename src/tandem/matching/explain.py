"""Plain-language explanations of a pair's score.

Wording is addressed to the mentee ("you", "they") unless the profiles carry a ``name`` (and
optionally ``pronouns`` such as ``she/her``), in which case names and pronouns are used.
"""

from __future__ import annotations

from collections.abc import Sequence

from .criteria import (
    CategoryCriterion,
    DistanceCriterion,
    EncodedCriterion,
    GapCriterion,
    SetCriterion,
    TimezoneCriterion,
)
from .model import Person

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(rank: int) -> str:
    return ORDINALS.get(rank, f"{rank}th")


def words(field_name: str) -> str:
    return field_name.replace("_", " ").replace("-", " ").strip()


def join(items: Sequence[str], limit: int = 3) -> str:
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class Voice:
    """Who is who in a sentence."""

    def __init__(self, mentee: Person, mentor: Person) -> None:
        mentee_name = mentee.name()
        mentor_name = mentor.name()
        self.named = bool(mentee_name and mentor_name)
        pronoun = str(mentor.fields.get("pronouns") or "").split("/")[0].strip().lower()
        mentee_pronoun = str(mentee.fields.get("pronouns") or "").split("/")[0].strip().lower()
        if self.named:
            self.mentor = pronoun if pronoun in ("she", "he") else str(mentor_name)
            self.mentor_singular = True
            self.mentee = mentee_pronoun if mentee_pronoun in ("she", "he") else str(mentee_name)
            self.mentee_singular = True
            self.mentor_possessive = f"{mentor_name}'s"
            self.mentee_possessive = f"{mentee_name}'s"
            self.both = "both"
        else:
            self.mentor = "they"
            self.mentor_singular = False
            self.mentee = "you"
            self.mentee_singular = False
            self.mentor_possessive = "their"
            self.mentee_possessive = "your"
            self.both = "you both"

    def mentor_verb(self, singular: str, plural: str) -> str:
        return f"{self.mentor} {singular if self.mentor_singular else plural}"

    def mentee_verb(self, singular: str, plural: str) -> str:
        return f"{self.mentee} {singular if self.mentee_singular else plural}"


def criterion_reason(
    enc: EncodedCriterion, mentee: int, mentor: int, score: float, voice: Voice
) -> str | None:
    """One short clause for a criterion with a positive score (None if nothing to say)."""
    if score <= 0:
        return None
    criterion = enc.criterion
    field_words = words(criterion.mentee_field)
    kind = criterion.kind
    if isinstance(enc, SetCriterion):
        shared, _missing, _ = enc.items(mentee, mentor)
        if kind == "complement":
            text = f"{voice.mentor_verb('offers', 'offer')} {join(shared)}"
            wants = voice.mentee_verb("wants", "want")
            return f"{text} that {wants} to grow"
        if kind == "availability":
            slots = "slot" if len(shared) == 1 else "slots"
            return f"{len(shared)} shared time {slots} ({join(shared)})"
        if kind == "shares_language":
            return f"{voice.both} speak {join(shared)}"
        return f"{voice.both} share {field_words}: {join(shared)}"
    if isinstance(enc, CategoryCriterion):
        if kind == "same":
            return f"{voice.both} have the same {field_words} ({enc.a_display[mentee]})"
        if kind == "different":
            return f"different {field_words} ({enc.a_display[mentee]} / {enc.b_display[mentor]})"
        return None
    if isinstance(enc, GapCriterion):
        difference = float(enc.b[mentor] - enc.a[mentee])
        more = "more" if difference >= 0 else "less"
        has = voice.mentor_verb("has", "have")
        return f"{has} {abs(difference):g} {more} {field_words}"
    if isinstance(enc, DistanceCriterion):
        km = float(enc.km(enc.a[mentee], enc.b[mentor]))
        return f"{km:.0f} km apart"
    if isinstance(enc, TimezoneCriterion):
        hours = float(enc.hours(enc.a[mentee], enc.b[mentor]))
        if hours == 0:
            return "same time zone"
        unit = "hour" if hours == 1 else "hours"
        return f"{hours:g} {unit} apart"
    if kind == "text":
        return f"similar {field_words} and {words(criterion.mentor_field)} ({score:.2f})"
    return None


def explain(
    encoded: Sequence[EncodedCriterion],
    factors: Sequence[float],
    mentee_person: Person,
    mentor_person: Person,
    mentee: int,
    mentor: int,
    scores: Sequence[float],
    choice_rank: int | None,
    limit: int = 4,
) -> tuple[str, tuple[str, ...]]:
    """(sentence, reasons): reasons ordered by contribution, the sentence joins the top ones."""
    voice = Voice(mentee_person, mentor_person)
    ranked: list[tuple[float, str]] = []
    for enc, factor, score in zip(encoded, factors, scores, strict=True):
        if factor <= 0:
            continue
        reason = criterion_reason(enc, mentee, mentor, float(score), voice)
        if reason:
            ranked.append((factor * float(score), reason))
    ranked.sort(key=lambda item: -item[0])
    reasons = [reason for _, reason in ranked]
    if choice_rank:
        reasons.insert(0, f"{voice.mentee_possessive} {ordinal(choice_rank)} choice")
    shown = reasons[:limit]
    if choice_rank and len(reasons) > limit:
        shown = [*reasons[1:limit], reasons[0]]
    elif choice_rank:
        shown = [*reasons[1:], reasons[0]]
    text = "; ".join(shown) if shown else "no criterion adds to this pair's score"
    return text, tuple(reasons)
