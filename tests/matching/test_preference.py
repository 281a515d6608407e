"""The ``preference`` kind: one criterion whose direction (similar or different) follows each
mentee's own answer — the formula by hand, the compiled rows against the exact scores, and
the same property tests as the other kinds (MILP optimum, rules and capacities kept)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tandem.matching import (
    ChoicePolicy,
    Criterion,
    Matcher,
    MatchingInputError,
    Person,
    Problem,
    kernels,
    scoring,
)
from tandem.matching.kinds import NO_PREFERENCE, WANTS_DIFFERENT, WANTS_SIMILAR, direction_of
from tandem.matching.scoring import ScoreModel

from .helpers import one_criterion_score
from .test_properties import observed, reference

STYLE = Criterion(
    "preference", "style", "style", weight=1.0, params={"preference_field": "style_wish"}
)


@pytest.mark.parametrize(
    ("answer", "direction"),
    [
        ("Someone like me", WANTS_SIMILAR),
        ("similar", WANTS_SIMILAR),
        ("The same as me", WANTS_SIMILAR),
        ("Someone different from me", WANTS_DIFFERENT),
        ("DIFFERENT", WANTS_DIFFERENT),
        ("unlike me", WANTS_DIFFERENT),
        ("No preference", NO_PREFERENCE),
        ("either", NO_PREFERENCE),
        ("", NO_PREFERENCE),
        (None, NO_PREFERENCE),
    ],
)
def test_direction_of_an_answer(answer: str | None, direction: int) -> None:
    assert direction_of(answer) == direction


def test_direction_follows_each_mentee() -> None:
    similar = {"style": "Direct", "style_wish": "Someone like me"}
    different = {"style": "Direct", "style_wish": "Someone different from me"}
    either = {"style": "Direct", "style_wish": "No preference"}
    assert one_criterion_score(STYLE, similar, {"style": "direct "}) == 1.0
    assert one_criterion_score(STYLE, similar, {"style": "Reflective"}) == 0.0
    assert one_criterion_score(STYLE, different, {"style": "Reflective"}) == 1.0
    assert one_criterion_score(STYLE, different, {"style": "direct"}) == 0.0
    assert one_criterion_score(STYLE, either, {"style": "direct"}) == 1.0
    assert one_criterion_score(STYLE, either, {"style": "Reflective"}) == 1.0
    # a preference that cannot be checked (a side unknown) is not met
    assert one_criterion_score(STYLE, similar, {"style": ""}) == 0.0
    assert one_criterion_score(STYLE, different, {"style": ""}) == 0.0
    assert one_criterion_score(STYLE, {"style_wish": "similar"}, {"style": "direct"}) == 0.0


def test_preference_needs_its_answer_field() -> None:
    with pytest.raises(MatchingInputError) as error:
        Problem.build([], [Criterion("preference", "style", "style", weight=1.0)])
    assert error.value.column == "preference_field"


def people(seed: int, n: int, m: int, styles: int) -> list[Person]:
    rng = np.random.default_rng(seed)
    values = ["", *(f"s{k}" for k in range(styles))]
    wishes = ["Someone like me", "Someone different from me", "No preference", ""]
    out = [
        Person(f"m{j}", "mentor", {"style": str(rng.choice(values)), "team": str(j % 3)}, 0, 2)
        for j in range(m)
    ]
    for i in range(n):
        fields = {
            "style": str(rng.choice(values)),
            "style_wish": str(rng.choice(wishes)),
            "team": str(rng.integers(0, 4)),
        }
        out.append(Person(f"e{i}", "mentee", fields, 0, 0, (f"m{int(rng.integers(0, m))}",)))
    return out


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed tables", "per pair"])
@pytest.mark.parametrize("styles", [3, 400])
def test_kernel_rows_equal_exact_scores(
    keyed: bool, styles: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not keyed:
        monkeypatch.setattr(scoring, "TABLE_LIMIT", 0)
    criteria = [
        STYLE,
        Criterion(
            "preference", "style", "style", hard=True, params={"preference_field": "style_wish"}
        ),
        Criterion("same", "team", "team", weight=0.5),
    ]
    problem = Problem.build(people(styles, 80, 30, styles), criteria, choices=ChoicePolicy())
    model = ScoreModel(problem)
    mentees = np.arange(model.n, dtype=np.int64)
    rows = kernels.score_rows(mentees, model.extra_block(mentees), model.kernel_data(), model.m)
    r = np.repeat(mentees, model.m)
    c = np.tile(np.arange(model.m), model.n)
    exact, feasible = (x.reshape(model.n, model.m) for x in model.evaluate(r, c))
    assert feasible.any()
    assert (~feasible).any()
    assert np.all(rows[~feasible] < -1e29)
    assert np.abs(rows[feasible] - exact[feasible]).max() < 1e-5
    assert np.array_equal(model.block(mentees) < -1e29, rows < -1e29)


@st.composite
def instances(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 4))
    style = st.sampled_from(["", "a", "b", "c"])
    wish = st.sampled_from(["similar", "different", "no preference", ""])
    people = [
        Person(
            f"m{j}",
            "mentor",
            {"style": draw(style), "team": draw(st.sampled_from("pq"))},
            draw(st.integers(0, 1)),
            draw(st.integers(1, 3)),
        )
        for j in range(m)
    ]
    for i in range(n):
        fields = {"style": draw(style), "wish": draw(wish), "team": draw(st.sampled_from("pqr"))}
        people.append(Person(f"e{i}", "mentee", fields))
    hard = draw(st.booleans())
    criteria = [
        Criterion(
            "preference",
            "style",
            "style",
            weight=2.0,
            hard=hard,
            params={"preference_field": "wish"},
        ),
        Criterion("same", "team", "team", weight=1.0),
    ]
    if not hard:
        criteria.append(Criterion("not_same", "team", "team", hard=True))
    return Problem.build(people, criteria)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(["total", "coverage", "fair"]), st.sampled_from([1, 50]))
def test_optimal_with_a_preference_equals_milp(
    problem: Problem, objective: str, candidates: int
) -> None:
    expected = reference(problem, objective)
    assume(expected is not None)
    assert expected is not None
    result = Matcher(problem).solve("optimal", objective, candidates_per_mentee=candidates)  # type: ignore[arg-type]
    got = observed(problem, result)  # hard rules and capacities are checked here
    assert result.stats.certified
    assert result.stats.certificate_gap == 0
    if objective == "total":
        assert got[2] == expected[2]
    elif objective == "coverage":
        assert (got[0], got[2]) == (expected[0], expected[2])
    else:
        assert got == expected
