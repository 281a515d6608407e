"""Sparse many-to-one assignment as a min-cost flow (OR-Tools), with dual potentials.

Network (integer costs): one node per mentee (supply 1), per mentor (supply -capacity_min)
and a sink. Arcs: mentee -> mentor for every candidate pair (capacity 1, cost -gain);
mentee -> sink "stays unmatched" (capacity 1, cost 0); mentor -> sink for the seats above the
minimum (capacity max - min, cost 0). The sink absorbs what is left.

OR-Tools does not return node potentials, so we compute them from the optimal flow: shortest
path distances from a virtual root in the residual graph (Bellman-Ford; an optimal flow has no
negative cycle). With them every residual arc has reduced cost >= 0, and

    lower bound(cost) = sum_arcs capacity * min(0, reduced cost) - sum_nodes potential * supply

is a valid LP dual bound for the same network with *any* extra arcs whose reduced cost is >= 0.
That is the certificate: a pair outside the candidate set cannot improve the answer when
gain(pair) <= potential(mentee) - potential(mentor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from .criteria import IntArray


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
) -> FlowResult:
    """Maximise the total gain of a many-to-one assignment on the given arcs. ``start``:
    potentials of a previous solve of a similar network (speeds up the certificate)."""
    cap_min = np.minimum(cap_min, cap_max).astype(np.int64)
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
    cost = -arc_gain.astype(np.int64)
    status = None
    if cap_min.sum() <= n:
        flow, pair_arcs, stay_arcs, seat_arcs = _solver(
            n, m, arc_mentee, arc_mentor, cost, cap_min, cap_max
        )
        status = flow.solve()
    if status is None or status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        cap_min = achievable_minimums(n, m, arc_mentee, arc_mentor, cap_min)
        flow, pair_arcs, stay_arcs, seat_arcs = _solver(
            n, m, arc_mentee, arc_mentor, cost, cap_min, cap_max
        )
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
    pair_flow = np.asarray(flow.flows(pair_arcs), dtype=np.int64)
    stay_flow = np.asarray(flow.flows(stay_arcs), dtype=np.int64)
    seat_flow = np.asarray(flow.flows(seat_arcs), dtype=np.int64)
    used = np.nonzero(pair_flow > 0)[0]
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[arc_mentee[used]] = arc_mentor[used]
    load = np.bincount(arc_mentor[used], minlength=m).astype(np.int64)

    # residual graph
    sink = n + m
    seat_cap = cap_max - cap_min
    mentor_node = n + arc_mentor
    free = pair_flow == 0
    tails = [arc_mentee[free], mentor_node[~free]]
    heads = [mentor_node[free], arc_mentee[~free]]
    costs = [cost[free], -cost[~free]]
    stay_open = stay_flow == 0
    tails += [np.nonzero(stay_open)[0], np.full(int((~stay_open).sum()), sink)]
    heads += [np.full(int(stay_open.sum()), sink), np.nonzero(~stay_open)[0]]
    costs += [np.zeros(int(stay_open.sum()), np.int64), np.zeros(int((~stay_open).sum()), np.int64)]
    seat_open = seat_flow < seat_cap
    seat_used = seat_flow > 0
    tails += [n + np.nonzero(seat_open)[0], np.full(int(seat_used.sum()), sink)]
    heads += [np.full(int(seat_open.sum()), sink), n + np.nonzero(seat_used)[0]]
    costs += [np.zeros(int(seat_open.sum()), np.int64), np.zeros(int(seat_used.sum()), np.int64)]
    pi = potentials(
        n + m + 1,
        np.concatenate(tails).astype(np.int64),
        np.concatenate(heads).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
        start,
    )
    # duality gap over the network's arcs (extra arcs with reduced cost >= 0 add nothing)
    supplies = np.concatenate([np.ones(n, np.int64), -cap_min, [-(n - int(cap_min.sum()))]])
    reduced_pair = cost + pi[arc_mentee] - pi[mentor_node]
    reduced_stay = pi[:n] - pi[sink]
    reduced_seat = pi[n : n + m] - pi[sink]
    lower = (
        int(np.minimum(reduced_pair, 0).sum())
        + int(np.minimum(reduced_stay, 0).sum())
        + int((seat_cap * np.minimum(reduced_seat, 0)).sum())
        - int((pi * supplies).sum())
    )
    total_cost = int((cost * pair_flow).sum())
    return FlowResult(
        mentor_of=mentor_of,
        load=load,
        arc_flow=pair_flow,
        total_gain=-total_cost,
        mentee_potential=pi[:n],
        mentor_potential=pi[n : n + m],
        gap=total_cost - lower,
        sink_potential=int(pi[sink]),
        cap_min=cap_min,
        below_minimum=np.nonzero(cap_min < requested)[0].astype(np.int64),
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
    ``start[v]`` (default 0), relaxing only the arcs of nodes that changed in the previous pass.
    Any feasible potentials certify optimality; a good ``start`` (the previous round's
    potentials) makes the search short."""
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    indptr = np.searchsorted(tail, np.arange(num_nodes + 1))
    distance = (
        np.zeros(num_nodes, dtype=np.int64) if start is None else start.astype(np.int64).copy()
    )
    active = np.arange(num_nodes, dtype=np.int64)
    changed = np.zeros(num_nodes, dtype=np.bool_)
    for _ in range(num_nodes + 2):
        starts = indptr[active]
        counts = indptr[active + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return distance
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        arcs = np.repeat(starts, counts) + offsets
        candidate = distance[tail[arcs]] + cost[arcs]
        target = head[arcs]
        better = candidate < distance[target]
        if not better.any():
            return distance
        target = target[better]
        np.minimum.at(distance, target, candidate[better])
        changed[target] = True
        active = np.flatnonzero(changed)
        changed[active] = False
    raise NegativeCycleError("the residual graph has a negative cycle")
