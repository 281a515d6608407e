"""Pair scores: exact per pair, and fast blockwise against all mentors.

score(mentee, mentor) = (sum over soft criteria of weight * criterion score
                         + choice bonus for the mentor's rank in the mentee's choices)
                        / (sum of soft weights)

A pair is *feasible* when it passes every hard rule and is neither forbidden nor a past pair.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .criteria import (
    BoolArray,
    Context,
    Embedder,
    EncodedCriterion,
    Float32Array,
    FloatArray,
    IntArray,
    encode,
)
from .model import SCORE_SCALE, Problem

#: Value standing for "infeasible" in float32 score blocks.
NEG = np.float32(-1e30)
FEASIBLE_ABOVE = np.float32(-1e29)
#: Upper bound on |float32 block score - exact score| (used to make bounds safe).
FLOAT_MARGIN = 1e-4
#: Keyed-criterion tables may hold at most this many float32 entries.
TABLE_LIMIT = 30_000_000
#: A criterion is precomputed per distinct mentee value when it has at most this many values
#: (or at most one per 8 mentees).
KEYED_MAX = 64
#: Problems with at least this many pairs get a pilot price estimate (see candidates()).
PILOT_PAIRS = 4_000_000
#: Subtract the price hint from scores when choosing candidates and keeping bounds. Measured:
#: the pilot's prices are too noisy (median error 0.02, tails 0.07) for that to pay, so the
#: hint only orders the mentor groups.
ADJUST = False
#: With pilot prices, pick candidates by score - price (bounds stay on scores).
SELECT_BY_VALUE = True
#: Joint number of values of a bundle of keyed criteria.
BUNDLE_MAX = 512

Progress = Callable[[int], None]


@dataclass
class Candidates:
    """Candidate pairs with exact scores, and per mentee and mentor group an upper bound on
    ``float32 score - price hint`` of every feasible pair that is *not* a candidate (-inf:
    none). Mentor groups (``ScoreModel.mentor_group_order``) sort mentors by price hint."""

    mentee: IntArray
    mentor: IntArray
    score: FloatArray
    bound: Float32Array  # (mentees, mentor groups)

    def keys(self, n_mentors: int) -> IntArray:
        return self.mentee * n_mentors + self.mentor

    def add(self, mentee: IntArray, mentor: IntArray, score: FloatArray) -> None:
        self.mentee = np.concatenate([self.mentee, mentee])
        self.mentor = np.concatenate([self.mentor, mentor])
        self.score = np.concatenate([self.score, score])


def to_gain(score: FloatArray | float) -> IntArray:
    """Integer solver gain of a score: round(score * SCORE_SCALE)."""
    return np.rint(np.asarray(score, dtype=np.float64) * SCORE_SCALE).astype(np.int64)


class ScoreModel:
    """All criteria of a problem, encoded once; scores pairs exactly or blockwise."""

    def __init__(self, problem: Problem, embedder: Embedder | None = None) -> None:
        self.problem = problem
        self.mentees = problem.mentees
        self.mentors = problem.mentors
        self.n = len(self.mentees)
        self.m = len(self.mentors)
        self.mentee_index = {p.id: i for i, p in enumerate(self.mentees)}
        self.mentor_index = {p.id: j for j, p in enumerate(self.mentors)}
        context = Context(self.mentees, self.mentors, embedder)
        self.criteria = problem.criteria
        self.encoded: list[EncodedCriterion] = [encode(c, context) for c in problem.criteria]
        total = sum(c.weight for c in problem.criteria)
        self.total_weight = float(total) if total > 0 else 1.0
        self.factor = np.array([c.weight / self.total_weight for c in problem.criteria])
        self.cap_min = np.array([p.capacity_min for p in self.mentors], dtype=np.int64)
        self.cap_max = np.array([p.capacity_max for p in self.mentors], dtype=np.int64)
        # choices: (mentee, mentor, rank 1-based)
        rows: list[int] = []
        cols: list[int] = []
        ranks: list[int] = []
        for i, mentee in enumerate(self.mentees):
            for rank, mentor_id in enumerate(mentee.choices, start=1):
                rows.append(i)
                cols.append(self.mentor_index[mentor_id])
                ranks.append(rank)
        self.choice_mentee = np.array(rows, dtype=np.int64)
        self.choice_mentor = np.array(cols, dtype=np.int64)
        self.choice_rank_arr = np.array(ranks, dtype=np.int64)
        self.choice_rank: dict[tuple[int, int], int] = {
            (r, c): k for r, c, k in zip(rows, cols, ranks, strict=True)
        }
        bonus = problem.choices.bonus
        self.bonus_by_rank = np.zeros(max(len(bonus), max(ranks, default=0)) + 2)
        for rank, value in enumerate(bonus, start=1):
            self.bonus_by_rank[rank] = value / self.total_weight
        self.choice_bonus = self.bonus_by_rank[self.choice_rank_arr]
        keys = self.choice_mentee * self.m + self.choice_mentor
        order = np.argsort(keys)
        self._choice_keys = keys[order]
        self._choice_values = self.choice_rank_arr[order]
        ranked: list[tuple[int, int]] = []
        for j, mentor in enumerate(self.mentors):
            for rank, mentee_id in enumerate(mentor.choices, start=1):
                ranked.append((j * self.n + self.mentee_index[mentee_id], rank))
        ranked.sort()
        self._mentor_rank_keys = np.array([k for k, _ in ranked], dtype=np.int64)
        self._mentor_rank_values = np.array([r for _, r in ranked], dtype=np.int64)
        self.has_mentor_rankings = bool(ranked)
        # forbidden and past pairs
        excluded = {
            (self.mentee_index[a], self.mentor_index[b])
            for a, b in (*problem.forbidden, *problem.past)
        }
        self.excluded_reason: dict[tuple[int, int], str] = {}
        for a, b in problem.past:
            self.excluded_reason[(self.mentee_index[a], self.mentor_index[b])] = "past pair"
        for a, b in problem.forbidden:
            self.excluded_reason[(self.mentee_index[a], self.mentor_index[b])] = "forbidden pair"
        pairs = np.array(sorted(excluded), dtype=np.int64).reshape(-1, 2)
        self.excluded_keys = np.sort(pairs[:, 0] * max(self.m, 1) + pairs[:, 1])
        self._build_groups()

    # ------------------------------------------------------------------ exact, per pair
    def choice_ranks(self, mentee: IntArray, mentor: IntArray) -> IntArray:
        """1-based rank of ``mentor`` in ``mentee``'s choices, 0 if not chosen."""
        return _lookup(self._choice_keys, self._choice_values, mentee * self.m + mentor)

    def mentor_ranks(self, mentee: IntArray, mentor: IntArray) -> IntArray:
        """1-based rank of ``mentee`` in ``mentor``'s own ranking, 0 if not ranked."""
        return _lookup(self._mentor_rank_keys, self._mentor_rank_values, mentor * self.n + mentee)

    def is_excluded(self, mentee: IntArray, mentor: IntArray) -> BoolArray:
        if len(self.excluded_keys) == 0:
            return np.zeros(len(mentee), dtype=np.bool_)
        query = mentee * max(self.m, 1) + mentor
        pos = np.clip(np.searchsorted(self.excluded_keys, query), 0, len(self.excluded_keys) - 1)
        return np.asarray(self.excluded_keys[pos] == query, dtype=np.bool_)

    def criterion_scores(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        """Exact criterion scores, shape (pairs, criteria)."""
        out = np.empty((len(mentee), len(self.encoded)), dtype=np.float64)
        for k, enc in enumerate(self.encoded):
            out[:, k] = enc.pair(mentee, mentor)
        return out

    def evaluate(
        self, mentee: IntArray, mentor: IntArray, chunk: int = 500_000
    ) -> tuple[FloatArray, BoolArray]:
        """Exact total scores and feasibility of pairs."""
        mentee = np.asarray(mentee, dtype=np.int64)
        mentor = np.asarray(mentor, dtype=np.int64)
        total = np.empty(len(mentee), dtype=np.float64)
        feasible = np.empty(len(mentee), dtype=np.bool_)
        for start in range(0, len(mentee), chunk):
            a = mentee[start : start + chunk]
            b = mentor[start : start + chunk]
            crit = self.criterion_scores(a, b)
            score = crit @ self.factor
            ok = ~self.is_excluded(a, b)
            for k, enc in enumerate(self.encoded):
                if enc.criterion.hard:
                    ok &= enc.passes(crit[:, k])
            score += self.bonus_by_rank[self.choice_ranks(a, b)]
            total[start : start + chunk] = score
            feasible[start : start + chunk] = ok
        return total, feasible

    def failing_rules(self, mentee: int, mentor: IntArray) -> NDArray[np.bool_]:
        """For one mentee against ``mentor``: bool matrix (rules, mentors), True = fails.
        Rules are the hard criteria in order, then 'forbidden/past pair'."""
        hard = [enc for enc in self.encoded if enc.criterion.hard]
        out = np.zeros((len(hard) + 1, len(mentor)), dtype=np.bool_)
        rows = np.full(len(mentor), mentee, dtype=np.int64)
        for k, enc in enumerate(hard):
            out[k] = ~enc.passes(enc.pair(rows, mentor))
        out[-1] = self.is_excluded(rows, mentor)
        return out

    def hard_rule_names(self) -> list[str]:
        return [enc.criterion.name for enc in self.encoded if enc.criterion.hard] + [
            "forbidden or past pair"
        ]

    # ------------------------------------------------------------------ blockwise, float32
    def _build_groups(self) -> None:
        """Criteria whose mentee side takes few distinct values are precomputed as tables
        (value x mentors), bundled together while the joint number of values stays small;
        mentees are grouped by their combination of bundle values."""
        self.keyed: list[int] = []
        for k, enc in enumerate(self.encoded):
            codes = enc.mentee_codes
            if codes is None or self.n == 0:
                continue
            distinct = int(codes.max()) + 2
            if distinct * self.m <= TABLE_LIMIT and distinct <= max(KEYED_MAX, self.n // 8):
                self.keyed.append(k)
        bundles: list[list[int]] = []
        joint: list[IntArray] = []
        for k in sorted(self.keyed, key=lambda k: int(self.encoded[k].mentee_codes.max())):  # type: ignore[union-attr]
            codes = self.encoded[k].mentee_codes
            assert codes is not None
            codes = codes - codes.min()
            if bundles:
                trial = joint[-1] * (int(codes.max()) + 1) + codes
                distinct = len(np.unique(trial))
                if distinct <= BUNDLE_MAX and distinct * self.m <= TABLE_LIMIT:
                    bundles[-1].append(k)
                    joint[-1] = trial
                    continue
            bundles.append([k])
            joint.append(codes.astype(np.int64))
        self.bundles = bundles
        self.bundle_codes: list[IntArray] = []
        self.bundle_representative: list[IntArray] = []
        for codes in joint:
            _, representative, inverse = np.unique(codes, return_index=True, return_inverse=True)
            self.bundle_codes.append(inverse.reshape(-1).astype(np.int64))
            self.bundle_representative.append(representative.astype(np.int64))
        self._tables: dict[int, Float32Array] = {}
        if bundles and self.n:
            stacked = np.stack(self.bundle_codes, axis=1)
            unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
            self.group_codes: IntArray = unique.astype(np.int64)
            self.group_of: IntArray = inverse.reshape(-1).astype(np.int64)
        else:
            self.group_codes = np.zeros((1, 0), dtype=np.int64)
            self.group_of = np.zeros(self.n, dtype=np.int64)
        self.order = np.argsort(self.group_of, kind="stable")
        self.price_hint = np.zeros(self.m, dtype=np.float32)
        self.price_hint_is_price = False
        self.plan_mentor_groups()

    def _table(self, b: int) -> Float32Array:
        table = self._tables.get(b)
        if table is None:
            representative = self.bundle_representative[b]
            table = np.zeros((len(representative), self.m), dtype=np.float32)
            for k in self.bundles[b]:
                enc = self.encoded[k]
                values = enc.rows(representative)
                if self.factor[k] > 0:
                    table += values * np.float32(self.factor[k])
                if enc.criterion.hard:
                    np.copyto(table, NEG, where=~enc.passes_block(values))
            self._tables[b] = table
        return table

    def prepare(self) -> None:
        """Build the keyed tables (otherwise built lazily by the first block)."""
        for b in range(len(self.bundles)):
            self._table(b)

    def block(self, mentee: IntArray) -> Float32Array:
        """Float32 scores of ``mentee`` rows against all mentors; NEG marks infeasible pairs.
        Within FLOAT_MARGIN of the exact score; infeasible pairs are a subset of the exact
        ones (rules are applied leniently, the exact check decides)."""
        b = len(mentee)
        if self.bundles:
            groups, inverse = np.unique(self.group_of[mentee], return_inverse=True)
            base = self._table(0)[self.group_codes[groups, 0]]
            for position in range(1, len(self.bundles)):
                base += self._table(position)[self.group_codes[groups, position]]
            acc = np.take(base, inverse.reshape(-1), axis=0)
        else:
            acc = np.zeros((b, self.m), dtype=np.float32)
        flat = acc.reshape(-1)
        keyed = set(self.keyed)
        negative: list[tuple[IntArray, IntArray]] = []
        for k, enc in enumerate(self.encoded):
            if k in keyed:
                continue
            factor = np.float32(self.factor[k])
            hard = enc.criterion.hard
            if hard and not enc.sparse and not factor:
                failing = enc.fail_pairs(mentee)
                if failing is not None:
                    negative.append(failing)
                    continue
            if factor and not hard:
                enc.add_block(acc, mentee, float(factor))
                continue
            values = enc.rows(mentee)
            if factor:
                acc += values * factor
            if hard:
                np.copyto(acc, NEG, where=~enc.passes_block(values))
        if len(self.choice_mentee) and self.bonus_by_rank.any():
            r, c, bonus = self._rows_of(mentee, self.choice_mentee, self.choice_mentor)
            flat[r * self.m + c] += self.choice_bonus[bonus].astype(np.float32)
        if len(self.excluded_keys):
            r, c, _ = self._rows_of(
                mentee, self.excluded_keys // max(self.m, 1), self.excluded_keys % max(self.m, 1)
            )
            negative.append((r, c))
        for r, c in negative:
            flat[r * self.m + c] = NEG
        return acc

    @staticmethod
    def _rows_of(
        mentee: IntArray, pair_mentee: IntArray, pair_mentor: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Pairs among (pair_mentee, pair_mentor) whose mentee is in ``mentee``: (row position
        in ``mentee``, mentor, index into the pair arrays)."""
        position = np.full(int(max(pair_mentee.max(initial=0), mentee.max(initial=0))) + 1, -1)
        position[mentee] = np.arange(len(mentee))
        pos = position[pair_mentee]
        hit = np.nonzero(pos >= 0)[0]
        return pos[hit].astype(np.int64), pair_mentor[hit], hit.astype(np.int64)

    def blocks(
        self, mentees: IntArray | None = None, rows: int | None = None
    ) -> Iterator[IntArray]:
        """Mentee index blocks in group order (so blocks share keyed table rows)."""
        order = (
            self.order
            if mentees is None
            else mentees[np.argsort(self.group_of[mentees], kind="stable")]
        )
        size = rows or max(16, min(1024, 2_000_000 // max(self.m, 1)))
        for start in range(0, len(order), size):
            yield order[start : start + size]

    def candidates(
        self,
        per_mentee: int,
        progress: Progress | None = None,
        threads: int | None = None,
    ) -> Candidates:
        """About ``per_mentee`` best feasible mentors of every mentee (all of them if there are
        fewer), plus every chosen mentor, with exact scores and non-candidate bounds.

        On large problems (PILOT_PAIRS) a pilot solve on a quarter of the mentees estimates
        each mentor's "price" (dual value); candidates are then the best by score - price
        (what optimal assignments are made of), and the bounds kept for the certificate are on
        plain scores per group of mentors of similar price. On small problems the candidates
        are the best by score and how often a mentor is among a sample of mentees' best stands
        in for the price. Correctness never depends on the estimate, only how many mentees
        the certificate has to re-score."""
        self.prepare()
        self.price_hint_is_price = self.n * self.m >= PILOT_PAIRS and self.n >= 8 * per_mentee
        if self.price_hint_is_price:
            self.price_hint = self._pilot_prices(per_mentee)
        else:
            self.price_hint = self._demand(per_mentee)
        self.plan_mentor_groups()
        bound = np.full((self.n, self.n_groups), -np.inf, dtype=np.float32)
        parts: list[tuple[IntArray, IntArray]] = []
        workers = threads or min(2, os.cpu_count() or 1)

        def run(mentee: IntArray) -> tuple[IntArray, IntArray, IntArray, Float32Array]:
            acc = self.block(mentee)
            if SELECT_BY_VALUE and self.price_hint_is_price:
                # candidates by score - estimated price (good value, as in the optimum); the
                # bounds stay on plain scores, over the pairs that were not picked
                value = acc - self.price_hint[None, :]
                r, c, _ = select_top(value, per_mentee)
                acc[r, c] = NEG
                return mentee, r, c, self.group_bounds(acc, np.full(len(mentee), np.inf))
            r, c, row_bound = select_top(acc, per_mentee)
            return mentee, r, c, self.group_bounds(acc, row_bound)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for mentee, r, c, row_bound in pool.map(run, self.blocks()):
                parts.append((mentee[r], c))
                bound[mentee] = row_bound
                if progress is not None:
                    progress(len(mentee))
        mentee_all = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        mentor_all = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        if len(self.choice_mentee):
            mentee_all = np.concatenate([mentee_all, self.choice_mentee])
            mentor_all = np.concatenate([mentor_all, self.choice_mentor])
        keys = np.sort(mentee_all * self.m + mentor_all)
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
        mentee_all, mentor_all = keys // max(self.m, 1), keys % max(self.m, 1)
        score, feasible = self.evaluate(mentee_all, mentor_all)
        return Candidates(mentee_all[feasible], mentor_all[feasible], score[feasible], bound)

    def adjusted(self, acc: Float32Array) -> Float32Array:
        """acc - price hint (score units), in place."""
        if ADJUST and self.price_hint.any():
            acc -= self.price_hint[None, :]
        return acc

    def _demand(self, per_mentee: int, sample: int = 2048) -> Float32Array:
        """How often each mentor is among the best of a sample of mentees (a price proxy)."""
        demand = np.zeros(self.m, dtype=np.float64)
        if self.n and self.m:
            rng = np.random.default_rng(0)
            picked = np.sort(rng.choice(self.n, min(self.n, sample), replace=False))
            for block in self.blocks(picked.astype(np.int64)):
                _, c, _ = select_top(self.block(block), per_mentee)
                demand += np.bincount(c, minlength=self.m)
        return np.asarray(demand, dtype=np.float32)

    def _pilot_prices(self, per_mentee: int) -> Float32Array:
        """Mentor prices (score units) from an optimal assignment of a random quarter of the
        mentees to the mentors with a quarter of their seats (randomised rounding)."""
        from .flow import solve_flow

        rng = np.random.default_rng(0)
        size = max(8 * per_mentee, self.n // 4)
        sample = np.sort(rng.choice(self.n, size, replace=False)).astype(np.int64)
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        for block in self.blocks(sample):
            r, c, _ = select_top(self.block(block), per_mentee)
            rows.append(block[r])
            cols.append(c)
        mentee = np.concatenate(rows)
        mentor = np.concatenate(cols)
        score, ok = self.evaluate(mentee, mentor)
        share = size / self.n
        seats: IntArray = np.floor(self.cap_max * share + rng.random(self.m)).astype(np.int64)
        local = np.full(self.n, -1, dtype=np.int64)
        local[sample] = np.arange(size)
        bonus = int(np.ceil((self.factor.sum() + self.bonus_by_rank.max()) * SCORE_SCALE)) + 1
        flow = solve_flow(
            size,
            self.m,
            local[mentee[ok]],
            mentor[ok],
            to_gain(score[ok]) + bonus,
            np.zeros(self.m, dtype=np.int64),
            seats,
        )
        price = (flow.sink_potential - flow.mentor_potential).astype(np.float64)
        return np.asarray(np.maximum(price, 0.0) / SCORE_SCALE, dtype=np.float32)

    def plan_mentor_groups(self, groups: int | None = None) -> None:
        """Cut the mentors, ordered by price hint, into groups (about 40 mentors each, 64 to
        512 groups); certificate bounds are kept per (mentee, group)."""
        if groups is None:
            groups = min(512, max(64, self.m // 40))
        self.n_groups = max(1, min(groups, self.m))
        self.mentor_group_order = np.argsort(self.price_hint, kind="stable").astype(np.int64)
        self.mentor_group_starts = (np.arange(self.n_groups) * self.m) // self.n_groups
        self.mentor_group_of = np.empty(self.m, dtype=np.int64)
        sizes = np.diff(np.append(self.mentor_group_starts, self.m))
        self.mentor_group_of[self.mentor_group_order] = np.repeat(np.arange(self.n_groups), sizes)
        self.group_hint_max = np.full(self.n_groups, -np.inf)
        np.maximum.at(
            self.group_hint_max, self.mentor_group_of, self.hint_used().astype(np.float64)
        )

    def hint_used(self) -> Float32Array:
        """The price hint subtracted from scores (zeros when hints only order the groups)."""
        return self.price_hint if ADJUST else np.zeros(self.m, dtype=np.float32)

    def group_bounds(self, adjusted: Float32Array, row_bound: FloatArray) -> Float32Array:
        """Per row and mentor group: the largest feasible entry of ``adjusted``, capped by
        ``row_bound`` (every entry above it is a candidate); -inf if none."""
        if self.m == 0:
            return np.full((len(adjusted), 1), -np.inf, dtype=np.float32)
        permuted = adjusted[:, self.mentor_group_order]
        out = np.maximum.reduceat(permuted, self.mentor_group_starts, axis=1)
        out = np.minimum(out, row_bound.astype(np.float32)[:, None])
        out[out <= FEASIBLE_ABOVE] = -np.inf
        return out

    def score_bounds(self, bound: Float32Array) -> FloatArray:
        """Per row: an upper bound on the (float32) score of any non-candidate pair."""
        return np.asarray(
            (bound.astype(np.float64) + self.group_hint_max[None, :]).max(axis=1),
            dtype=np.float64,
        )

    def row_scores(self, mentee: int) -> tuple[FloatArray, BoolArray]:
        """Exact scores and feasibility of one mentee against every mentor."""
        mentors = np.arange(self.m, dtype=np.int64)
        return self.evaluate(np.full(self.m, mentee, dtype=np.int64), mentors)


def _lookup(keys: IntArray, values: IntArray, query: IntArray) -> IntArray:
    out = np.zeros(len(query), dtype=np.int64)
    if len(keys) == 0 or len(query) == 0:
        return out
    pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    hit = keys[pos] == query
    out[hit] = values[pos[hit]]
    return out


def select_top(acc: Float32Array, per_mentee: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Pick about ``per_mentee`` highest feasible entries per row of ``acc``.

    Returns (rows, cols, bound) where bound[row] >= every feasible entry not picked
    (-inf when every feasible entry of the row was picked). A per-row threshold is estimated
    from a column sample (cheap), then all entries at or above it are taken; rows with far too
    many (ties) are cut to exactly the top entries.
    """
    b, m = acc.shape
    bound = np.full(b, -np.inf)
    if m == 0 or b == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), bound
    if m <= 2 * per_mentee:
        r, c = np.nonzero(acc > FEASIBLE_ABOVE)
        return r.astype(np.int64), c.astype(np.int64), bound
    # a column sample whose 4th best estimates the row's per_mentee-th best
    sample_size = min(m, max(256, (4 * m) // max(per_mentee, 1)))
    stride = max(1, m // sample_size)
    sample = acc[:, ::stride]
    q = max(1, round(per_mentee * sample.shape[1] / m))
    threshold = np.partition(sample, sample.shape[1] - q, axis=1)[:, sample.shape[1] - q]
    threshold = np.maximum(threshold, FEASIBLE_ABOVE)
    flat = np.flatnonzero(acc >= threshold[:, None])
    r, c = np.divmod(flat, m)
    counts = np.bincount(r, minlength=b)
    cap = 4 * per_mentee
    row_bound = np.where(threshold > FEASIBLE_ABOVE, threshold.astype(np.float64), -np.inf)
    over = np.nonzero(counts > cap)[0]
    if len(over):
        keep = ~np.isin(r, over)
        r, c = r[keep], c[keep]
        extra_r: list[IntArray] = [r.astype(np.int64)]
        extra_c: list[IntArray] = [c.astype(np.int64)]
        for row in over:
            values = acc[row]
            top = np.argpartition(values, m - cap)[m - cap :]
            extra_r.append(np.full(cap, row, dtype=np.int64))
            extra_c.append(top.astype(np.int64))
            row_bound[row] = float(values[top].min())
        r = np.concatenate(extra_r)
        c = np.concatenate(extra_c)
    # Rows whose threshold is the feasibility floor took every feasible entry.
    return r.astype(np.int64), c.astype(np.int64), row_bound


def gain_bound(score_bound: FloatArray) -> FloatArray:
    """Upper bound on the integer gain of a pair whose float32 score is <= score_bound."""
    out = np.full(score_bound.shape, -np.inf)
    finite = np.isfinite(score_bound)
    out[finite] = np.ceil((score_bound[finite] + FLOAT_MARGIN) * SCORE_SCALE)
    return out


def percent(part: float, whole: float) -> float:
    return 0.0 if whole == 0 else 100.0 * part / whole
