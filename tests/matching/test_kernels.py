"""The compiled kernels build the same rows as the exact scorer, for every criterion kind, both
when criteria are precomputed as keyed tables and when they are computed per pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.matching import ChoicePolicy, Criterion, Matcher, Person, Problem, kernels, scoring
from tandem.matching.scoring import ScoreModel

from .helpers import fake_embedder

ALL_KINDS = [
    Criterion("overlap", "tags", "tags", weight=2.0),
    Criterion("complement", "wants", "offers", weight=3.0),
    Criterion("availability", "slots", "slots", weight=1.0, params={"need": 2}),
    Criterion("shares_language", "languages", "languages", hard=True),
    Criterion("same", "industry", "industry", weight=1.0),
    Criterion("different", "team", "team", weight=0.5),
    Criterion("not_same", "unit", "unit", hard=True),
    Criterion("gap", "years", "years", weight=1.0, params={"target": [2, 6], "tolerance": 3}),
    Criterion("timezone", "tz", "tz", weight=1.0, params={"scale_hours": 6}),
    Criterion("distance", "place", "place", weight=1.0, params={"scale_km": 800}),
    Criterion("text", "goals", "experience", weight=1.0),
    Criterion("not_manager", "manager", "manager", hard=True),
    Criterion("overlap", "tags", "tags", hard=True, threshold=0.2, weight=0.0),
]


def people(seed: int, n: int, m: int) -> list[Person]:
    rng = np.random.default_rng(seed)
    words = ["lead", "code", "sales", "data", "design", "money", "law", "health"]

    def pick(pool: list[str], low: int, high: int) -> tuple[str, ...]:
        size = int(rng.integers(low, high + 1))
        return tuple(rng.choice(pool, size, replace=False).tolist())

    def fields(k: int, is_mentee: bool) -> dict[str, object]:
        return {
            "tags": pick([f"t{t}" for t in range(90)], 0, 6),
            "wants" if is_mentee else "offers": pick([f"t{t}" for t in range(90)], 0, 4),
            "slots": pick([f"s{t}" for t in range(10)], 0, 4),
            "languages": pick(["en", "fr", "de"], 0, 2),
            "industry": str(rng.choice(["", "a", "b", "c"])),
            "team": str(rng.choice(["", "x", "y"])),
            "unit": str(rng.choice(["u1", "u2", "u3", "u4"])),
            "years": None if rng.random() < 0.1 else int(rng.integers(0, 25)),
            "tz": None if rng.random() < 0.1 else float(rng.choice([-5, 0, 1, 5.5, 9])),
            "place": f"{rng.uniform(40, 55):.2f},{rng.uniform(-5, 20):.2f}",
            "goals" if is_mentee else "experience": " ".join(pick(words, 0, 3)),
            "manager": f"m{rng.integers(0, m)}" if is_mentee and rng.random() < 0.2 else "",
        }

    out = [Person(f"m{j}", "mentor", fields(j, False), 0, 2) for j in range(m)]
    for i in range(n):
        choices = tuple(f"m{j}" for j in rng.choice(m, min(m, 2), replace=False).tolist())
        out.append(Person(f"e{i}", "mentee", fields(i, True), 0, 0, choices))
    # a mentor managed by a mentee (the reverse reporting line)
    out[0].fields["manager"] = "e1"
    return out


def build(seed: int, n: int = 60, m: int = 25) -> Problem:
    return Problem.build(
        people(seed, n, m),
        ALL_KINDS,
        choices=ChoicePolicy(bonus=(0.6, 0.3)),
        forbidden=[("e3", f"m{m - 1}"), ("e5", "m0")],
        past=[("e7", "m2")],
    )


def exact_rows(model: ScoreModel) -> tuple[np.ndarray, np.ndarray]:
    rows = np.repeat(np.arange(model.n), model.m)
    cols = np.tile(np.arange(model.m), model.n)
    score, feasible = model.evaluate(rows, cols)
    return score.reshape(model.n, model.m), feasible.reshape(model.n, model.m)


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed tables", "per pair"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernel_rows_equal_exact_scores(
    seed: int, keyed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not keyed:
        monkeypatch.setattr(scoring, "TABLE_LIMIT", 0)
    model = ScoreModel(build(seed), fake_embedder)
    assert bool(model.keyed) is keyed
    mentees = np.arange(model.n, dtype=np.int64)
    extra = model.extra_block(mentees)
    rows = kernels.score_rows(mentees, extra, model.kernel_data(), model.m)
    exact, feasible = exact_rows(model)
    assert feasible.any()
    assert (~feasible).any()
    assert np.all(rows[~feasible] < -1e29)
    assert np.abs(rows[feasible] - exact[feasible]).max() < 1e-5
    # the dense NumPy block agrees too
    assert np.array_equal(model.block(mentees) < -1e29, rows < -1e29)


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed tables", "per pair"])
def test_top_values_keeps_the_best_and_bounds_the_rest(
    keyed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not keyed:
        monkeypatch.setattr(scoring, "TABLE_LIMIT", 0)
    model = ScoreModel(build(4), fake_embedder)
    mentees = np.arange(model.n, dtype=np.int64)
    offset = np.linspace(0, 0.3, model.m).astype(np.float32)
    exact, feasible = exact_rows(model)
    r, c, bound_value, bound_score = model.top(mentees, 5, offset)
    kept = np.zeros_like(feasible)
    kept[r, c] = True
    assert not (kept & ~feasible).any()
    value = np.where(feasible, exact - offset[None, :], -np.inf)
    for i in range(model.n):
        assert kept[i].sum() == min(5, feasible[i].sum())
        rest = feasible[i] & ~kept[i]
        if rest.any():
            # every kept mentor is at least as good as every other one, and the bounds hold
            assert value[i, kept[i]].min() >= value[i, rest].max() - 1e-5
            assert bound_value[i] >= value[i, rest].max() - 1e-5
            assert bound_score[i] >= exact[i, rest].max() - 1e-5
        else:
            assert bound_value[i] == -np.inf
            assert bound_score[i] == -np.inf


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(seed=st.integers(0, 10_000), objective=st.sampled_from(["total", "coverage"]))
def test_certified_answer_is_exact_without_tables(seed: int, objective: str) -> None:
    """Per-pair kernels and the certificate, against an exhaustive reference: candidates are
    cut to 2 per mentee so that the certificate has to find the better pairs itself."""
    original = scoring.TABLE_LIMIT
    scoring.TABLE_LIMIT = 0
    try:
        problem = build(seed, n=9, m=4)
        matcher = Matcher(problem, embedder=fake_embedder)
        result = matcher.solve(
            "optimal",
            objective,
            candidates_per_mentee=2,
            explain=False,  # type: ignore[arg-type]
        )
        full = matcher.solve(
            "optimal",
            objective,
            candidates_per_mentee=50,
            explain=False,  # type: ignore[arg-type]
        )
    finally:
        scoring.TABLE_LIMIT = original
    assert result.stats.certificate_gap == 0
    assert result.stats.matched == full.stats.matched
    assert sum(p.score for p in result.matches) == pytest.approx(
        sum(p.score for p in full.matches), abs=1e-3
    )


def test_column_max_is_each_mentors_best_value() -> None:
    model = ScoreModel(build(5), fake_embedder)
    mentees = np.arange(model.n, dtype=np.int64)
    extra = model.extra_block(mentees)
    data = model.kernel_data()
    rows = kernels.score_rows(mentees, extra, data, model.m).astype(np.float64)
    offset = np.random.default_rng(0).uniform(-0.2, 0.2, model.n)
    value = np.where(rows > -1e29, rows - offset[:, None], -np.inf)
    for slabs in (1, 3):
        best = kernels.column_max(mentees, offset, extra, data, model.m, slabs)
        assert np.allclose(best, value.max(axis=0))
    # a mentor that no mentee may have stays at -inf
    assert (best == -np.inf).sum() == (~(rows > -1e29).any(axis=0)).sum()


def test_every_mentor_keeps_its_best_mentees_as_candidates() -> None:
    model = ScoreModel(build(6), fake_embedder)
    mentees = np.arange(model.n, dtype=np.int64)
    offset = np.zeros(model.m, dtype=np.float32)
    exact, feasible = exact_rows(model)
    r, c, _, _ = model.top(mentees, 1, offset, per_mentor=3)
    kept = np.zeros_like(feasible)
    kept[r, c] = True
    assert not (kept & ~feasible).any()
    for j in range(model.m):
        column = np.where(feasible[:, j], exact[:, j], -np.inf)
        best = np.sort(column[np.isfinite(column)])[::-1][:3]
        if len(best) == 0:
            continue
        # the mentor's 3 best mentees (up to float32 ties at the third place) are kept
        assert kept[:, j].sum() >= len(best)
        assert column[kept[:, j]].max() == pytest.approx(best[0], abs=1e-5)
        assert np.sort(column[kept[:, j]])[::-1][len(best) - 1] >= best[-1] - 1e-5


@pytest.mark.parametrize("partial", [0.25, 1.0], ids=["rows", "blocks one by one"])
@pytest.mark.parametrize("objective", ["total", "coverage"])
def test_the_pilot_changes_the_work_not_the_answer(
    objective: str, partial: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large problems first estimate mentor prices on a sample (and price rarely kept mentors
    by their best bid); forced on a small problem, the certified optimum is the same, also
    when the certificate re-scores single blocks of mentors wherever its bounds allow."""
    from tandem.matching import optimal
    from tandem.matching.synthetic import synthetic_problem

    problem = synthetic_problem(400, seed=3)
    plain = Matcher(problem).solve("optimal", objective, explain=False)  # type: ignore[arg-type]
    monkeypatch.setattr(optimal, "PARTIAL_SHARE", partial)
    monkeypatch.setattr(scoring, "PILOT_PAIRS", 0)
    monkeypatch.setattr(scoring, "PILOT_BIDDERS", 50)
    matcher = Matcher(problem)
    piloted = matcher.solve("optimal", objective, candidates_per_mentee=5, explain=False)  # type: ignore[arg-type]
    assert matcher.model.price_hint.any()
    assert piloted.stats.certificate_gap == 0
    assert piloted.stats.matched == plain.stats.matched
    assert piloted.stats.total_score == pytest.approx(plain.stats.total_score, abs=1e-3)


def test_top_values_bounds_each_block_of_mentors_it_did_not_keep() -> None:
    lenient = [c for c in ALL_KINDS if not (c.hard and c.kind in ("overlap", "shares_language"))]
    model = ScoreModel(Problem.build(people(7, 40, 300), lenient), fake_embedder)
    mentees = np.arange(model.n, dtype=np.int64)
    offset = np.random.default_rng(1).uniform(0, 0.3, model.m).astype(np.float32)
    blocks = -(-model.m // kernels.BLOCK)
    model.block_bound = np.full((model.n, blocks), np.nan, dtype=np.float32)
    r, c, _, _ = model.top(mentees, 4, offset, bounds=True)
    exact, feasible = exact_rows(model)
    kept = np.zeros_like(feasible)
    kept[r, c] = True
    value = np.where(feasible & ~kept, exact - offset[None, :], -np.inf)
    for b in range(blocks):
        best = value[:, b * kernels.BLOCK : (b + 1) * kernels.BLOCK].max(axis=1)
        assert (model.block_bound[:, b] >= best - 1e-5).all()
    # ... and no looser than the block's best value or the worst kept one
    worst_kept = np.where(kept, exact - offset[None, :], np.inf).min(axis=1)
    padded = np.full((model.n, blocks * kernels.BLOCK), -np.inf)
    padded[:, : model.m] = np.where(feasible, exact - offset[None, :], -np.inf)
    block_best = padded.reshape(model.n, blocks, kernels.BLOCK).max(axis=2)
    tight = np.minimum(block_best, worst_kept[:, None])
    more = feasible.sum(axis=1) > 4  # else every feasible mentor is kept: nothing to bound
    assert more.sum() >= 30
    assert np.allclose(model.block_bound[more], tight[more], atol=1e-4)
    assert (model.block_bound[~more] < -1e38).all()


@pytest.mark.parametrize("partial", [0, 5], ids=["whole rows", "blocks one by one"])
def test_check_rows_scores_only_the_blocks_its_bounds_leave_open(partial: int) -> None:
    """Blocks with a bound at or below the utility are not scored (even when, as set up here,
    the bound is false and they hold improving pairs); the open blocks are, and get fresh
    bounds; past ``partial`` open blocks the whole row is scored."""
    lenient = [c for c in ALL_KINDS if not (c.hard and c.kind in ("overlap", "shares_language"))]
    model = ScoreModel(Problem.build(people(8, 40, 300), lenient), fake_embedder)
    n, m = model.n, model.m
    blocks = -(-m // kernels.BLOCK)
    rng = np.random.default_rng(2)
    rows = np.arange(n, dtype=np.int64)
    data = model.kernel_data()
    extra = model.extra_block(rows)
    dense = kernels.score_rows(rows, extra, data, m).astype(np.float64)
    price = rng.integers(0, 3000, m).astype(np.float64)
    utility = rng.integers(0, 2500, n).astype(np.float64)
    scale, margin, per_row = 10_000.0, 1e-4, 6
    opened = rng.random((n, blocks)) < 0.5
    bound = np.where(opened, np.float32(7.0), np.float32(-3e38)).astype(np.float32)
    refs = np.where(opened, -1, 0).astype(np.int16)
    offsets = np.zeros((1, m), dtype=np.float32)
    padded = np.full(blocks * kernels.BLOCK, -np.inf)
    padded[:m] = -price
    lift = padded.reshape(blocks, kernels.BLOCK).max(axis=1)[None, :]
    near, remaining = kernels.check_rows(
        rows,
        np.zeros(n + 1, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        price,
        utility,
        1.0,
        0.0,
        -np.inf,
        0.0,
        per_row,
        scale,
        margin,
        extra,
        data,
        bound,
        refs,
        offsets,
        lift,
        0,
        partial,
    )
    upper = np.where(dense > -1e29, np.ceil((dense + margin) * scale) - price[None, :], -np.inf)
    assert (near >= 0).sum() > 50  # improving pairs were found (and some left closed)
    assert ((upper > utility[:, None]) & ~np.repeat(opened, 64, axis=1)[:, :m]).any()
    for i in range(n):
        scored = np.repeat(opened[i] if partial else np.ones(blocks, dtype=np.bool_), 64)[:m]
        if not opened[i].any():
            scored[:] = False
        wanted = np.where(scored & (upper[i] > utility[i]), upper[i], -np.inf)
        count = min(per_row, int(np.isfinite(wanted).sum()))
        got = near[i][near[i] >= 0]
        assert len(got) == count
        if count:
            assert np.sort(upper[i, got]).tolist() == np.sort(wanted)[::-1][:count][::-1].tolist()
        assert (
            remaining[i]
            >= np.where(scored, upper[i], -np.inf)[~np.isin(np.arange(m), got)].max(initial=-np.inf)
            - 1e-6
            or not scored.any()
        )
        # scored blocks now hold fresh bounds against offsets[0] (zero): the block maxima
        for b in np.nonzero(scored[:: kernels.BLOCK])[0]:
            part = dense[i, b * kernels.BLOCK : (b + 1) * kernels.BLOCK]
            assert refs[i, b] == 0
            assert bound[i, b] >= part.max() - 1e-5
            assert bound[i, b] <= part.max() + 1e-5


def test_post_block_points_at_each_tags_first_mentor_in_each_block() -> None:
    from tandem.matching.synthetic import synthetic_problem

    model = ScoreModel(synthetic_problem(1200, seed=4))  # 300 mentors: 5 blocks
    data = model.kernel_data()
    assert data.post_block.shape[0] > 0  # the tag sets go through the inverted index
    for t in range(len(data.post_ptr) - 1):
        mentors = data.post_mentor[data.post_ptr[t] : data.post_ptr[t + 1]]
        assert (np.diff(mentors) > 0).all()
        for b in range(data.post_block.shape[1]):
            first = data.post_ptr[t] + np.searchsorted(mentors, b * kernels.BLOCK)
            assert data.post_block[t, b] == first
