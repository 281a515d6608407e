"""Property tests on random small instances: the engine's optimum equals a MILP optimum for
each objective (a brute force over every assignment for ``spread``), never breaks a capacity
or a hard rule, the certificate gap is 0, and the stable mode leaves no blocking pair."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from tandem.matching import ChoicePolicy, Criterion, Matcher, Person, Problem
from tandem.matching.scoring import ScoreModel, to_gain

CRITERIA = [
    Criterion("overlap", "tags", "tags", weight=2.0),
    Criterion("same", "industry", "industry", weight=1.0),
    Criterion("gap", "years", "years", weight=1.0, params={"target": [2, 4], "tolerance": 3}),
    Criterion("not_same", "team", "team", hard=True),
]


@st.composite
def instances(draw: st.DrawFn, mentees: int = 7) -> Problem:
    n = draw(st.integers(1, mentees))
    m = draw(st.integers(1, 4))
    tags = st.lists(st.sampled_from("abcde"), max_size=3).map(";".join)
    people: list[Person] = []
    for j in range(m):
        low = draw(st.integers(0, 1))
        high = draw(st.integers(low, 3))
        fields = {
            "tags": draw(tags),
            "industry": draw(st.sampled_from("xyz")),
            "years": draw(st.integers(0, 9)),
            "team": draw(st.sampled_from("pq")),
        }
        people.append(Person(f"m{j}", "mentor", fields, low, high))
    for i in range(n):
        fields = {
            "tags": draw(tags),
            "industry": draw(st.sampled_from("xyz")),
            "years": draw(st.integers(0, 9)),
            "team": draw(st.sampled_from("pqr")),
        }
        choices = draw(
            st.lists(st.sampled_from([f"m{j}" for j in range(m)]), max_size=2, unique=True)
        )
        people.append(Person(f"e{i}", "mentee", fields, 0, 0, tuple(choices)))
    forbidden = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=3, unique=True)
    )
    return Problem.build(
        people,
        CRITERIA,
        choices=ChoicePolicy(bonus=(0.5, 0.25)),
        forbidden=[(f"e{i}", f"m{j}") for i, j in forbidden],
    )


def gains(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    model = ScoreModel(problem)
    rows = np.repeat(np.arange(model.n), model.m)
    cols = np.tile(np.arange(model.m), model.n)
    score, feasible = model.evaluate(rows, cols)
    return to_gain(score).reshape(model.n, model.m), feasible.reshape(model.n, model.m)


def reference(problem: Problem, objective: str) -> tuple[int, int, int] | None:
    """(matched, worst gain, total gain) of the lexicographic optimum, by MILP; None when the
    minimum capacities cannot all be met."""
    gain, feasible = gains(problem)
    n, m = gain.shape
    pairs = [(i, j) for i in range(n) for j in range(m) if feasible[i, j]]
    low = np.array([p.capacity_min for p in problem.mentors])
    high = np.array([p.capacity_max for p in problem.mentors])
    if not pairs:
        return (0, 0, 0) if low.sum() == 0 else None

    def best(
        weights: np.ndarray, extra: list[LinearConstraint], allowed: np.ndarray
    ) -> float | None:
        a_mentee = np.zeros((n, len(pairs)))
        a_mentor = np.zeros((m, len(pairs)))
        for k, (i, j) in enumerate(pairs):
            a_mentee[i, k] = 1
            a_mentor[j, k] = 1
        constraints = [
            LinearConstraint(a_mentee, 0, 1),
            LinearConstraint(a_mentor, low, high),
            *extra,
        ]
        result = milp(
            -weights,
            constraints=constraints,
            integrality=np.ones(len(pairs)),
            bounds=Bounds(0, allowed.astype(float)),
        )
        return None if result.status != 0 else -float(result.fun)

    values = np.array([gain[i, j] for i, j in pairs], dtype=float)
    everything = np.ones(len(pairs))
    ones = np.ones((1, len(pairs)))
    if objective == "total":
        total = best(values, [], everything)
        if total is None:
            return None
        return (-1, -1, round(total))
    count = best(everything, [], everything)
    if count is None:
        return None
    count = round(count)
    worst = 0
    allowed = everything
    if objective == "fair" and count > 0:
        for threshold in sorted(set(values.tolist()), reverse=True):
            mask = (values >= threshold).astype(float)
            reach = best(everything, [], mask)
            if reach is not None and round(reach) == count:
                worst = int(threshold)
                allowed = mask
                break
    total = best(values, [LinearConstraint(ones, count, count)], allowed)
    assert total is not None
    return (count, worst, round(total))


def observed(problem: Problem, result) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    model = ScoreModel(problem)
    mentee = np.array([model.mentee_index[x.mentee_id] for x in result.matches], dtype=np.int64)
    mentor = np.array([model.mentor_index[x.mentor_id] for x in result.matches], dtype=np.int64)
    score, feasible = model.evaluate(mentee, mentor)
    assert feasible.all(), "a hard rule or a forbidden pair was broken"
    assert len(set(mentee.tolist())) == len(mentee)
    load = np.bincount(mentor, minlength=model.m)
    assert (load <= model.cap_max).all(), "a capacity was broken"
    g = to_gain(score)
    return len(mentee), int(g.min()) if len(g) else 0, int(g.sum())


def spread_key(load: list[int], low: list[int], high: list[int]) -> tuple[int, int]:
    """(the smallest cut k the loads fit under — a mentor's cut is min(capacity, max(k, its
    minimum)) —, mentors with a mentee)."""
    k = 0
    while any(n > min(h, max(k, lo)) for n, lo, h in zip(load, low, high, strict=True)):
        k += 1
    return k, sum(1 for n in load if n > 0)


def spread_reference(problem: Problem) -> tuple[int, int, int, int] | None:
    """(matched, smallest cut k, mentors with a mentee, total gain) of the ``spread`` optimum:
    the most matched, then the smallest k, then the most mentors with a mentee, then the best
    total — by brute force over every assignment; None when the minimums cannot all be met."""
    gain, feasible = gains(problem)
    n, m = gain.shape
    low = [p.capacity_min for p in problem.mentors]
    high = [p.capacity_max for p in problem.mentors]
    options = [[-1, *(j for j in range(m) if feasible[i, j])] for i in range(n)]
    best: tuple[int, int, int, int] | None = None
    for choice in itertools.product(*options):
        load = [0] * m
        for j in choice:
            if j >= 0:
                load[j] += 1
        if any(not lo <= x <= h for x, lo, h in zip(load, low, high, strict=True)):
            continue
        k, used = spread_key(load, low, high)
        matched = sum(1 for j in choice if j >= 0)
        total = sum(int(gain[i, j]) for i, j in enumerate(choice) if j >= 0)
        key = (matched, -k, used, total)
        if best is None or key > best:
            best = key
    if best is None:
        return None
    return best[0], -best[1], best[2], best[3]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances(), st.sampled_from(["total", "coverage", "fair"]), st.sampled_from([1, 2, 50]))
def test_optimal_equals_milp(problem: Problem, objective: str, candidates: int) -> None:
    expected = reference(problem, objective)
    assume(expected is not None)
    assert expected is not None
    result = Matcher(problem).solve("optimal", objective, candidates_per_mentee=candidates)  # type: ignore[arg-type]
    got = observed(problem, result)
    assert result.stats.certified
    assert result.stats.certificate_gap == 0
    assert result.stats.mentors_below_minimum == []
    if objective == "total":
        assert got[2] == expected[2]
    elif objective == "coverage":
        assert (got[0], got[2]) == (expected[0], expected[2])
    else:
        assert got == expected


@SETTINGS
@given(instances(mentees=6), st.sampled_from([1, 2, 50]))
def test_spread_equals_brute_force(problem: Problem, candidates: int) -> None:
    expected = spread_reference(problem)
    assume(expected is not None)
    result = Matcher(problem).solve("optimal", "spread", candidates_per_mentee=candidates)
    matched, _, total = observed(problem, result)
    model = ScoreModel(problem)
    load = np.bincount(
        [model.mentor_index[x.mentor_id] for x in result.matches], minlength=model.m
    ).tolist()
    low = [p.capacity_min for p in problem.mentors]
    high = [p.capacity_max for p in problem.mentors]
    assert (matched, *spread_key(load, low, high), total) == expected
    assert result.stats.certified
    assert result.stats.certificate_gap == 0
    assert result.stats.mentors_below_minimum == []


@SETTINGS
@given(instances(), st.booleans())
def test_stable_has_no_blocking_pair(problem: Problem, honour_first: bool) -> None:
    problem = Problem(
        problem.mentees,
        problem.mentors,
        problem.criteria,
        ChoicePolicy(bonus=problem.choices.bonus, honour_first=honour_first),
        forbidden=problem.forbidden,
    )
    result = Matcher(problem).solve("stable", candidates_per_mentee=1)
    got = observed(problem, result)
    assert result.stats.blocking_pairs == 0
    # independent brute-force check over all pairs
    model = ScoreModel(problem)
    gain, feasible = gains(problem)
    ranks = {
        (i, j): model.choice_ranks(np.array([i]), np.array([j]))[0]
        for i, j in itertools.product(range(model.n), range(model.m))
    }

    def pref(i: int, j: int) -> int:
        if honour_first and ranks[(i, j)]:
            return 10**9 - int(ranks[(i, j)])
        return int(gain[i, j])

    match = {
        model.mentee_index[x.mentee_id]: model.mentor_index[x.mentor_id] for x in result.matches
    }
    held: dict[int, list[int]] = {}
    for i, j in match.items():
        held.setdefault(j, []).append(i)
    for i, j in itertools.product(range(model.n), range(model.m)):
        if not feasible[i, j] or match.get(i) == j:
            continue
        wants = i not in match or pref(i, j) > pref(i, match[i])
        has = held.get(j, [])
        accepts = len(has) < model.cap_max[j] or any(gain[i, j] > gain[k, j] for k in has)
        assert not (wants and accepts), f"blocking pair {(i, j)}"
    assert got[0] == len(match)


@SETTINGS
@given(instances())
def test_suggestions_are_the_exact_top(problem: Problem) -> None:
    matcher = Matcher(problem)
    for mentee_id, i in matcher.model.mentee_index.items():
        ranked = matcher.suggest(mentee_id, limit=3)
        score, feasible = matcher.model.row_scores(i)
        expected = sorted(
            (round(float(score[j]), 6) for j in np.flatnonzero(feasible)), reverse=True
        )[:3]
        assert [s.score for s in ranked] == expected
        assert all(s.feasible for s in ranked)
