"""Explanations name the trade-offs as well as the strengths, written for their reader, and
every pair has one fit on one scale."""

from __future__ import annotations

import pytest

from tandem.matching import ChoicePolicy, Criterion, Matcher, Problem
from tandem.matching.model import fit_of, fit_percent

from .helpers import mentee, mentor

CRITERIA = [
    Criterion("complement", "wants", "offers", weight=3.0),
    Criterion("timezone", "tz", "tz", weight=1.0, params={"scale_hours": 12}),
    Criterion("shares_language", "languages", "languages", weight=1.0),
    Criterion(
        "preference", "style", "style", weight=1.0, params={"preference_field": "style_wish"}
    ),
    Criterion("availability", "slots", "slots", weight=1.0, params={"need": 2}),
]


def matcher(named: bool = True) -> Matcher:
    names = (
        ({"name": "Cem", "pronouns": "he/him"}, {"name": "Ana", "pronouns": "she/her"})
        if named
        else ({}, {})
    )
    return Matcher(
        Problem.build(
            [
                mentee(
                    "e",
                    wants="negotiation;python",
                    tz="-5",
                    languages="en",
                    style="direct",
                    style_wish="Someone different from me",
                    slots="mon-am;tue-pm",
                    **names[0],
                ),
                mentor(
                    "m",
                    offers="negotiation",
                    tz="+4",
                    languages="fr",
                    style="Direct",
                    slots="tue-pm",
                    **names[1],
                ),
            ],
            CRITERIA,
        )
    )


def test_the_mentee_reads_strengths_and_trade_offs_in_the_second_person() -> None:
    pair = matcher().score_pair("e", "m", reader="mentee")
    assert pair.reasons[0] == "Ana offers negotiation that you want to grow"
    assert "you are 9 hours apart" in pair.trade_offs
    assert "you have no language in common" in pair.trade_offs
    assert (
        "you asked for someone with a different style; Ana's is the same (Direct)"
        in pair.trade_offs
    )
    assert "Ana does not offer python that you want to grow" in pair.trade_offs
    assert "only 1 shared time slot" in pair.trade_offs
    assert "Trade-offs: " in pair.explanation
    # the biggest loss of fit first: the missing skill costs 3 × 1/2, the others 1 or less
    assert pair.trade_offs[0] == "Ana does not offer python that you want to grow"


def test_the_mentor_reads_about_the_mentee() -> None:
    pair = matcher().score_pair("e", "m", reader="mentor")
    assert pair.reasons[0] == "you offer negotiation that Cem wants to grow"
    assert "you are 9 hours apart" in pair.trade_offs
    assert (
        "Cem asked for someone with a different style; yours is the same (Direct)"
        in pair.trade_offs
    )


def test_the_pair_reads_an_introduction() -> None:
    pair = matcher().score_pair("e", "m", reader="pair")
    assert pair.reasons[0] == "Ana offers negotiation that Cem wants to grow"
    assert "you are 9 hours apart" in pair.trade_offs


def test_the_coordinator_reads_the_third_person() -> None:
    pair = matcher().score_pair("e", "m", reader="coordinator")
    assert pair.reasons[0] == "she offers negotiation that he wants to grow"
    assert "they are 9 hours apart" in pair.trade_offs
    assert "they have no language in common" in pair.trade_offs
    assert not any(text.startswith("you ") for text in (*pair.reasons, *pair.trade_offs))
    # unnamed profiles: "the mentee" / "the mentor", never an ambiguous "they … they"
    anonymous = matcher(named=False).score_pair("e", "m", reader="coordinator")
    assert anonymous.reasons[0] == "the mentor offers negotiation that the mentee wants to grow"


def test_a_met_preference_and_a_small_gap_are_strengths() -> None:
    m = Matcher(
        Problem.build(
            [
                mentee("e", tz="0", style="direct", style_wish="similar", languages="en"),
                mentor("m", tz="1", style="direct", languages="en;de"),
            ],
            CRITERIA[1:4],
        )
    )
    pair = m.score_pair("e", "m", reader="mentee")
    assert "the same style (direct), as you asked" in pair.reasons
    assert "1 hour apart" in pair.reasons
    assert "you both speak en" in pair.reasons
    assert pair.trade_offs == ()
    assert "Trade-offs" not in pair.explanation


def test_one_fit_scale() -> None:
    pair = matcher().score_pair("e", "m")
    assert pair.fit == pytest.approx(fit_of(pair.contributions))
    assert 0 <= pair.fit <= 1
    assert fit_percent(pair.fit) == f"{round(100 * pair.fit)}%"
    assert fit_percent(0.734) == "73%"
    assert fit_percent(0.734, 1) == "73.4%"
    assert fit_percent(None) == "–"
    # the choice bonus raises the score, never the fit
    chosen = Matcher(
        Problem.build(
            [mentee("e", ["m"], x="a"), mentor("m", x="a")],
            [Criterion("same", "x", "x", weight=1.0)],
            choices=ChoicePolicy(bonus=(0.5,)),
        )
    ).score_pair("e", "m")
    assert chosen.score == pytest.approx(1.5)
    assert chosen.fit == 1.0
    assert fit_percent(chosen.fit) == "100%"
