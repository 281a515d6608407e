"""The SMART helper: gentle prompts on a goal as the mentee writes it.

A pure function over the draft's fields, the mentorship's end date and today: no database,
no Django. It never refuses anything — drafts are allowed — it only says what would make the
goal easier to reach and to recognise once reached.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Vague verbs and phrases, with what to write instead. Longest first, so "get better at" is
#: found before "get better".
VAGUE_PHRASES: tuple[tuple[str, str], ...] = (
    (
        "get better at",
        "Name what you will do once you are better at it, e.g. “present our results to the "
        "board without notes”.",
    ),
    (
        "learn about",
        "Say what you will be able to do with it, e.g. “explain our pricing model to a new "
        "colleague in ten minutes”.",
    ),
    (
        "learn more about",
        "Say what you will be able to do with it, e.g. “write the first draft of our data policy”.",
    ),
    (
        "work on",
        "Say what “done” looks like, e.g. “send the first draft of the proposal to my manager”.",
    ),
    (
        "improve",
        "Say what will be different and by how much, e.g. “lead two committee meetings” or "
        "“get my feedback score from 3 to 4”.",
    ),
    (
        "understand",
        "Say how you will show you understand it, e.g. “answer the client’s questions on "
        "the contract without checking”.",
    ),
    (
        "be more",
        "Name something people will see you do, e.g. “speak first in the weekly meeting at "
        "least twice a month”.",
    ),
    (
        "develop",
        "Say what you will have or do at the end, e.g. “run one negotiation with a supplier "
        "on my own”.",
    ),
    (
        "explore",
        "Say what you will decide or produce, e.g. “choose one course and enrol by March”.",
    ),
)

_NUMBER = re.compile(r"\d")
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|twice|once|half|all|every|weekly"
    r"|monthly|daily)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Prompt:
    """One prompt: ``code`` for tests and styling, ``field`` the input it is about."""

    code: str
    field: str
    text: str


@dataclass(frozen=True)
class MilestoneDraft:
    title: str
    due_on: dt.date | None


def _has_number(*texts: str) -> bool:
    return any(_NUMBER.search(text) or _NUMBER_WORDS.search(text) for text in texts)


def _vague(statement: str) -> tuple[str, str] | None:
    lowered = f" {statement.lower()} "
    for phrase, suggestion in sorted(VAGUE_PHRASES, key=lambda p: -len(p[0])):
        if re.search(rf"\b{re.escape(phrase)}\b", lowered):
            return phrase, suggestion
    return None


def smart_prompts(
    *,
    statement: str,
    measure: str = "",
    target: str = "",
    deadline: dt.date | None = None,
    ends_on: dt.date | None = None,
    today: dt.date,
    milestones: Sequence[MilestoneDraft] = (),
    new: bool = True,
) -> list[Prompt]:
    """The prompts for a goal as written so far (empty: it reads as SMART).

    ``ends_on`` is the last day of the mentorship (else of its program); ``new`` says the goal
    is being written now, so that a deadline in the past is flagged (an old goal's deadline
    passing is no news to its author).
    """
    prompts: list[Prompt] = []
    statement, measure, target = statement.strip(), measure.strip(), target.strip()
    if not statement:
        return [
            Prompt(
                "no_statement",
                "statement",
                "Start with what you want to achieve, in one sentence.",
            )
        ]
    vague = _vague(statement)
    if vague is not None:
        phrase, suggestion = vague
        prompts.append(
            Prompt(
                "vague_verb", "statement", f"“{phrase.capitalize()}” is hard to see. {suggestion}"
            )
        )
    if not measure:
        prompts.append(
            Prompt(
                "no_measure",
                "measure",
                "How will you know you have got there? Add how you will measure it — what "
                "you, or others, will see.",
            )
        )
    elif not _has_number(statement, measure, target):
        prompts.append(
            Prompt(
                "no_number",
                "target",
                "Add a number to aim for — how many, how often or how much — so that you both "
                "can tell how far along you are.",
            )
        )
    if deadline is None:
        prompts.append(
            Prompt(
                "no_deadline",
                "deadline",
                "Pick a date to reach it by: a deadline turns a wish into a plan.",
            )
        )
    else:
        if new and deadline < today:
            prompts.append(
                Prompt(
                    "deadline_past",
                    "deadline",
                    f"The deadline, {deadline:%-d %B %Y}, has already passed. Choose a date "
                    "ahead of you.",
                )
            )
        if ends_on is not None and deadline > ends_on:
            prompts.append(
                Prompt(
                    "deadline_after_end",
                    "deadline",
                    f"Your mentorship ends on {ends_on:%-d %B %Y}, before this deadline. "
                    "Bring it inside the mentorship, so that you can celebrate it together — "
                    "or make this goal a first step that fits.",
                )
            )
        for milestone in milestones:
            if milestone.due_on is not None and milestone.due_on > deadline:
                prompts.append(
                    Prompt(
                        "milestone_after_deadline",
                        "milestones",
                        f"The milestone “{milestone.title}” is dated "
                        f"{milestone.due_on:%-d %B %Y}, after the goal's deadline. Move it "
                        "earlier, or the deadline later.",
                    )
                )
    return prompts
