"""A person's profile highlights, and what two people have in common, for introductions and
the mentorship's workspace.

Only public profile answers are used (never demographics). The sentences in
:func:`common_ground` speak to the reader: "Sam offers negotiation, which you want to grow".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tandem.programs.models import Membership

#: The answers a highlight may show, with their label, in this order.
HIGHLIGHT_KEYS = (
    ("industry", "Industry"),
    ("seniority", "Role"),
    ("skills_offered", "Can help with"),
    ("skills_wanted", "Wants to grow"),
    ("interests", "Interests"),
    ("languages", "Speaks"),
    ("time_zone", "Time zone"),
)


def highlights(membership: Membership) -> list[str]:
    """A few public profile answers for an introduction (never demographics)."""
    answers = membership.answers
    lines = []
    for key, label in HIGHLIGHT_KEYS:
        value = answers.get(key)
        if value:
            lines.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    goals = answers.get("goals") or answers.get("experience")
    if goals:
        lines.append(str(goals))
    return lines


def _values(answers: Mapping[str, Any], key: str) -> list[str]:
    value = answers.get(key)
    if not value:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if str(item).strip()]
    return [str(value)]


def _shared(first: list[str], second: list[str]) -> list[str]:
    """The values in both lists, in the first one's order, compared without case."""
    wanted = {value.casefold() for value in second}
    return [value for value in first if value.casefold() in wanted]


def _join(values: list[str]) -> str:
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def common_ground(reader: Membership, partner: Membership) -> list[str]:
    """What the reader and the partner share, said to the reader in the second person."""
    mine, theirs = reader.answers, partner.answers
    name = partner.user.get_short_name() or partner.user.display_name
    lines = []
    offered = _shared(_values(theirs, "skills_offered"), _values(mine, "skills_wanted"))
    if offered:
        lines.append(f"{name} offers {_join(offered)}, which you want to grow.")
    asked = _shared(_values(theirs, "skills_wanted"), _values(mine, "skills_offered"))
    if asked:
        lines.append(f"{name} wants to grow in {_join(asked)}, which you can help with.")
    for key, sentence in (
        ("industry", "You both work in {}."),
        ("languages", "You both speak {}."),
        ("interests", "You both enjoy {}."),
    ):
        shared = _shared(_values(mine, key), _values(theirs, key))
        if shared:
            lines.append(sentence.format(_join(shared)))
    return lines
