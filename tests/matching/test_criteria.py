"""Each criterion formula against values computed by hand (the formulas of docs/matching.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tandem.matching import Criterion, MatchingInputError, Problem
from tandem.matching.model import ChoicePolicy
from tandem.matching.scoring import ScoreModel

from .helpers import mentee, mentor, one_criterion_score


def crit(kind: str, a: str = "f", b: str | None = None, **params: object) -> Criterion:
    return Criterion(kind, a, b or a, weight=1.0, params=params)


def test_overlap_is_jaccard() -> None:
    # {a,b,c} vs {b,c,d}: 2 shared / 4 in the union
    c = crit("overlap")
    assert one_criterion_score(c, {"f": "a;b;c"}, {"f": "B; c ;d"}) == pytest.approx(0.5)
    assert one_criterion_score(c, {"f": ""}, {"f": ""}) == 0.0


def test_complement_is_share_of_wants_covered() -> None:
    c = crit("complement", "wants", "offers")
    assert one_criterion_score(c, {"wants": "x;y;z"}, {"offers": "y;z;q;r"}) == pytest.approx(2 / 3)
    assert one_criterion_score(c, {"wants": ""}, {"offers": "y"}) == 0.0


def test_same_and_different_and_not_same() -> None:
    assert one_criterion_score(crit("same"), {"f": "Health"}, {"f": "health "}) == 1.0
    assert one_criterion_score(crit("same"), {"f": "health"}, {"f": "tech"}) == 0.0
    assert one_criterion_score(crit("same"), {"f": ""}, {"f": ""}) == 0.0
    assert one_criterion_score(crit("different"), {"f": "a"}, {"f": "b"}) == 1.0
    assert one_criterion_score(crit("different"), {"f": "a"}, {"f": ""}) == 0.0
    assert one_criterion_score(crit("not_same"), {"f": "a"}, {"f": "a"}) == 0.0
    assert one_criterion_score(crit("not_same"), {"f": "a"}, {"f": ""}) == 1.0


def test_gap_band_and_tolerance() -> None:
    c = crit("gap", target=[5, 15], tolerance=5)
    assert one_criterion_score(c, {"f": 2}, {"f": 10}) == 1.0  # d = 8, inside
    assert one_criterion_score(c, {"f": 2}, {"f": 5}) == pytest.approx(1 - 2 / 5)  # d = 3
    assert one_criterion_score(c, {"f": 2}, {"f": 20}) == pytest.approx(1 - 3 / 5)  # d = 18
    assert one_criterion_score(c, {"f": 2}, {"f": 40}) == 0.0
    assert one_criterion_score(c, {"f": ""}, {"f": 40}) == 0.0


def test_distance_linear_decay() -> None:
    c = crit("distance", scale_km=1000)
    # Amsterdam - Paris: ~430 km by haversine
    score = one_criterion_score(c, {"f": "52.3676,4.9041"}, {"f": "48.8566;2.3522"})
    lat1, lon1, lat2, lon2 = map(math.radians, (52.3676, 4.9041, 48.8566, 2.3522))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * math.asin(math.sqrt(h))
    assert 420 < km < 440
    assert score == pytest.approx(1 - km / 1000)


def test_timezone_circular_hours() -> None:
    c = crit("timezone", scale_hours=12)
    assert one_criterion_score(c, {"f": "UTC+1"}, {"f": "2"}) == pytest.approx(1 - 1 / 12)
    assert one_criterion_score(c, {"f": "-11"}, {"f": "+11"}) == pytest.approx(1 - 2 / 12)
    assert one_criterion_score(c, {"f": "+05:30"}, {"f": "0"}) == pytest.approx(1 - 5.5 / 12)
    assert one_criterion_score(c, {"f": "Europe/Paris"}, {"f": "Europe/London"}) == pytest.approx(
        1 - 1 / 12
    )


def test_availability_needs_shared_slots() -> None:
    c = crit("availability", need=2)
    assert one_criterion_score(c, {"f": "mon-am;tue-pm"}, {"f": "mon-am;wed-am"}) == 0.5
    assert one_criterion_score(c, {"f": "mon-am;tue-pm;x"}, {"f": "mon-am;tue-pm;x"}) == 1.0


def test_shares_language_and_not_manager() -> None:
    assert one_criterion_score(crit("shares_language"), {"f": "en;fr"}, {"f": "FR"}) == 1.0
    assert one_criterion_score(crit("shares_language"), {"f": "en"}, {"f": "de"}) == 0.0
    c = Criterion("not_manager", "manager", "manager", hard=True)
    problem = Problem.build(
        [mentee("a", manager="b"), mentee("c"), mentor("b"), mentor("d", manager="c")], [c]
    )
    model = ScoreModel(problem)
    scores = model.criterion_scores(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))[:, 0]
    assert scores.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_text_is_clipped_cosine() -> None:
    c = crit("text", "goals", "experience")
    same = one_criterion_score(c, {"goals": "abc"}, {"experience": "abc"})
    assert same == pytest.approx(1.0, abs=1e-6)
    assert one_criterion_score(c, {"goals": "abc"}, {"experience": "xyz"}) == 0.0
    assert one_criterion_score(c, {"goals": ""}, {"experience": "xyz"}) == 0.0


def test_score_is_weighted_sum_plus_bonus_over_weights() -> None:
    criteria = [
        Criterion("same", "industry", "industry", weight=1.0),
        Criterion("overlap", "tags", "tags", weight=3.0),
        Criterion("not_same", "team", "team", hard=True),
    ]
    people = [
        mentee("a", choices=["m2", "m1"], industry="x", tags="p;q", team="t1"),
        mentor("m1", industry="x", tags="q;r", team="t2"),
        mentor("m2", industry="y", tags="p;q", team="t1"),
    ]
    problem = Problem.build(people, criteria, choices=ChoicePolicy(bonus=(0.4, 0.2)))
    model = ScoreModel(problem)
    score, feasible = model.evaluate(np.array([0, 0]), np.array([0, 1]))
    # m1: (1*1 + 3*(1/3) + bonus 0.2 for 2nd choice) / 4
    assert score[0] == pytest.approx((1 + 1 + 0.2) / 4)
    # m2: (0 + 3*1 + 0.4) / 4, but same team -> infeasible
    assert score[1] == pytest.approx((3 + 0.4) / 4)
    assert feasible.tolist() == [True, False]


def test_hard_threshold_on_graded_kind() -> None:
    criteria = [Criterion("overlap", "tags", "tags", weight=1.0, hard=True, threshold=0.5)]
    people = [mentee("a", tags="p;q"), mentor("m1", tags="p;r;s"), mentor("m2", tags="p;q;r")]
    model = ScoreModel(Problem.build(people, criteria))
    _, feasible = model.evaluate(np.array([0, 0]), np.array([0, 1]))
    assert feasible.tolist() == [False, True]  # 1/4 < 0.5 <= 2/3


@pytest.mark.parametrize(
    ("criterion", "column"),
    [
        (Criterion("bogus", "f", "f", weight=1), "kind"),
        (Criterion("same", "f", "f", weight=-1), "weight"),
        (Criterion("same", "f", "f"), "weight"),
        (Criterion("gap", "f", "f", weight=1), "target"),
        (Criterion("distance", "f", "f", weight=1, params={"scale_km": 0}), "scale_km"),
        (Criterion("same", "f", "f", weight=1, params={"scale_km": 3}), "scale_km"),
    ],
)
def test_bad_criteria(criterion: Criterion, column: str) -> None:
    with pytest.raises(MatchingInputError) as error:
        Problem.build([mentee("a")], [criterion])
    assert error.value.column == column


def test_bad_profile_value_names_person_and_column() -> None:
    criteria = [Criterion("gap", "years", "years", weight=1, params={"target": 3})]
    with pytest.raises(MatchingInputError) as error:
        ScoreModel(Problem.build([mentee("a", years="lots"), mentor("m")], criteria))
    assert (error.value.person_id, error.value.column, error.value.value) == ("a", "years", "lots")


def test_block_scores_match_exact_scores() -> None:
    from tandem.matching.synthetic import synthetic_problem

    problem = synthetic_problem(400, seed=3)
    model = ScoreModel(problem)
    mentees = np.arange(model.n, dtype=np.int64)
    block = model.block(mentees)
    rows = np.repeat(mentees, model.m)
    cols = np.tile(np.arange(model.m), model.n)
    exact, feasible = model.evaluate(rows, cols)
    exact = exact.reshape(model.n, model.m)
    feasible = feasible.reshape(model.n, model.m)
    assert np.all(block[~feasible] < -1e29)
    assert np.abs(block[feasible] - exact[feasible]).max() < 1e-5
