"""A long profile in sections: the starter questions grouped by what they are about, the
program's own questions after them, and how far the person is through each section.

Sections are a way of reading the form, not data: a question's section follows from its key
(the starter set) and everything else is "More from your program"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tandem.enrolment.answers import is_answered

#: (slug, title, the starter keys in it), in the order the profile shows them.
SECTIONS: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "mentoring",
        "Your mentoring",
        frozenset(
            {
                "skills_offered",
                "skills_wanted",
                "goals",
                "experience",
                "capacity",
                "hours_per_month",
            }
        ),
    ),
    (
        "work",
        "Your work",
        frozenset(
            {"industry", "years_experience", "seniority", "employer", "college", "team", "manager"}
        ),
    ),
    (
        "where-when",
        "Where and when",
        frozenset({"location", "time_zone", "availability", "languages"}),
    ),
    (
        "style",
        "How you like to work",
        frozenset(
            {
                "communication_style",
                "communication_style_preference",
                "learning_preference",
                "prefers_other_team",
                "interests",
                "values",
            }
        ),
    ),
)
OTHER = ("program", "More from your program")
#: Below this many questions the profile is short enough to read as one list.
SECTIONED_FROM = 8


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    fields: list[Any]
    answered: int

    @property
    def total(self) -> int:
        return len(self.fields)

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def section_of(key: str) -> tuple[str, str]:
    for slug, title, keys in SECTIONS:
        if key in keys:
            return slug, title
    return OTHER


def profile_sections(fields: Sequence[Any], answers: Mapping[str, Any]) -> list[Section]:
    """The form's fields (anything with a ``name``: bound fields, questions' keys wrapped)
    grouped into the sections that have any, in the profile's order, each with how many of
    its questions are answered. An empty list when the profile is short enough for one list."""
    if len(fields) < SECTIONED_FROM:
        return []
    grouped: dict[tuple[str, str], list[Any]] = {}
    for field in fields:
        grouped.setdefault(section_of(field.name), []).append(field)
    order = [(slug, title) for slug, title, _ in SECTIONS] + [OTHER]
    return [
        Section(
            slug=slug,
            title=title,
            fields=grouped[(slug, title)],
            answered=sum(1 for f in grouped[(slug, title)] if is_answered(answers.get(f.name))),
        )
        for slug, title in order
        if (slug, title) in grouped
    ]
