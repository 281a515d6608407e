"""Certified optimal assignment: candidate pairs, min-cost flow, and a certificate over ALL pairs.

Loop: solve the flow on the candidate pairs; compute potentials; for every mentee prove that no
non-candidate pair has a positive reduced cost, i.e.

    gain(score(mentee, mentor)) + potential(mentor) <= potential(mentee)     for all mentors.

A mentee whose stored bound on non-candidate scores already satisfies the inequality against the
largest mentor potential is skipped without scoring anything; the others are re-scored against
all mentors (blockwise), and every violating pair is added to the candidates before re-solving.
When no violation remains, the LP duality gap of the integer-scaled problem is 0: optimal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import kernels
from .arrays import FloatArray, IntArray
from .flow import FlowResult, solve_flow
from .model import SCORE_SCALE
from .scoring import FLOAT_MARGIN, Candidates, ScoreModel, gain_bound, to_gain

#: When a mentee is re-scored, pairs whose reduced cost is within this many gain units of
#: improving are added too (at most PER_ROW per mentee), so later rounds rarely need it again.
ADD_SLACK = 2 + SCORE_SCALE // 200
PER_ROW = 8
#: A mentee whose block bounds leave at most this share of its blocks of mentors open has
#: those blocks scored one by one; past it the whole (vectorised) row is cheaper.
PARTIAL_SHARE = 0.25


@dataclass(frozen=True)
class Gain:
    """Integer arc gain = score_factor * round(score * SCORE_SCALE) + per_match, plus
    ``first_seat`` when the mentee takes a mentor's first seat (a mentor who would otherwise
    have no mentee: the ``spread`` objective)."""

    score_factor: int
    per_match: int
    first_seat: int = 0

    def of(self, score: FloatArray) -> IntArray:
        return self.score_factor * to_gain(score) + self.per_match

    def upper(self, score_bound: FloatArray) -> FloatArray:
        bound = gain_bound(score_bound)
        finite = np.isfinite(bound)
        out = np.full(bound.shape, -np.inf)
        out[finite] = self.score_factor * bound[finite] + self.per_match
        return out


@dataclass
class Certified:
    flow: FlowResult
    mentor_of: IntArray  # in model mentee indices; -1 unmatched (locked mentees: -1 here)
    rounds: int
    rows_rescored: int
    gap: int


def certified_solve(
    model: ScoreModel,
    candidates: Candidates,
    gain: Gain,
    active: IntArray,
    cap_min: IntArray,
    cap_max: IntArray,
    floor: float | None = None,
    on_round: Callable[[str], None] | None = None,
) -> Certified:
    """Optimal assignment of the ``active`` mentees over ALL feasible pairs (score >= floor),
    certified by potentials. ``candidates`` grows in place when the certificate adds pairs."""
    n_all, m = model.n, model.m
    local = np.full(n_all, -1, dtype=np.int64)
    local[active] = np.arange(len(active))
    rounds = 0
    rescored = 0
    expanded = False
    start: IntArray | None = None
    answer: IntArray | None = None
    # Mentees checked in an earlier round keep one exact number: the largest upper bound on
    # gain - price over their remaining non-candidate pairs at that round's prices
    # (ref_prices[r]). With new prices p', gain - p'[j] <= ref + max_j (ref_prices[r][j] - p'[j]).
    ref_bound = np.full(len(active), np.nan)
    ref_round = np.full(len(active), -1, dtype=np.int64)
    ref_prices: list[IntArray] = []
    row_bound = gain.upper(candidates.bound[active])
    seats = _Seats(m, cap_min, cap_max, gain.first_seat)
    while True:
        rounds += 1
        keep = local[candidates.mentee] >= 0
        if floor is not None:
            keep &= candidates.score >= floor
        arc_mentee = local[candidates.mentee[keep]]
        arc_mentor = candidates.mentor[keep]
        arc_gain = gain.of(candidates.score[keep])
        began = time.perf_counter()
        slot_flow = solve_flow(
            len(active),
            seats.nodes,
            *seats.arcs(arc_mentee, arc_mentor, arc_gain),
            seats.cap_min,
            seats.cap_max,
            start,
            start_mentor_of=answer,
        )
        solve_seconds = time.perf_counter() - began
        start = np.concatenate(
            [slot_flow.mentee_potential, slot_flow.mentor_potential, [slot_flow.sink_potential]]
        )
        answer = slot_flow.mentor_of  # the next round starts from this assignment
        flow = seats.per_mentor(slot_flow)
        if len(flow.below_minimum) and not expanded:
            # Minimums unreachable on the candidates: add every feasible pair of every mentor
            # with a minimum, which makes the reachable minimums exact, and solve again.
            expanded = True
            _add_columns(model, candidates, active, np.nonzero(cap_min > 0)[0], floor)
            continue
        # u = mentee utility, p = mentor price (both relative to the sink's potential); a
        # non-candidate pair can improve only if gain - p[j] > u[i].
        utility = flow.mentee_potential - flow.sink_potential
        price = seats.price(slot_flow)
        failing = np.nonzero(row_bound - float(price.min(initial=0)) > utility)[0]
        if len(ref_prices) and len(failing):
            shift = np.array([float((old - price).max()) for old in ref_prices])
            known = ref_round[failing] >= 0
            passes = np.zeros(len(failing), dtype=np.bool_)
            passes[known] = (
                ref_bound[failing[known]] + shift[ref_round[failing[known]]]
                <= utility[failing[known]]
            )
            failing = failing[~passes]
        checked = len(failing)
        began = time.perf_counter()
        violations = 0
        round_index = len(ref_prices)
        ref_prices.append(price.copy())
        while len(failing):
            rescored += len(failing)
            found, remaining = _check(
                model, candidates, active[failing], utility[failing], price, gain, floor
            )
            violations += found
            ref_bound[failing] = remaining
            ref_round[failing] = round_index
            if violations:
                break
            # nothing improves, but some pairs were not returned (ties within the float
            # margin): the potentials are still feasible, check those mentees again
            failing = failing[remaining > utility[failing]]
        if on_round is not None:
            on_round(
                f"round {rounds}: {len(arc_mentee)} pairs solved in {solve_seconds:.1f} s "
                f"({flow.solver}), "
                f"{checked} mentees checked in {time.perf_counter() - began:.1f} s, "
                f"{violations} improving pairs"
            )
        if violations == 0:
            break
    mentor_of = np.full(n_all, -1, dtype=np.int64)
    mentor_of[active] = flow.mentor_of
    return Certified(flow, mentor_of, rounds, rescored, flow.gap)


class _Seats:
    """The mentor side of the flow network. Without a first-seat gain: one node per mentor.
    With one (``spread``): two per mentor, its first seat (capacity 1, every pair arc into it
    gains ``first_seat`` more) and its other seats; the same pair arcs go into both. A
    non-candidate pair (i, j) cannot improve the answer when neither of its two arcs can,
    i.e. gain - min(price(first seat) - first_seat, price(other seats)) <= utility(i): that
    minimum is the mentor's price the certificate checks against."""

    def __init__(self, m: int, cap_min: IntArray, cap_max: IntArray, first_seat: int) -> None:
        self.m = m
        self.first_seat = first_seat
        if not first_seat:
            self.nodes, self.cap_min, self.cap_max = m, cap_min, cap_max
            return
        self.nodes = 2 * m
        first_max = np.minimum(cap_max, 1)
        first_min = np.minimum(cap_min, first_max)
        self.cap_max = np.concatenate([first_max, cap_max - first_max]).astype(np.int64)
        self.cap_min = np.concatenate([first_min, cap_min - first_min]).astype(np.int64)

    def arcs(
        self, mentee: IntArray, mentor: IntArray, gain: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        if not self.first_seat:
            return mentee, mentor, gain
        return (
            np.concatenate([mentee, mentee]),
            np.concatenate([mentor, mentor + self.m]),
            np.concatenate([gain + self.first_seat, gain]),
        )

    def per_mentor(self, flow: FlowResult) -> FlowResult:
        """The flow's answer, loads and minimums per mentor (seats added up)."""
        if not self.first_seat:
            return flow
        m = self.m
        mentor_of = np.where(flow.mentor_of >= 0, flow.mentor_of % m, -1)
        below = np.unique(flow.below_minimum % m).astype(np.int64)
        return FlowResult(
            mentor_of=mentor_of.astype(np.int64),
            load=flow.load[:m] + flow.load[m:],
            arc_flow=flow.arc_flow,
            total_gain=flow.total_gain,
            mentee_potential=flow.mentee_potential,
            mentor_potential=flow.sink_potential - self.price(flow),
            gap=flow.gap,
            sink_potential=flow.sink_potential,
            cap_min=flow.cap_min[:m] + flow.cap_min[m:],
            below_minimum=below,
            solver=flow.solver,
            fallback=flow.fallback,
            seconds=flow.seconds,
        )

    def price(self, flow: FlowResult) -> IntArray:
        """Per mentor, the price a new pair arc must beat (see the class docstring)."""
        price = flow.sink_potential - flow.mentor_potential
        if not self.first_seat:
            return price
        m = self.m
        return np.minimum(price[:m] - self.first_seat, price[m:]).astype(np.int64)


def _check(
    model: ScoreModel,
    candidates: Candidates,
    rows: IntArray,
    utility: IntArray,
    price: IntArray,
    gain: Gain,
    floor: float | None,
) -> tuple[int, FloatArray]:
    """Score ``rows`` against all mentors (compiled kernel), add every non-candidate pair that
    could improve the answer (and a few near ones) to the candidates. Returns the number of
    added pairs that do improve it (0: optimal as far as these rows go) and per row the
    largest upper bound on gain - price over the non-candidates left."""
    data = model.kernel_data()
    known_mentee = np.concatenate([candidates.mentee, candidates.skip_mentee])
    known_mentor = np.concatenate([candidates.mentor, candidates.skip_mentor])
    order = np.argsort(known_mentee, kind="stable")
    sorted_mentee = known_mentee[order]
    sorted_mentor = known_mentor[order]
    position = np.argsort(rows, kind="stable")
    violations = 0
    remaining_out = np.empty(len(rows), dtype=np.float64)
    utility_of = np.empty(model.n, dtype=np.float64)
    utility_of[rows] = utility
    low = -np.inf if floor is None else floor - FLOAT_MARGIN
    # block bounds (see kernels.check_rows): blocks scored now are bounded against these
    # prices (in score units); earlier ones against theirs, shifted by the price changes
    if len(model.block_offsets) >= np.iinfo(np.int16).max:  # (references are int16)
        model.block_ref.fill(-1)
        model.block_offsets.clear()
    model.block_offsets.append(
        (price / (max(gain.score_factor, 1) * SCORE_SCALE)).astype(np.float32)
    )
    references = np.stack(model.block_offsets)
    blocks = -(-model.m // kernels.BLOCK)
    padded = np.full((len(references), blocks * kernels.BLOCK), -np.inf)
    padded[:, : model.m] = gain.score_factor * SCORE_SCALE * references.astype(np.float64) - price
    block_lift = padded.reshape(len(references), blocks, kernels.BLOCK).max(axis=2)
    done = 0
    added: list[tuple[IntArray, IntArray, FloatArray]] = []
    skipped: list[tuple[IntArray, IntArray]] = []
    for block, extra in model.kernel_blocks(rows[position]):
        starts = np.searchsorted(sorted_mentee, block)
        ends = np.searchsorted(sorted_mentee, block, side="right")
        counts = ends - starts
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        offsets = np.arange(ptr[-1]) - np.repeat(ptr[:-1], counts)
        cand = sorted_mentor[np.repeat(starts, counts) + offsets].astype(np.int64)
        near, remaining = kernels.check_rows(
            block,
            ptr,
            cand,
            price.astype(np.float64),
            utility_of[block],
            float(gain.score_factor),
            float(gain.per_match),
            low,
            float(ADD_SLACK),
            PER_ROW,
            float(SCORE_SCALE),
            FLOAT_MARGIN,
            extra,
            data,
            model.block_bound,
            model.block_ref,
            references,
            block_lift,
            len(references) - 1,
            int(PARTIAL_SHARE * blocks),
        )
        remaining_out[position[done : done + len(block)]] = remaining
        done += len(block)
        r, c = np.nonzero(near >= 0)
        if not len(r):
            continue
        mentee, mentor = block[r], near[r, c]
        score, feasible = model.evaluate(mentee, mentor)
        ok = feasible.copy()
        if floor is not None:
            ok &= score >= floor
        exact = gain.of(score) - price[mentor]
        violations += int((ok & (exact > utility_of[mentee])).sum())
        # every feasible pair becomes a candidate (even below the floor: candidates serve all
        # objectives); infeasible ones are simply dropped
        added.append((mentee[feasible], mentor[feasible], score[feasible]))
        skipped.append((mentee[~feasible], mentor[~feasible]))
    if added:  # once: the candidate arrays are long, each concatenation copies them
        candidates.add(*(np.concatenate(part) for part in zip(*added, strict=True)))
        candidates.skip_mentee = np.concatenate(
            [candidates.skip_mentee, *(mentee for mentee, _ in skipped)]
        )
        candidates.skip_mentor = np.concatenate(
            [candidates.skip_mentor, *(mentor for _, mentor in skipped)]
        )
    return violations, remaining_out


def _add_columns(
    model: ScoreModel,
    candidates: Candidates,
    active: IntArray,
    mentors: IntArray,
    floor: float | None,
) -> None:
    """Add every feasible (active mentee, mentor) pair of ``mentors`` not yet a candidate."""
    existing = np.sort(candidates.mentee * model.m + candidates.mentor)
    chunk = max(1, 2_000_000 // max(len(active), 1))
    for start in range(0, len(mentors), chunk):
        cols = mentors[start : start + chunk]
        mentee = np.repeat(active, len(cols))
        mentor = np.tile(cols, len(active))
        keys = mentee * model.m + mentor
        pos = np.clip(np.searchsorted(existing, keys), 0, max(len(existing) - 1, 0))
        new = existing[pos] != keys if len(existing) else np.ones(len(keys), dtype=np.bool_)
        score, ok = model.evaluate(mentee[new], mentor[new])
        if floor is not None:
            ok &= score >= floor
        candidates.add(mentee[new][ok], mentor[new][ok], score[ok])


def max_gain(model: ScoreModel) -> int:
    """Upper bound on a pair's integer score gain."""
    bonus = float(model.bonus_by_rank.max()) if len(model.bonus_by_rank) else 0.0
    return int(np.ceil((float(model.factor.sum()) + bonus) * SCORE_SCALE)) + 1
