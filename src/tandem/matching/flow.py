"""Sparse many-to-one assignment as a min-cost flow, with dual potentials.

Network (integer costs): one node per mentee (supply 1), per mentor (supply -capacity_min)
and a sink. Arcs: mentee -> mentor for every candidate pair (capacity 1, cost -gain);
mentee -> sink "stays unmatched" (capacity 1, cost 0); mentor -> sink for the seats above the
minimum (capacity max - min, cost 0). The sink absorbs what is left.

Solvers: without minimum capacities, an epsilon-scaling auction (:mod:`.auction`, compiled);
with minimums, or when the auction gives up (it bounds its own work) or its answer fails the
certificate (it should not), OR-Tools' min-cost flow. ``method="ortools"`` forces OR-Tools.
Either way the answer is certified exactly as below, so it is always optimal.

Neither returns usable node potentials, so we compute them from the flow: shortest path
distances from a virtual root in the residual graph (Bellman-Ford; an optimal flow has no
negative cycle). With them every residual arc has reduced cost >= 0, and

    lower bound(cost) = sum_arcs capacity * min(0, reduced cost) - sum_nodes potential * supply

is a valid LP dual bound for the same network with *any* extra arcs whose reduced cost is >= 0.
That is the certificate: a pair outside the candidate set cannot improve the answer when
gain(pair) <= potential(mentee) - potential(mentor).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from ortools.graph.python import min_cost_flow

from .arrays import IntArray
from .auction import (
    WORK_LIMIT,
    auction,
    duality_gap,
    feasible_potentials,
    group_by,
    residual_graph,
    residual_size,
)

Method = Literal["auto", "ortools"]
#: First epsilon (gain units) of an auction warm-started from a previous solve's prices.
WARM_EPSILON = 1
#: A cold auction on arcs that can seat every mentee starts with epsilon = the spread of the
#: gains (largest - smallest) / FINE_START: prices then only have to separate competing
#: mentees, which fine bids do in about half the work of coarse ones (at 100,000 mentees:
#: 19 vs 40 million arcs looked at), and coarse bids can push a mentee with small gains out
#: of every seat, which the reverse auction then repairs slowly (the `total` objective at
#: 100,000 mentees gave up). Where some mentees must stay unmatched, prices have to climb to
#: the gains themselves: fine bids would take thousands of rounds, so the auction starts
#: coarse (the largest gain / EPSILON_FACTOR, in the auction). Whether every mentee can be
#: seated is only known cheaply when seats are short, so the fine start gets FINE_WORK times
#: the problem's size before the coarse one takes over.
FINE_START = 64
FINE_WORK = 12


@dataclass
class FlowResult:
    mentor_of: IntArray  # per mentee: mentor index or -1
    load: IntArray
    arc_flow: IntArray
    total_gain: int
    mentee_potential: IntArray
    mentor_potential: IntArray
    gap: int
    sink_potential: int
    cap_min: IntArray  # minimums actually enforced (lowered where they cannot be met)
    below_minimum: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    solver: str = "ortools"  # which solver's answer this is: "auction" or "ortools"
    fallback: bool = False  # the auction gave up or failed the certificate; OR-Tools solved it
    #: wall-clock seconds per stage: "auction", "ortools", "certificate" (residual graph,
    #: potentials and duality gap)
    seconds: dict[str, float] = field(default_factory=dict)


class NegativeCycleError(RuntimeError):
    """The flow handed to :func:`potentials` is not optimal (should never happen)."""


def _solver(
    n: int,
    m: int,
    arc_mentee: IntArray,
    arc_mentor: IntArray,
    arc_cost: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
) -> tuple[min_cost_flow.SimpleMinCostFlow, IntArray, IntArray, IntArray]:
    sink = n + m
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        arc_mentee.astype(np.int32),
        (n + arc_mentor).astype(np.int32),
        np.ones(len(arc_mentee), dtype=np.int64),
        arc_cost.astype(np.int64),
    )
    stay_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, dtype=np.int32),
        np.full(n, sink, dtype=np.int32),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    seat_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        (n + np.arange(m)).astype(np.int32),
        np.full(m, sink, dtype=np.int32),
        (cap_max - cap_min).astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    supplies = np.concatenate(
        [np.ones(n, dtype=np.int64), -cap_min.astype(np.int64), [-(n - int(cap_min.sum()))]]
    )
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    return flow, np.asarray(pair_arcs), np.asarray(stay_arcs), np.asarray(seat_arcs)


def achievable_minimums(
    n: int, m: int, arc_mentee: IntArray, arc_mentor: IntArray, cap_min: IntArray
) -> IntArray:
    """Largest per-mentor minimums that can all be met together (max flow on the arcs)."""
    sink = n + m
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        arc_mentee.astype(np.int32),
        (n + arc_mentor).astype(np.int32),
        np.ones(len(arc_mentee), dtype=np.int64),
        np.zeros(len(arc_mentee), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, dtype=np.int32),
        np.full(n, sink, dtype=np.int32),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    min_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        (n + np.arange(m)).astype(np.int32),
        np.full(m, sink, dtype=np.int32),
        cap_min.astype(np.int64),
        np.full(m, -1, dtype=np.int64),
    )
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(flow.flows(min_arcs), dtype=np.int64)


def solve_flow(
    n: int,
    m: int,
    arc_mentee: IntArray,
    arc_mentor: IntArray,
    arc_gain: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
    start: IntArray | None = None,
    method: Method = "auto",
    start_mentor_of: IntArray | None = None,
    scarce: bool = False,
) -> FlowResult:
    """Maximise the total gain of a many-to-one assignment on the given arcs. ``start``:
    potentials ``[mentees, mentors, sink]`` of a previous solve of a similar network (the same
    people, some arcs more): they warm-start the auction's prices and the certificate, and
    with ``start_mentor_of`` (that solve's answer) the auction keeps every mentee that is
    still within its epsilon where it was. ``method="ortools"`` skips the auction.
    ``scarce``: the arcs probably cannot seat every mentee (e.g. each mentee's best mentors by
    score alone, which crowd the popular ones): a cold auction starts coarse right away."""
    cap_min = np.minimum(cap_min, cap_max).astype(np.int64)
    cap_max = np.asarray(cap_max, dtype=np.int64)
    requested = cap_min.copy()
    if n == 0 or m == 0:
        return FlowResult(
            mentor_of=np.full(n, -1, dtype=np.int64),
            load=np.zeros(m, dtype=np.int64),
            arc_flow=np.zeros(len(arc_mentee), dtype=np.int64),
            total_gain=0,
            mentee_potential=np.zeros(n, dtype=np.int64),
            mentor_potential=np.zeros(m, dtype=np.int64),
            gap=0,
            sink_potential=0,
            cap_min=np.zeros(m, dtype=np.int64),
            below_minimum=np.nonzero(requested > 0)[0].astype(np.int64),
        )
    if start is not None and len(start) != n + m + 1:
        start = None  # potentials of another network
    arcs = _Arcs.of(n, m, arc_mentee, arc_mentor, arc_gain)
    seconds: dict[str, float] = {}
    if method == "auto" and not cap_min.any():
        result = _solve_by_auction(arcs, cap_max, start, seconds, start_mentor_of, scarce)
        if result is not None:
            return result
    fallback = method == "auto" and not cap_min.any()
    clock = time.perf_counter()
    cost = -arcs.gain
    status = None
    if cap_min.sum() <= n:
        flow, pair_arcs, _, _ = _solver(n, m, arc_mentee, arc_mentor, cost, cap_min, cap_max)
        status = flow.solve()
    if status is None or status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        cap_min = achievable_minimums(n, m, arc_mentee, arc_mentor, cap_min)
        flow, pair_arcs, _, _ = _solver(n, m, arc_mentee, arc_mentor, cost, cap_min, cap_max)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
    pair_flow = np.asarray(flow.flows(pair_arcs), dtype=np.int64)
    seconds["ortools"] = time.perf_counter() - clock
    used = np.full(n, -1, dtype=np.int64)
    carried = np.nonzero(pair_flow[arcs.row_order] > 0)[0]
    used[arcs.mentee[arcs.row_order[carried]]] = carried
    result = _certified(arcs, used, cap_min, cap_max, start, seconds)
    result.below_minimum = np.nonzero(cap_min < requested)[0].astype(np.int64)
    result.fallback = fallback
    return result


@dataclass(frozen=True)
class _Arcs:
    """The pair arcs, and the same arcs grouped by mentee ("rows") for the compiled kernels."""

    n: int
    m: int
    mentee: IntArray
    mentor: IntArray
    gain: IntArray
    row_ptr: IntArray
    row_order: IntArray  # row position -> arc
    row_mentor: IntArray
    row_gain: IntArray

    @classmethod
    def of(cls, n: int, m: int, mentee: IntArray, mentor: IntArray, gain: IntArray) -> _Arcs:
        mentee = np.asarray(mentee, dtype=np.int64)
        mentor = np.asarray(mentor, dtype=np.int64)
        gain = np.asarray(gain, dtype=np.int64)
        row_ptr, row_order = group_by(mentee, n)
        return cls(
            n, m, mentee, mentor, gain, row_ptr, row_order, mentor[row_order], gain[row_order]
        )


def _solve_by_auction(
    arcs: _Arcs,
    cap_max: IntArray,
    start: IntArray | None,
    seconds: dict[str, float],
    start_mentor_of: IntArray | None = None,
    scarce: bool = False,
) -> FlowResult | None:
    """The auction's assignment, certified; None when the auction or the certificate fails."""
    n, m = arcs.n, arcs.m
    clock = time.perf_counter()
    mentor_of = np.full(n, -1, dtype=np.int64)
    # (first epsilon, work factor) of each attempt; 0 = coarse (see FINE_START)
    attempts: list[tuple[int, int]] = [(0, WORK_LIMIT)]
    if start is None:
        price = np.zeros(m, dtype=np.int64)
        spread = int(arcs.gain.max() - arcs.gain.min()) if len(arcs.gain) else 0
        seated = int((np.diff(arcs.row_ptr) > 0).sum()) <= int(cap_max.sum())
        if seated and not scarce and spread >= FINE_START:
            attempts.insert(0, (spread // FINE_START, FINE_WORK))
    else:  # mentor price = sink potential - mentor potential
        price = np.maximum(int(start[n + m]) - start[n : n + m].astype(np.int64), 0)
        attempts = [(WARM_EPSILON, WORK_LIMIT)]
        if start_mentor_of is not None and len(start_mentor_of) == n:
            mentor_of = np.asarray(start_mentor_of, dtype=np.int64)
    for first_epsilon, work_factor in attempts:
        used, potential, certified, _, _ = auction(
            arcs.row_ptr,
            arcs.row_mentor,
            arcs.row_gain,
            cap_max,
            price,
            mentor_of,
            first_epsilon,
            work_factor,
        )
        if certified:
            break
    seconds["auction"] = time.perf_counter() - clock
    if not certified:
        return None
    try:
        result = _certified(arcs, used, np.zeros(m, dtype=np.int64), cap_max, potential, seconds)
    except NegativeCycleError:
        return None
    if result.gap != 0:
        return None
    result.solver = "auction"
    return result


def _certified(
    arcs: _Arcs,
    used: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
    start: IntArray | None,
    seconds: dict[str, float],
) -> FlowResult:
    """The result of an assignment (``used``: per mentee, the row position of its arc, -1:
    unmatched): potentials of its residual graph and the duality gap they prove (0: optimal).
    Raises :class:`NegativeCycleError` when the assignment is not optimal."""
    clock = time.perf_counter()
    n, m = arcs.n, arcs.m
    size = residual_size(len(arcs.mentee), n, m)
    head = np.empty(size, dtype=np.int64)
    residual_cost = np.empty(size, dtype=np.int64)
    indptr = residual_graph(
        arcs.row_ptr, arcs.row_mentor, arcs.row_gain, used, cap_min, cap_max, head, residual_cost
    )
    begin = np.zeros(n + m + 1, dtype=np.int64) if start is None else start.astype(np.int64)
    pi, feasible = feasible_potentials(indptr, head, residual_cost, begin, 0)
    if not feasible:
        raise NegativeCycleError("the residual graph has a negative cycle")
    # duality gap over the network's arcs (extra arcs with reduced cost >= 0 add nothing)
    total_gain, gap = duality_gap(
        arcs.row_ptr, arcs.row_mentor, arcs.row_gain, used, cap_min, cap_max, pi
    )
    matched = np.nonzero(used >= 0)[0]
    arc_flow = np.zeros(len(arcs.mentee), dtype=np.int64)
    arc_flow[arcs.row_order[used[matched]]] = 1
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[matched] = arcs.row_mentor[used[matched]]
    seconds["certificate"] = time.perf_counter() - clock
    return FlowResult(
        mentor_of=mentor_of,
        load=np.bincount(mentor_of[matched], minlength=m).astype(np.int64),
        arc_flow=arc_flow,
        total_gain=int(total_gain),
        mentee_potential=pi[:n],
        mentor_potential=pi[n : n + m],
        gap=int(gap),
        sink_potential=int(pi[n + m]),
        cap_min=cap_min,
        seconds=seconds,
    )


def potentials(
    num_nodes: int,
    tail: IntArray,
    head: IntArray,
    cost: IntArray,
    start: IntArray | None = None,
) -> IntArray:
    """Feasible node potentials: after it, ``d[head] <= d[tail] + cost`` on every arc.

    Bellman-Ford from a virtual root joined to every node ``v`` by an arc of cost
    ``start[v]`` (default 0), relaxing the arcs of the nodes that improved (a FIFO queue,
    compiled: :func:`.auction.feasible_potentials`). Any feasible potentials certify
    optimality; a good ``start`` (the previous round's potentials) makes the search short.
    Raises :class:`NegativeCycleError` when the arcs have a negative cycle."""
    tail = np.asarray(tail, dtype=np.int64)
    indptr, order = group_by(tail, num_nodes)
    begin = np.zeros(num_nodes, dtype=np.int64) if start is None else start.astype(np.int64)
    distance, feasible = feasible_potentials(
        indptr,
        np.asarray(head, dtype=np.int64)[order],
        np.asarray(cost, dtype=np.int64)[order],
        begin,
        0,
    )
    if not feasible:
        raise NegativeCycleError("the residual graph has a negative cycle")
    return distance
