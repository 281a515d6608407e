"""Compiled (numba) kernels of the assignment flow: an auction, the residual network, and exact
node potentials.

``auction`` solves the many-to-one assignment of :mod:`tandem.matching.flow` without minimum
capacities: each mentee takes at most one mentor, mentor ``j`` has ``cap[j]`` identical seats,
and a mentee may stay unmatched (value 0, fixed price 0). Gains are multiplied by ``n + 1`` and
the auction runs epsilon-scaling phases towards epsilon = 1. Seats are "similar objects": every
seat has its own price (the bid that won it), a bidder takes its best mentor's cheapest seat,
and a mentor's price is the price of its cheapest seat. Each phase

1. releases the mentees that are no longer within epsilon of their best option,
2. lets them bid (forward auction): a bidder takes the cheapest seat of its best mentor and
   raises that seat's price until its next best option (another mentor, or staying unmatched)
   is within epsilon; the seat's previous holder bids again,
3. lets every free seat still priced above 0 bid for mentees (reverse auction): it takes the
   mentee that gains most by moving to it, at the price that keeps every other mentee within
   epsilon, or drops its price to 0 when no mentee would gain more than epsilon.

After a phase every mentee is within epsilon of its best option (``gain - mentor price`` for
its mentor against ``max(0, gain - price)`` over all its arcs), and every mentor with a free
seat has price 0. Summing over the mentees gives ``total >= optimum - n * epsilon``, so at
epsilon = 1 the assignment is optimal whatever the capacities (tight, loose or short).

In practice the assignment is optimal long before epsilon = 1 (the last phases only break ties
between equal integer gains), so from the first phase with epsilon <= one gain unit on, each
phase ends with the exact test: node potentials of the residual network (``residual_graph`` and
``feasible_potentials``, the same kernels the certificate in :mod:`.flow` uses). The auction
stops when they exist. :mod:`.flow` certifies every answer again with the duality gap and falls
back to OR-Tools if it is not 0.

Potentials follow :func:`tandem.matching.flow.potentials`: after them ``d[head] <= d[tail] +
cost`` on every residual arc; mentee potential = utility, mentor potential = -price, sink = 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .arrays import IntArray

#: Larger than any scaled gain or price (gains * (n + 1) stay far below 2**62).
_INFINITY = np.int64(1) << np.int64(62)
#: Epsilon is divided by this between phases.
EPSILON_FACTOR = 6
#: Arcs a mentee keeps from a full scan of its arcs (see ``_best_options``).
LOOK_AHEAD = 4
#: The auction gives up (and :mod:`.flow` calls OR-Tools) after looking at this many times
#: (arcs + mentees + mentors) arcs; typical runs look at 10 to 20 times.
WORK_LIMIT = 30
#: An exactness test before the last phase gives up after relaxing this many times the
#: residual network's arcs: one that succeeds relaxes 1.05-1.15 times, one that fails would
#: look for its negative cycle until the limit (at 3, the failed tests took a quarter of the
#: auctions' time at 100,000 mentees; a success cut short only costs one more phase). The
#: last phase (epsilon below one gain unit, so optimal) is tested without a limit.
CHECK_LIMIT = 1.25


@njit(cache=True, nogil=True)
def group_by(keys: IntArray, groups: int) -> tuple[IntArray, IntArray]:
    """Counting sort: the positions of ``keys`` grouped by key (stable); key ``g``'s positions
    are ``order[indptr[g]:indptr[g + 1]]``. Keys must lie in ``0..groups - 1``."""
    indptr = np.zeros(groups + 1, dtype=np.int64)
    for key in keys:
        indptr[key + 1] += 1
    for group in range(groups):
        indptr[group + 1] += indptr[group]
    cursor = np.empty(groups, dtype=np.int64)
    for group in range(groups):
        cursor[group] = indptr[group]
    order = np.empty(len(keys), dtype=np.int64)
    for position in range(len(keys)):
        key = keys[position]
        order[cursor[key]] = position
        cursor[key] += 1
    return indptr, order


@njit(cache=True, nogil=True)
def residual_size(arcs: int, n: int, m: int) -> int:
    """Room for the arcs of any residual network of :func:`residual_graph`."""
    return arcs + n + 2 * m


@njit(cache=True, nogil=True)
def residual_graph(
    row_ptr: IntArray,
    row_mentor: IntArray,
    row_gain: IntArray,
    used: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
    head: IntArray,
    cost: IntArray,
) -> IntArray:
    """The residual network of an assignment in the network of :mod:`.flow`, as adjacency
    lists by tail node: the arcs of node ``v`` are ``head[indptr[v]:indptr[v + 1]]`` with their
    ``cost``, written into the given arrays (room: :func:`residual_size`); returns ``indptr``.

    Nodes: mentees ``0..n-1``, mentor ``j`` at ``n + j``, the sink at ``n + m``. Pair arcs come
    grouped by mentee (``row_ptr``) with their mentor and gain (cost = -gain); ``used[i]`` is
    the position of mentee ``i``'s arc (-1: unmatched); mentor ``j``'s seat arc carries
    ``load[j] - cap_min[j]`` of ``cap_max[j] - cap_min[j]`` units.

    Residual arcs: mentee -> mentor on an unused pair arc (-gain), mentor -> mentee on a used
    one (+gain); mentee -> sink when matched, sink -> mentee when not; mentor -> sink while a
    seat is free, sink -> mentor when the load is above the minimum (cost 0)."""
    n = len(row_ptr) - 1
    m = len(cap_max)
    sink = n + m
    load = np.zeros(m, dtype=np.int64)
    unmatched = 0
    for mentee in range(n):
        if used[mentee] >= 0:
            load[row_mentor[used[mentee]]] += 1
        else:
            unmatched += 1
    indptr = np.empty(n + m + 2, dtype=np.int64)
    for mentee in range(n + 1):  # a mentee keeps one arc per pair arc (the used one -> sink)
        indptr[mentee] = row_ptr[mentee]
    raised = 0
    for mentor in range(m):
        free = 1 if load[mentor] < cap_max[mentor] else 0
        indptr[n + mentor + 1] = indptr[n + mentor] + load[mentor] + free
        if load[mentor] > cap_min[mentor]:
            raised += 1
    indptr[sink + 1] = indptr[sink] + unmatched + raised
    cursor = np.empty(m, dtype=np.int64)
    for mentor in range(m):
        cursor[mentor] = indptr[n + mentor]
    out = indptr[sink]
    for mentee in range(n):
        for position in range(row_ptr[mentee], row_ptr[mentee + 1]):
            if position == used[mentee]:
                head[position] = sink
                cost[position] = 0
                mentor = row_mentor[position]
                head[cursor[mentor]] = mentee
                cost[cursor[mentor]] = row_gain[position]
                cursor[mentor] += 1
            else:
                head[position] = n + row_mentor[position]
                cost[position] = -row_gain[position]
        if used[mentee] < 0:
            head[out] = mentee
            cost[out] = 0
            out += 1
    for mentor in range(m):
        if load[mentor] < cap_max[mentor]:
            head[cursor[mentor]] = sink
            cost[cursor[mentor]] = 0
        if load[mentor] > cap_min[mentor]:
            head[out] = n + mentor
            cost[out] = 0
            out += 1
    return indptr


@njit(cache=True, nogil=True)
def duality_gap(
    row_ptr: IntArray,
    row_mentor: IntArray,
    row_gain: IntArray,
    used: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
    potential: IntArray,
) -> tuple[int, int]:
    """``(total gain, gap)`` of an assignment (as in :func:`residual_graph`) against the LP
    lower bound that ``potential`` proves for its cost:

        sum_arcs capacity * min(0, reduced cost) - sum_nodes potential * supply

    (supplies: 1 per mentee, ``-cap_min`` per mentor, the rest at the sink). Gap 0: optimal."""
    n = len(row_ptr) - 1
    m = len(cap_max)
    sink = n + m
    total = 0
    lower = 0
    for mentee in range(n):
        base = potential[mentee]
        for position in range(row_ptr[mentee], row_ptr[mentee + 1]):
            reduced = base - potential[n + row_mentor[position]] - row_gain[position]
            lower += min(reduced, 0)
        if used[mentee] >= 0:
            total += row_gain[used[mentee]]
        lower += min(base - potential[sink], 0) - base
    minimum = 0
    for mentor in range(m):
        reduced = potential[n + mentor] - potential[sink]
        lower += (cap_max[mentor] - cap_min[mentor]) * min(reduced, 0)
        lower += potential[n + mentor] * cap_min[mentor]
        minimum += cap_min[mentor]
    lower += potential[sink] * (n - minimum)
    return total, -total - lower


@njit(cache=True, nogil=True)
def _parent_cycle(parent: IntArray, stamp: IntArray) -> bool:
    """Whether the parent pointers (-1: none) close a cycle; in Bellman-Ford such a cycle is
    negative. ``stamp``: scratch space of the same length, all -1 on entry and on return."""
    found = False
    for origin in range(len(parent)):
        node = origin
        while node >= 0 and stamp[node] < 0:
            stamp[node] = origin
            node = parent[node]
        if node >= 0 and stamp[node] == origin:
            found = True
            break
    for node in range(len(stamp)):
        stamp[node] = -1
    return found


@njit(cache=True, nogil=True)
def feasible_potentials(
    indptr: IntArray, head: IntArray, cost: IntArray, start: IntArray, budget: int
) -> tuple[IntArray, bool]:
    """Shortest distances from a virtual root joined to every node ``v`` by an arc of cost
    ``start[v]`` (adjacency lists by tail), by a FIFO-queue Bellman-Ford (SPFA).

    Returns ``(distance, True)``, with ``distance[head] <= distance[tail] + cost`` on every
    arc, or ``(partial, False)`` when the graph has a negative cycle: a node queued more than
    ``nodes + 1`` times, or a cycle among the parent pointers (looked for after every ``nodes``
    improvements, which finds a negative cycle long before the count does). ``budget`` > 0
    also gives up (False) after relaxing that many arcs."""
    nodes = len(indptr) - 1
    distance = start.copy()
    parent = np.full(nodes, -1, dtype=np.int64)
    stamp = np.full(nodes, -1, dtype=np.int64)
    queued = np.ones(nodes, dtype=np.bool_)
    times = np.ones(nodes, dtype=np.int64)
    queue = np.arange(nodes, dtype=np.int64)  # ring buffer, starts with every node
    first = 0
    waiting = nodes
    improved = 0
    relaxed = 0
    while waiting > 0:
        node = queue[first]
        first = first + 1 if first + 1 < nodes else 0
        waiting -= 1
        queued[node] = False
        base = distance[node]
        relaxed += indptr[node + 1] - indptr[node]
        for position in range(indptr[node], indptr[node + 1]):
            target = head[position]
            candidate = base + cost[position]
            if candidate < distance[target]:
                distance[target] = candidate
                parent[target] = node
                improved += 1
                if not queued[target]:
                    times[target] += 1
                    if times[target] > nodes + 1:
                        return distance, False
                    last = first + waiting
                    queue[last if last < nodes else last - nodes] = target
                    queued[target] = True
                    waiting += 1
        if improved >= nodes:
            improved = 0
            if _parent_cycle(parent, stamp):
                return distance, False
        if 0 < budget < relaxed:
            return distance, False
    return distance, True


@njit(cache=True, nogil=True)
def _refresh_cheapest(
    mentor: int,
    seat_ptr: IntArray,
    seat_price: IntArray,
    cheapest: IntArray,
    cheapest_seat: IntArray,
) -> None:
    """Cheapest seat of ``mentor`` and its price, the mentor's price (infinity: no seats)."""
    low = _INFINITY
    for seat in range(seat_ptr[mentor], seat_ptr[mentor + 1]):
        if seat_price[seat] < low:
            low = seat_price[seat]
            cheapest_seat[mentor] = seat
    cheapest[mentor] = low


@njit(cache=True, nogil=True)
def _best_options(
    mentee: int,
    row_ptr: IntArray,
    row_mentor: IntArray,
    row_gain: IntArray,
    scale: np.int64,
    cheapest: IntArray,
    kept: IntArray,
    limit: IntArray,
    epoch_of: IntArray,
    epoch: int,
    work: IntArray,
) -> tuple[np.int64, int, np.int64]:
    """``(best value, its arc position, runner-up value)`` of ``mentee`` at the current prices,
    staying unmatched (value 0, position -1) included; the runner-up may be overestimated.

    Look-ahead: a full scan of the mentee's arcs keeps its ``k`` best ones in ``kept[mentee]``
    (mentors, scaled gains, positions; -1 padded) and the value of the best other one in
    ``limit``. While prices only rise (same ``epoch``), no other arc is worth more than
    ``limit``: when the best kept arc is still worth that much it is the best arc, and
    ``max(second kept, limit)`` bounds the runner-up (a bid that raises the price a little less
    than it could is still a valid bid). A bid then reads one short list instead of the whole
    row (rows are long and far apart in memory). ``work[0]`` counts the arcs looked at."""
    k = kept.shape[1] // 3
    if epoch_of[mentee] == epoch:
        work[0] += k
        best = -_INFINITY
        best_slot = -1
        runner_up = limit[mentee]
        for slot in range(k):
            mentor = kept[mentee, slot]
            if mentor < 0:
                break
            value = kept[mentee, k + slot] - cheapest[mentor]
            if value > best:
                runner_up = max(runner_up, best)
                best = value
                best_slot = slot
            else:
                runner_up = max(runner_up, value)
        if best >= limit[mentee]:
            if best <= 0:
                return np.int64(0), -1, np.int64(0)
            return best, kept[mentee, 2 * k + best_slot], max(runner_up, np.int64(0))
    # full scan: the k best arcs sorted by value (insertion), and the best of the others
    work[0] += row_ptr[mentee + 1] - row_ptr[mentee]
    count = 0
    other = -_INFINITY
    worst = -_INFINITY  # value of the k-th kept arc once k are kept
    for position in range(row_ptr[mentee], row_ptr[mentee + 1]):
        mentor = row_mentor[position]
        gain = row_gain[position] * scale
        value = gain - cheapest[mentor]
        if count == k:
            if value <= worst:
                other = max(other, value)
                continue
            other = max(other, worst)
            slot = k - 1
        else:
            slot = count
            count += 1
        while slot > 0 and kept[mentee, k + slot - 1] - cheapest[kept[mentee, slot - 1]] < value:
            kept[mentee, slot] = kept[mentee, slot - 1]
            kept[mentee, k + slot] = kept[mentee, k + slot - 1]
            kept[mentee, 2 * k + slot] = kept[mentee, 2 * k + slot - 1]
            slot -= 1
        kept[mentee, slot] = mentor
        kept[mentee, k + slot] = gain
        kept[mentee, 2 * k + slot] = position
        if count == k:
            worst = kept[mentee, 2 * k - 1] - cheapest[kept[mentee, k - 1]]
    for slot in range(count, k):
        kept[mentee, slot] = -1
    epoch_of[mentee] = epoch
    limit[mentee] = other
    if count == 0:
        return np.int64(0), -1, np.int64(0)
    best = kept[mentee, k] - cheapest[kept[mentee, 0]]
    if best <= 0:
        return np.int64(0), -1, np.int64(0)
    runner_up = other
    if count > 1:
        runner_up = max(runner_up, kept[mentee, k + 1] - cheapest[kept[mentee, 1]])
    return best, kept[mentee, 2 * k], max(runner_up, np.int64(0))


@njit(cache=True, nogil=True)
def auction(
    row_ptr: IntArray,
    row_mentor: IntArray,
    row_gain: IntArray,
    cap: IntArray,
    start_price: IntArray,
    start_mentor_of: IntArray,
    start_epsilon: int,
    work_factor: int = WORK_LIMIT,
) -> tuple[IntArray, IntArray, bool, int, int]:
    """Optimal many-to-one assignment by epsilon-scaling auction (see the module docstring).

    Arcs come grouped by mentee: mentee ``i``'s arcs are positions ``row_ptr[i]:row_ptr[i+1]``
    of ``row_mentor`` and ``row_gain`` (integer gains). ``cap``: seats per mentor.
    ``start_price`` (gain units, one per mentor, clipped at 0) and ``start_mentor_of`` (per
    mentee, -1: none) warm-start the auction; ``start_epsilon`` is the first phase's epsilon
    in gain units (0: a fraction of the largest gain, for a cold start).

    Returns per mentee the position of the arc it uses (-1: unmatched); potentials
    ``[mentees, mentors, sink]``; whether the assignment is ``certified`` optimal by those
    potentials (if not, the assignment and potentials mean nothing: the auction gave up after
    looking at ``work_factor`` times the size of the problem in arcs, or, which the theory rules
    out, ended without an optimal assignment); the work done (arcs looked at); the phases
    run."""
    n = len(row_ptr) - 1
    m = len(cap)
    arcs = len(row_mentor)
    scale = np.int64(n + 1)
    work = np.zeros(1, dtype=np.int64)
    work_limit = max(work_factor * (arcs + n + m), 1 << 20)

    seat_ptr = np.zeros(m + 1, dtype=np.int64)
    for mentor in range(m):
        seat_ptr[mentor + 1] = seat_ptr[mentor] + max(cap[mentor], 0)
    seats = seat_ptr[m]
    seat_price = np.zeros(seats, dtype=np.int64)
    seat_owner = np.full(seats, -1, dtype=np.int64)
    seat_mentor = np.empty(seats, dtype=np.int64)
    cheapest = np.zeros(m, dtype=np.int64)
    cheapest_seat = np.zeros(m, dtype=np.int64)
    for mentor in range(m):
        for seat in range(seat_ptr[mentor], seat_ptr[mentor + 1]):
            seat_price[seat] = max(start_price[mentor], 0) * scale
            seat_mentor[seat] = mentor
        _refresh_cheapest(mentor, seat_ptr, seat_price, cheapest, cheapest_seat)
    # per mentee: the seat held (-1: stays unmatched, -2: waiting to bid) and its arc
    seat_of = np.full(n, -2, dtype=np.int64)
    held = np.full(n, -1, dtype=np.int64)
    for mentee in range(n):
        target = start_mentor_of[mentee]
        for position in range(row_ptr[mentee], row_ptr[mentee + 1]):
            if target < 0 or row_mentor[position] != target:
                continue
            for seat in range(seat_ptr[target], seat_ptr[target + 1]):
                if seat_owner[seat] < 0:
                    seat_owner[seat] = mentee
                    seat_of[mentee] = seat
                    held[mentee] = position
                    break
            break

    epsilon = np.int64(start_epsilon) * scale
    if epsilon <= 0:
        for position in range(arcs):
            epsilon = max(epsilon, row_gain[position] * scale // EPSILON_FACTOR)
    epsilon = max(epsilon, np.int64(1))
    kept = np.full((n, 3 * LOOK_AHEAD), -1, dtype=np.int64)
    limit = np.zeros(n, dtype=np.int64)
    epoch_of = np.full(n, -1, dtype=np.int64)
    epoch = 0  # bumped whenever a price falls (the look-ahead lists are no longer valid)
    queue = np.empty(n, dtype=np.int64)  # ring buffer of the mentees waiting to bid
    seat_stack = np.empty(seats, dtype=np.int64)  # free seats priced above 0
    stacked = np.zeros(seats, dtype=np.bool_)
    # arcs by mentor (reverse auction) and the residual network (exact test), when needed
    col_ptr = np.zeros(0, dtype=np.int64)
    col_order = np.zeros(0, dtype=np.int64)
    col_mentee = np.zeros(0, dtype=np.int64)
    col_gain = np.zeros(0, dtype=np.int64)
    head = np.zeros(0, dtype=np.int64)
    cost = np.zeros(0, dtype=np.int64)
    no_minimum = np.zeros(m, dtype=np.int64)
    used = np.full(n, -1, dtype=np.int64)
    phases = 0
    while work[0] <= work_limit:
        phases += 1
        # 1. release the mentees that are no longer within epsilon of their best option at
        #    their mentor's price (its cheapest seat). The others keep their seat, at a price
        #    lowered (if need be) to what leaves them within epsilon of their best option: the
        #    mentor's price may rise up to that during the phase, and it stays >= the mentor's
        #    price, which no other mentee sees change
        first = 0
        waiting = 0
        for mentee in range(n):
            seat = seat_of[mentee]
            if seat >= -1:
                best, _, _ = _best_options(
                    mentee, row_ptr, row_mentor, row_gain, scale, cheapest, kept, limit,
                    epoch_of, epoch, work,
                )  # fmt: skip
                if seat == -1 and best <= epsilon:
                    continue
                if seat >= 0:
                    bound = row_gain[held[mentee]] * scale - best + epsilon
                    if bound >= cheapest[seat_mentor[seat]]:
                        seat_price[seat] = min(seat_price[seat], bound)
                        continue
                    seat_owner[seat] = -1
                seat_of[mentee] = -2
            queue[waiting] = mentee
            waiting += 1
        # 2. forward auction
        while waiting > 0 and work[0] <= work_limit:
            mentee = queue[first]
            first = first + 1 if first + 1 < n else 0
            waiting -= 1
            best, best_position, runner_up = _best_options(
                mentee, row_ptr, row_mentor, row_gain, scale, cheapest, kept, limit,
                epoch_of, epoch, work,
            )  # fmt: skip
            if best_position < 0:
                seat_of[mentee] = -1
                continue
            mentor = row_mentor[best_position]
            seat = cheapest_seat[mentor]
            previous = seat_owner[seat]
            if previous >= 0:
                seat_of[previous] = -2
                last = first + waiting
                queue[last if last < n else last - n] = previous
                waiting += 1
            seat_owner[seat] = mentee
            seat_of[mentee] = seat
            held[mentee] = best_position
            # the bidder's profit drops to runner-up - epsilon, but never below 0 (staying
            # unmatched): a price above the bidder's gain would only have to come down again
            profit = max(runner_up - epsilon, np.int64(0))
            seat_price[seat] = row_gain[best_position] * scale - profit
            _refresh_cheapest(mentor, seat_ptr, seat_price, cheapest, cheapest_seat)
        # 3. reverse auction, down to the floor: 0 while a mentee with arcs stays unmatched
        #    (its stay option has price 0), else the lowest price of a mentor with a mentee
        floor = _INFINITY
        for mentee in range(n):
            if seat_of[mentee] >= 0:
                floor = min(floor, cheapest[seat_mentor[seat_of[mentee]]])
            elif row_ptr[mentee + 1] > row_ptr[mentee]:
                floor = np.int64(0)
                break
        if floor == _INFINITY:
            floor = np.int64(0)
        stacked_count = 0
        for seat in range(seats):
            if seat_owner[seat] < 0 and seat_price[seat] > floor:
                if cheapest[seat_mentor[seat]] <= floor:
                    seat_price[seat] = floor  # the mentor's price stays: nobody sees a change
                    continue
                seat_stack[stacked_count] = seat
                stacked[seat] = True
                stacked_count += 1
        if stacked_count > 0:
            epoch += 1
            if len(col_ptr) == 0:
                col_ptr, col_order = group_by(row_mentor, m)
                col_mentee = np.empty(arcs, dtype=np.int64)
                col_gain = np.empty(arcs, dtype=np.int64)
                mentee_of = np.empty(arcs, dtype=np.int64)
                for mentee in range(n):
                    for position in range(row_ptr[mentee], row_ptr[mentee + 1]):
                        mentee_of[position] = mentee
                for position in range(arcs):
                    col_mentee[position] = mentee_of[col_order[position]]
                    col_gain[position] = row_gain[col_order[position]] * scale
        while stacked_count > 0 and work[0] <= work_limit:
            stacked_count -= 1
            seat = seat_stack[stacked_count]
            stacked[seat] = False
            mentor = seat_mentor[seat]
            if cheapest[mentor] <= floor:
                seat_price[seat] = floor
                continue
            work[0] += col_ptr[mentor + 1] - col_ptr[mentor]
            best = -_INFINITY
            best_position = -1
            runner_up = -_INFINITY
            for position in range(col_ptr[mentor], col_ptr[mentor + 1]):
                mentee = col_mentee[position]
                taken = seat_of[mentee]
                profit = np.int64(0)
                if taken >= 0:
                    if seat_mentor[taken] == mentor:
                        continue  # moving to another seat of the same mentor changes nothing
                    profit = row_gain[held[mentee]] * scale - cheapest[seat_mentor[taken]]
                value = col_gain[position] - profit
                if value > best:
                    runner_up = best
                    best = value
                    best_position = position
                elif value > runner_up:
                    runner_up = value
            if best <= floor + epsilon:
                seat_price[seat] = floor
                _refresh_cheapest(mentor, seat_ptr, seat_price, cheapest, cheapest_seat)
                continue
            mentee = col_mentee[best_position]
            taken = seat_of[mentee]
            if taken >= 0:
                seat_owner[taken] = -1
                if seat_price[taken] > floor and not stacked[taken]:
                    seat_stack[stacked_count] = taken
                    stacked[taken] = True
                    stacked_count += 1
            seat_owner[seat] = mentee
            seat_of[mentee] = seat
            held[mentee] = col_order[best_position]
            seat_price[seat] = max(floor, runner_up - epsilon)
            _refresh_cheapest(mentor, seat_ptr, seat_price, cheapest, cheapest_seat)
        if epsilon > scale:
            epsilon = max(np.int64(1), epsilon // EPSILON_FACTOR)
            continue
        if work[0] > work_limit:
            break
        # 4. exact test: potentials of the residual network, from the auction's prices
        if len(head) == 0:
            head = np.empty(residual_size(arcs, n, m), dtype=np.int64)
            cost = np.empty(residual_size(arcs, n, m), dtype=np.int64)
        potential = np.zeros(n + m + 1, dtype=np.int64)
        for mentee in range(n):
            used[mentee] = held[mentee] if seat_of[mentee] >= 0 else -1
            if used[mentee] >= 0:
                profit = row_gain[used[mentee]] * scale - cheapest[row_mentor[used[mentee]]]
                potential[mentee] = (profit + scale // 2) // scale
        for mentor in range(m):
            if cheapest[mentor] < _INFINITY:
                potential[n + mentor] = -((cheapest[mentor] + scale // 2) // scale)
        potential[n + m] = -((floor + scale // 2) // scale)
        indptr = residual_graph(row_ptr, row_mentor, row_gain, used, no_minimum, cap, head, cost)
        budget = 0 if epsilon == 1 else int(CHECK_LIMIT * len(head))
        exact, certified = feasible_potentials(indptr, head, cost, potential, budget)
        if certified:
            return used, exact, True, work[0], phases
        if epsilon == 1:
            return used, potential, False, work[0], phases
        epsilon = max(np.int64(1), epsilon // EPSILON_FACTOR)
    return used, np.zeros(n + m + 1, dtype=np.int64), False, work[0], phases
