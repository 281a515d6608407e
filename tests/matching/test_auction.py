"""The auction fast path of ``solve_flow``: the same optimum as OR-Tools with a duality gap of 0
on random instances (tight, loose and short on seats, ties, mentees without arcs, capacities
1..5, coverage-style and plain gains), warm starts, the fallback to OR-Tools, and the compiled
potentials, residual graph and grouping kernels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.matching import flow
from tandem.matching.auction import auction, feasible_potentials, group_by
from tandem.matching.flow import FlowResult, NegativeCycleError, potentials, solve_flow

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Instance:
    n: int
    m: int
    mentee: np.ndarray
    mentor: np.ndarray
    gain: np.ndarray
    cap: np.ndarray

    def solve(
        self,
        start: np.ndarray | None = None,
        method: flow.Method = "auto",
        start_mentor_of: np.ndarray | None = None,
    ) -> FlowResult:
        return solve_flow(
            self.n,
            self.m,
            self.mentee,
            self.mentor,
            self.gain,
            np.zeros(self.m, dtype=np.int64),
            self.cap,
            start,
            method,
            start_mentor_of,
        )

    def without(self, dropped: np.ndarray) -> Instance:
        keep = ~dropped
        return Instance(
            self.n, self.m, self.mentee[keep], self.mentor[keep], self.gain[keep], self.cap
        )


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    m = draw(st.integers(1, 5))
    cap = np.array(draw(st.lists(st.integers(1, 5), min_size=m, max_size=m)), dtype=np.int64)
    seats = int(cap.sum())
    regime = draw(st.sampled_from(["tight", "loose", "short"]))
    n = {
        "tight": seats,
        "loose": max(1, seats - draw(st.integers(1, 4))),
        "short": seats + draw(st.integers(1, 4)),
    }[regime]
    density = draw(st.sampled_from([0.2, 0.5, 0.8, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    pairs = rng.random((n, m)) < density
    pairs[rng.random(n) < 0.15] = False  # some mentees have no arcs at all
    mentee, mentor = np.nonzero(pairs)
    order = rng.permutation(len(mentee))  # arcs in no particular order
    mentee, mentor = mentee[order].astype(np.int64), mentor[order].astype(np.int64)
    kind = draw(st.sampled_from(["plain", "coverage", "ties", "signed"]))
    if kind == "plain":
        gain = rng.integers(0, 10_000, len(mentee))
    elif kind == "coverage":  # score * 10000 + B with B above every score gain
        gain = rng.integers(0, 10_000, len(mentee)) + 20_000
    elif kind == "ties":
        gain = rng.integers(1, 3, len(mentee)) * 5
    else:
        gain = rng.integers(-3, 6, len(mentee))
    return Instance(n, m, mentee, mentor, gain.astype(np.int64), cap)


def assert_valid(instance: Instance, result: FlowResult) -> None:
    """An assignment that respects the arcs and capacities and whose reported parts agree."""
    used = np.nonzero(result.arc_flow)[0]
    assert set(np.unique(result.arc_flow).tolist()) <= {0, 1}
    assert len(np.unique(instance.mentee[used])) == len(used)
    assert (result.mentor_of[instance.mentee[used]] == instance.mentor[used]).all()
    assert int((result.mentor_of >= 0).sum()) == len(used)
    load = np.bincount(instance.mentor[used], minlength=instance.m)
    assert (load == result.load).all()
    assert (load <= instance.cap).all()
    assert int(instance.gain[used].sum()) == result.total_gain


def certificate_holds(instance: Instance, result: FlowResult) -> bool:
    """Reduced costs >= 0 against the potentials on every arc: gain + potential(mentor) <=
    potential(mentee), as the certificate in optimal.py uses them."""
    reduced = (
        instance.gain
        + result.mentor_potential[instance.mentor]
        - result.mentee_potential[instance.mentee]
    )
    return bool((reduced <= 0).all())


@SETTINGS
@given(instances())
def test_auction_total_equals_ortools(instance: Instance) -> None:
    fast = instance.solve()
    reference = instance.solve(method="ortools")
    assert fast.solver == "auction"
    assert not fast.fallback
    assert reference.solver == "ortools"
    assert fast.total_gain == reference.total_gain
    assert fast.gap == 0
    assert_valid(instance, fast)
    assert certificate_holds(instance, fast)


@SETTINGS
@given(instances(), st.integers(0, 2**32 - 1), st.sampled_from([0.1, 0.4, 0.8]))
def test_warm_start_after_adding_arcs_equals_cold(
    instance: Instance, seed: int, share: float
) -> None:
    dropped = np.random.default_rng(seed).random(len(instance.mentee)) < share
    first = instance.without(dropped).solve()
    start = np.concatenate([first.mentee_potential, first.mentor_potential, [first.sink_potential]])
    cold = instance.solve()
    # from the prices alone, and from the prices and the earlier answer
    for warm in (instance.solve(start), instance.solve(start, start_mentor_of=first.mentor_of)):
        assert warm.solver == "auction"
        assert warm.total_gain == cold.total_gain
        assert warm.gap == 0
        assert_valid(instance, warm)
        assert certificate_holds(instance, warm)


def test_auction_equals_ortools_on_many_small_instances() -> None:
    # a broad deterministic sweep besides the property tests: rare orders of events (a cheap
    # free seat taken while another mentee counts on it) show up once in a few thousand
    rng = np.random.default_rng(6)
    for trial in range(1500):
        n, m = int(rng.integers(1, 14)), int(rng.integers(1, 6))
        pairs = rng.random((n, m)) < rng.random()
        mentee, mentor = (a[rng.permutation(len(a))] for a in np.nonzero(pairs))
        gain = [
            rng.integers(1, 10, len(mentee)),
            rng.integers(0, 3, len(mentee)) + 100,
            rng.integers(-5, 20, len(mentee)),
            np.ones(len(mentee), dtype=np.int64),
        ][trial % 4]
        instance = Instance(n, m, mentee, mentor, gain, rng.integers(0, 5, m))
        fast = instance.solve()
        assert fast.solver == "auction", trial
        assert fast.total_gain == instance.solve(method="ortools").total_gain, trial
        assert fast.gap == 0


def test_auction_three_mentees_two_mentors() -> None:
    # a free seat at a cheaper price than the taken ones must not hide that a mentee has
    # become unhappy (an earlier draft answered 17 here)
    instance = Instance(
        3,
        2,
        np.array([2, 1, 0, 2, 0, 1]),
        np.array([0, 0, 0, 1, 1, 1]),
        np.array([3, 3, 8, 7, 8, 2]),
        np.array([1, 3]),
    )
    result = instance.solve()
    assert result.solver == "auction"
    assert result.total_gain == 18
    assert result.mentor_of.tolist() == [1, 0, 1]
    assert result.gap == 0


def test_auction_leaves_mentees_without_arcs_and_empty_mentors_alone() -> None:
    instance = Instance(
        4,
        3,
        np.array([0, 0, 2, 3]),
        np.array([0, 1, 1, 1]),
        np.array([5, 7, 9, 4]),
        np.array([1, 1, 0]),
    )
    result = instance.solve()
    assert result.solver == "auction"
    assert result.mentor_of.tolist() == [0, -1, 1, -1]
    assert result.total_gain == 14
    assert result.load.tolist() == [1, 1, 0]
    assert result.gap == 0


def test_auction_prefers_staying_unmatched_to_a_negative_gain() -> None:
    instance = Instance(2, 1, np.array([0, 1]), np.array([0, 0]), np.array([-2, 0]), np.array([2]))
    result = instance.solve()
    assert result.solver == "auction"
    assert result.total_gain == 0
    assert result.mentor_of[0] == -1
    assert result.gap == 0


def test_auction_coverage_matches_more_mentees_over_better_scores() -> None:
    # mentee 0 scores higher with mentor 0, but only mentee 1 can take mentor 0: with the
    # coverage bonus both are matched
    bonus = 20_000
    instance = Instance(
        2,
        2,
        np.array([0, 0, 1]),
        np.array([0, 1, 0]),
        np.array([9_000, 1_000, 2_000]) + bonus,
        np.array([1, 1]),
    )
    result = instance.solve()
    assert result.solver == "auction"
    assert result.mentor_of.tolist() == [1, 0]
    assert result.total_gain == 3_000 + 2 * bonus


def test_auction_kernel_warm_start_from_optimal_prices_and_assignment() -> None:
    rng = np.random.default_rng(7)
    n, m = 60, 15
    pairs = rng.random((n, m)) < 0.3
    mentee, mentor = (a.astype(np.int64) for a in np.nonzero(pairs))
    gain = rng.integers(0, 100, len(mentee)).astype(np.int64)
    cap = np.full(m, 4, dtype=np.int64)
    cold = solve_flow(n, m, mentee, mentor, gain, np.zeros(m, np.int64), cap)
    row_ptr, row_order = group_by(mentee, n)
    price = cold.sink_potential - cold.mentor_potential
    used, potential, certified, _, phases = auction(
        row_ptr, mentor[row_order], gain[row_order], cap, price, cold.mentor_of, 1
    )
    assert certified
    assert phases == 1  # optimal prices and assignment: nothing to do but check
    assert int(gain[row_order][used[used >= 0]].sum()) == cold.total_gain
    assert potential.shape == (n + m + 1,)


@pytest.mark.parametrize(
    "claims_optimal",
    [False, True],
    ids=[
        # the auction gives up past its work limit (a large instance in practice; simulated)
        "auction gives up",
        # it claims an optimal answer but leaves everybody unmatched: the certificate finds a
        # negative cycle
        "certificate rejects the auction",
    ],
)
def test_fallback_to_ortools(claims_optimal: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(row_ptr, row_mentor, row_gain, cap, price, mentor_of, epsilon, work_factor=30):  # type: ignore[no-untyped-def]
        n, m = len(row_ptr) - 1, len(cap)
        return np.full(n, -1), np.zeros(n + m + 1, dtype=np.int64), claims_optimal, 0, 1

    instance = Instance(
        3, 2, np.array([0, 1, 2, 0]), np.array([0, 0, 1, 1]), np.array([4, 6, 3, 5]), np.ones(2)
    )
    monkeypatch.setattr(flow, "auction", fake)
    result = instance.solve()
    assert result.solver == "ortools"
    assert result.fallback
    assert result.total_gain == 11  # mentee 1 -> mentor 0 (6), mentee 0 -> mentor 1 (5)
    assert result.gap == 0
    assert "auction" in result.seconds
    assert "ortools" in result.seconds


def test_minimum_capacities_stay_on_ortools() -> None:
    result = solve_flow(
        2, 2, np.array([0, 1]), np.array([0, 1]), np.array([5, 1]), np.array([0, 1]), np.ones(2)
    )
    assert result.solver == "ortools"
    assert not result.fallback
    assert result.load.tolist() == [1, 1]


def test_potentials_feasible_on_every_arc() -> None:
    rng = np.random.default_rng(3)
    nodes = 40
    tail = rng.integers(0, nodes, 300)
    head = rng.integers(0, nodes, 300)
    rank = rng.permutation(nodes)
    forward = rank[tail] < rank[head]  # arcs along one order: no cycle at all
    tail, head = tail[forward], head[forward]
    cost = rng.integers(-20, 20, len(tail))
    start = rng.integers(-5, 5, nodes)
    distance = potentials(nodes, tail, head, cost, start)
    assert (distance[head] <= distance[tail] + cost).all()
    assert (distance <= start).all()


def test_potentials_keep_a_feasible_start() -> None:
    tail, head, cost = np.array([0, 1]), np.array([1, 2]), np.array([3, 4])
    start = np.array([0, 3, 7])
    assert potentials(3, tail, head, cost, start).tolist() == [0, 3, 7]


def test_potentials_find_a_negative_cycle() -> None:
    tail, head, cost = np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3]), np.array([2, -1, -2, 0])
    with pytest.raises(NegativeCycleError):
        potentials(4, tail, head, cost)


def test_feasible_potentials_gives_up_past_its_budget() -> None:
    # a chain of 50 arcs relaxed one after the other from a start that is off everywhere
    indptr = np.concatenate([np.arange(51), [50]])
    head = np.arange(1, 51)
    cost = np.full(50, -1)
    start = np.zeros(51, dtype=np.int64)
    _, within = feasible_potentials(indptr, head, cost, start, 0)
    _, short = feasible_potentials(indptr, head[::-1].copy(), cost, start, 10)
    assert within
    assert not short


def test_group_by_is_a_stable_counting_sort() -> None:
    keys = np.array([2, 0, 2, 1, 0, 2])
    indptr, order = group_by(keys, 4)
    assert indptr.tolist() == [0, 2, 3, 6, 6]
    assert order.tolist() == [1, 4, 3, 0, 2, 5]


def _recording(monkeypatch: pytest.MonkeyPatch, fail_first: bool = False) -> list[tuple[int, int]]:
    """Record (first epsilon, work factor) of each auction call; ``fail_first``: the first
    call gives up (as past its work limit)."""
    calls: list[tuple[int, int]] = []
    real = flow.auction

    def spy(row_ptr, row_mentor, row_gain, cap, price, mentor_of, epsilon, work_factor=30):  # type: ignore[no-untyped-def]
        calls.append((int(epsilon), int(work_factor)))
        if fail_first and len(calls) == 1:
            n, m = len(row_ptr) - 1, len(cap)
            return np.full(n, -1), np.zeros(n + m + 1, dtype=np.int64), False, 0, 1
        return real(row_ptr, row_mentor, row_gain, cap, price, mentor_of, epsilon, work_factor)

    monkeypatch.setattr(flow, "auction", spy)
    return calls


def _seated(seats: int) -> Instance:
    rng = np.random.default_rng(3)
    n, m = 40, 10
    mentee, mentor = (a.astype(np.int64) for a in np.nonzero(rng.random((n, m)) < 0.5))
    gain = rng.integers(100, 5_000, len(mentee)).astype(np.int64)
    cap = np.full(m, seats // m, dtype=np.int64)
    return Instance(n, m, mentee, mentor, gain, cap)


def test_cold_auction_bids_finely_when_every_mentee_can_have_a_seat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _recording(monkeypatch)
    instance = _seated(40)
    result = instance.solve()
    spread = int(instance.gain.max() - instance.gain.min())
    assert calls == [(spread // flow.FINE_START, flow.FINE_WORK)]
    assert result.solver == "auction"
    assert result.total_gain == instance.solve(method="ortools").total_gain


@pytest.mark.parametrize("case", ["seats short", "scarce"])
def test_cold_auction_bids_coarsely_when_prices_must_climb_to_the_gains(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _recording(monkeypatch)
    instance = _seated(20 if case == "seats short" else 40)
    result = solve_flow(
        instance.n,
        instance.m,
        instance.mentee,
        instance.mentor,
        instance.gain,
        np.zeros(instance.m, dtype=np.int64),
        instance.cap,
        scarce=case == "scarce",
    )
    assert calls == [(0, flow.WORK_LIMIT)]
    assert result.solver == "auction"
    assert result.total_gain == instance.solve(method="ortools").total_gain


def test_a_fine_start_that_gives_up_is_followed_by_a_coarse_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _recording(monkeypatch, fail_first=True)
    instance = _seated(40)
    result = instance.solve()
    assert [work for _, work in calls] == [flow.FINE_WORK, flow.WORK_LIMIT]
    assert calls[1][0] == 0
    assert result.solver == "auction"
    assert not result.fallback
    assert result.total_gain == instance.solve(method="ortools").total_gain
