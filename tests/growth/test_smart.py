"""The SMART helper: each prompt, and a goal that reads as SMART."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.growth.smart import MilestoneDraft, smart_prompts

TODAY = dt.date(2027, 3, 1)
END = dt.date(2027, 6, 30)


def codes(**fields: object) -> list[str]:
    base: dict[str, object] = {
        "statement": "Lead two committee meetings",
        "measure": "I chair them; two members give feedback",
        "target": "2 meetings",
        "deadline": dt.date(2027, 5, 1),
        "ends_on": END,
        "today": TODAY,
    }
    base.update(fields)
    return [prompt.code for prompt in smart_prompts(**base)]  # type: ignore[arg-type]


def test_a_smart_goal_has_no_prompts() -> None:
    assert codes() == []


def test_an_empty_statement_asks_for_one_only() -> None:
    assert codes(statement="  ") == ["no_statement"]


def test_no_measure_is_prompted() -> None:
    assert codes(measure="") == ["no_measure"]


def test_a_measure_without_any_number_is_prompted() -> None:
    assert codes(statement="Chair the committee", measure="Feedback from members", target="") == [
        "no_number"
    ]


def test_a_number_word_counts_as_a_number() -> None:
    assert codes(statement="Chair the committee", measure="Twice, with feedback", target="") == []


def test_no_deadline_is_prompted() -> None:
    assert codes(deadline=None) == ["no_deadline"]


def test_a_past_deadline_is_flagged_on_a_new_goal_only() -> None:
    assert codes(deadline=dt.date(2027, 2, 1)) == ["deadline_past"]
    assert codes(deadline=dt.date(2027, 2, 1), new=False) == []


def test_a_deadline_after_the_mentorship_ends_is_prompted() -> None:
    prompts = smart_prompts(
        statement="Lead two meetings",
        measure="2 chaired",
        deadline=dt.date(2027, 8, 1),
        ends_on=END,
        today=TODAY,
    )
    assert [p.code for p in prompts] == ["deadline_after_end"]
    assert "30 June 2027" in prompts[0].text


@pytest.mark.parametrize(
    ("statement", "phrase"),
    [
        ("Improve my presentations", "Improve"),
        ("Learn about budgeting in 3 sessions", "Learn about"),
        ("Get better at negotiating", "Get better at"),
        ("Understand the data model", "Understand"),
        ("Work on my writing", "Work on"),
    ],
)
def test_vague_verbs_are_prompted_with_a_suggestion(statement: str, phrase: str) -> None:
    prompts = smart_prompts(
        statement=statement,
        measure="3 pieces",
        deadline=dt.date(2027, 5, 1),
        ends_on=END,
        today=TODAY,
    )
    assert [p.code for p in prompts] == ["vague_verb"]
    assert prompts[0].text.startswith(f"“{phrase}” is hard to see.")
    assert "e.g." in prompts[0].text


def test_a_vague_verb_inside_another_word_is_not_prompted() -> None:
    assert codes(statement="Lead the development review twice") == []


def test_a_milestone_after_the_deadline_is_flagged() -> None:
    prompts = smart_prompts(
        statement="Lead two meetings",
        measure="2 chaired",
        deadline=dt.date(2027, 5, 1),
        ends_on=END,
        today=TODAY,
        milestones=[
            MilestoneDraft("Draft the agenda", dt.date(2027, 4, 1)),
            MilestoneDraft("Ask for feedback", dt.date(2027, 5, 15)),
        ],
    )
    assert [p.code for p in prompts] == ["milestone_after_deadline"]
    assert "“Ask for feedback”" in prompts[0].text
