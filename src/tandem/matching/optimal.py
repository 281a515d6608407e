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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .criteria import FloatArray, IntArray
from .flow import FlowResult, solve_flow
from .model import SCORE_SCALE
from .scoring import FEASIBLE_ABOVE, FLOAT_MARGIN, NEG, Candidates, ScoreModel, gain_bound, to_gain

#: When a mentee is re-scored, pairs whose reduced cost is within this many gain units of
#: improving are added too (at most PER_ROW per mentee), so later rounds rarely need it again.
ADD_SLACK = 2 + SCORE_SCALE // 200
PER_ROW = 8


@dataclass(frozen=True)
class Gain:
    """Integer arc gain = score_factor * round(score * SCORE_SCALE) + per_match."""

    score_factor: int
    per_match: int

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
    # Mentees re-scored in an earlier round keep one exact number: the largest
    # gain - price over their non-candidate pairs at that round's prices (ref_prices[r]).
    # With new prices p', gain - p'[j] <= ref_bound + max_j (ref_prices[r][j] - p'[j]).
    ref_bound = np.full(len(active), np.nan)
    ref_round = np.full(len(active), -1, dtype=np.int64)
    ref_prices: list[IntArray] = []
    while True:
        rounds += 1
        keep = local[candidates.mentee] >= 0
        if floor is not None:
            keep &= candidates.score >= floor
        arc_mentee = local[candidates.mentee[keep]]
        arc_mentor = candidates.mentor[keep]
        arc_gain = gain.of(candidates.score[keep])
        flow = solve_flow(len(active), m, arc_mentee, arc_mentor, arc_gain, cap_min, cap_max, start)
        start = np.concatenate(
            [flow.mentee_potential, flow.mentor_potential, [flow.sink_potential]]
        )
        if len(flow.below_minimum) and not expanded:
            # Minimums unreachable on the candidates: add every feasible pair of every mentor
            # with a minimum, which makes the reachable minimums exact, and solve again.
            expanded = True
            _add_columns(model, candidates, active, np.nonzero(cap_min > 0)[0], floor)
            continue
        mentee_pot = flow.mentee_potential
        mentor_pot = flow.mentor_potential
        # u = mentee utility, p = mentor price (both relative to the sink's potential); a
        # non-candidate pair can improve only if gain - p[j] > u[i]. Its gain is at most
        # ceil((bound + margin) * SCALE) + B + price_hint[j], bound being the stored bound on
        # score - hint for its (mentee, mentor group) cell.
        utility = mentee_pot - flow.sink_potential
        price = flow.sink_potential - mentor_pot
        hint = model.hint_used().astype(np.float64) * SCORE_SCALE
        if gain.score_factor:
            drift = np.full(model.n_groups, -np.inf)
            np.maximum.at(drift, model.mentor_group_of, hint - price)
        else:
            cheapest = np.full(model.n_groups, np.inf)
            np.minimum.at(cheapest, model.mentor_group_of, price.astype(np.float64))
        failing_parts: list[IntArray] = []
        for start_row in range(0, len(active), 8192):
            bound = candidates.bound[active[start_row : start_row + 8192]].astype(np.float64)
            finite = np.isfinite(bound)
            if gain.score_factor:
                upper = np.full(bound.shape, -np.inf)
                upper[finite] = np.ceil((bound[finite] + FLOAT_MARGIN) * SCORE_SCALE)
                upper += gain.per_match + 1 + drift[None, :]
            else:
                upper = np.where(finite, gain.per_match - cheapest[None, :], -np.inf)
            rows = np.nonzero(upper.max(axis=1) > utility[start_row : start_row + 8192])[0]
            failing_parts.append(rows + start_row)
        failing = np.concatenate(failing_parts) if failing_parts else np.zeros(0, np.int64)
        if len(ref_prices) and len(failing):
            shift = np.array([float((old - price).max()) for old in ref_prices])
            known = ref_round[failing] >= 0
            passes = np.zeros(len(failing), dtype=np.bool_)
            passes[known] = (
                ref_bound[failing[known]] + shift[ref_round[failing[known]]]
                <= utility[failing[known]]
            )
            failing = failing[~passes]
        if on_round is not None:
            on_round(f"round {rounds}: {len(arc_mentee)} pairs, {len(failing)} mentees to check")
        if len(failing) == 0:
            break
        rescored += len(failing)
        violations, best = _add_violations(
            model,
            candidates,
            active[failing],
            mentee_pot[failing],
            mentor_pot,
            gain,
            floor,
            price,
        )
        ref_bound[failing] = best
        ref_round[failing] = len(ref_prices)
        ref_prices.append(price.copy())
        if violations == 0:
            break
    mentor_of = np.full(n_all, -1, dtype=np.int64)
    mentor_of[active] = flow.mentor_of
    return Certified(flow, mentor_of, rounds, rescored, flow.gap)


def _add_violations(
    model: ScoreModel,
    candidates: Candidates,
    rows: IntArray,
    row_potential: IntArray,
    mentor_pot: IntArray,
    gain: Gain,
    floor: float | None,
    price: IntArray,
) -> tuple[int, FloatArray]:
    """Re-score ``rows`` against all mentors; add every non-candidate pair that could improve
    (and a margin of near ones); tighten those rows' bounds. Returns the number of pairs that
    violate the certificate (0: the current answer is optimal)."""
    m = model.m
    order = np.argsort(candidates.mentee, kind="stable")
    sorted_mentee = candidates.mentee[order]
    potential_of = dict(zip(rows.tolist(), row_potential.tolist(), strict=True))
    violations = 0
    best_of: dict[int, float] = {}
    pot32 = mentor_pot.astype(np.float64)
    for block in model.blocks(rows):
        acc = model.block(block)
        starts = np.searchsorted(sorted_mentee, block)
        ends = np.searchsorted(sorted_mentee, block, side="right")
        counts = ends - starts
        r = np.repeat(np.arange(len(block)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        c = candidates.mentor[order[np.repeat(starts, counts) + offsets]]
        acc[r, c] = NEG
        feasible = acc > FEASIBLE_ABOVE
        if floor is not None:  # only pairs at or above the floor are arcs of this problem
            feasible &= acc >= np.float32(floor - FLOAT_MARGIN)
        estimate = gain.score_factor * (acc.astype(np.float64) * SCORE_SCALE) + gain.per_match
        target = np.array([potential_of[int(i)] for i in block], dtype=np.float64)
        # near-violations (within the float32 error and a small slack), at most PER_ROW per row
        reduced = estimate + pot32[None, :] - target[:, None]
        reduced[~feasible] = -np.inf
        near = reduced > -ADD_SLACK
        counts = near.sum(axis=1)
        for row in np.nonzero(counts > PER_ROW)[0]:
            values = reduced[row]
            keep = np.argpartition(values, len(values) - PER_ROW)[len(values) - PER_ROW :]
            near[row] = False
            near[row, keep] = values[keep] > -ADD_SLACK
        flat = np.flatnonzero(near)
        nr, nc = np.divmod(flat, m)
        if len(nr):
            score, exact_feasible = model.evaluate(block[nr], nc.astype(np.int64))
            ok = exact_feasible.copy()
            if floor is not None:
                ok &= score >= floor
            exact = gain.of(score) + mentor_pot[nc]
            violations += int((ok & (exact > target[nr])).sum())
            # every feasible pair becomes a candidate (even below the floor: candidates serve
            # all objectives); infeasible ones are simply dropped from the bounds
            candidates.add(
                block[nr][exact_feasible],
                nc[exact_feasible].astype(np.int64),
                score[exact_feasible],
            )
            acc[nr, nc] = NEG
        candidates.bound[block] = model.group_bounds(
            model.adjusted(acc), np.full(len(block), np.inf)
        )
        # exact reference: max over the remaining non-candidates of gain upper bound - price
        remaining = acc > FEASIBLE_ABOVE
        if floor is not None:
            remaining &= acc >= np.float32(floor - FLOAT_MARGIN)
        upper = (
            gain.score_factor * np.ceil((acc.astype(np.float64) + FLOAT_MARGIN) * SCORE_SCALE)
            + gain.per_match
            - price[None, :]
        )
        upper[~remaining] = -np.inf
        for i, value in zip(block.tolist(), upper.max(axis=1).tolist(), strict=True):
            best_of[int(i)] = value
    return violations, np.array([best_of[int(i)] for i in rows], dtype=np.float64)


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
