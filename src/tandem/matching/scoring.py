"""Pair scores: exact per pair, and fast blockwise against all mentors.

score(mentee, mentor) = (sum over soft criteria of weight * criterion score
                         + choice bonus for the mentor's rank in the mentee's choices)
                        / (sum of soft weights)

A pair is *feasible* when it passes every hard rule and is neither forbidden nor a past pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numba
import numpy as np
from numpy.typing import NDArray

from . import kernels
from .arrays import BoolArray, Embedder, Float32Array, FloatArray, IntArray
from .criteria import (
    CategoryCriterion,
    Context,
    EncodedCriterion,
    GapCriterion,
    ManagerCriterion,
    SetCriterion,
    TimezoneCriterion,
    distinct,
    encode,
)
from .kernels import KernelData
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
#: Sampled mentees whose bids raise the pilot's prices (see _pilot_prices).
PILOT_BIDDERS = 8192
#: The pilot solves one in PILOT_SHARE mentees.
PILOT_SHARE = 4
#: Pilot mentors kept by fewer sampled mentees are priced by their best bid instead.
PILOT_MIN_DEGREE = 8
#: Per-(mentee, block of mentors) certificate bounds are kept up to this many (float32).
BLOCK_BOUND_LIMIT = 100_000_000
#: Each mentor's best mentees (see top()) are looked for among about this many mentees.
COLUMN_SAMPLE = 25_000
#: Largest (tags x blocks of mentors) table of where each tag's mentors enter each block.
POST_BLOCK_LIMIT = 20_000_000
#: Joint number of values of a bundle of keyed criteria.
BUNDLE_MAX = 512

Progress = Callable[[int], None]
_SET_KINDS = {
    "overlap": kernels.OVERLAP,
    "complement": kernels.COMPLEMENT,
    "availability": kernels.AVAILABILITY,
    "shares_language": kernels.SHARES,
}
_CATEGORY_KINDS = {
    "same": kernels.SAME,
    "different": kernels.DIFFERENT,
    "not_same": kernels.NOT_SAME,
}
_NO_EXTRA = np.zeros((0, 0), dtype=np.float32)
_NO_BOUNDS = np.zeros((0, 0), dtype=np.float32)


@dataclass
class Candidates:
    """Candidate pairs with exact scores, and per mentee an upper bound on the float32 score
    of every feasible pair that is *not* a candidate (-inf: none)."""

    mentee: IntArray
    mentor: IntArray
    score: FloatArray
    bound: FloatArray  # (mentees,)
    #: pairs the float32 scorer lets through but the exact rules reject (never arcs; the
    #: certificate skips them like candidates)
    skip_mentee: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    skip_mentor: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def keys(self, n_mentors: int) -> IntArray:
        return self.mentee * n_mentors + self.mentor

    def add(self, mentee: IntArray, mentor: IntArray, score: FloatArray) -> None:
        self.mentee = np.concatenate([self.mentee, mentee])
        self.mentor = np.concatenate([self.mentor, mentor])
        self.score = np.concatenate([self.score, score])


@dataclass(frozen=True)
class Summary:
    """See :meth:`ScoreModel.summarise` (feasible as the float32 scorer sees it: lenient by
    1e-5 at a hard threshold)."""

    feasible: IntArray  # per wanted mentee (0 for the others)
    feasible_lifted: IntArray  # of them, mentors with a finite lift
    best: IntArray  # (mentees, k) mentor indices, -1 padded, in no particular order
    best_lifted: IntArray
    column_feasible: IntArray  # per tracked mentor
    column_best: IntArray  # (tracked, k) mentee indices, best first, -1 padded


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
            score, ok = self.totals(a, b, self.criterion_scores(a, b))
            total[start : start + chunk] = score
            feasible[start : start + chunk] = ok
        return total, feasible

    def totals(
        self, mentee: IntArray, mentor: IntArray, crit: FloatArray
    ) -> tuple[FloatArray, BoolArray]:
        """:meth:`evaluate` from the pairs' criterion scores (``criterion_scores``)."""
        score = crit @ self.factor
        ok = ~self.is_excluded(mentee, mentor)
        for k, enc in enumerate(self.encoded):
            if enc.criterion.hard:
                ok &= enc.passes(crit[:, k])
        score += self.bonus_by_rank[self.choice_ranks(mentee, mentor)]
        return score, ok

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
            count = int(codes.max()) + 2
            if count * self.m <= TABLE_LIMIT and count <= max(KEYED_MAX, self.n // 8):
                self.keyed.append(k)
        bundles: list[list[int]] = []
        joint: list[IntArray] = []
        for k in sorted(self.keyed, key=lambda k: int(self.encoded[k].mentee_codes.max())):  # type: ignore[union-attr]
            codes = self.encoded[k].mentee_codes
            assert codes is not None
            codes = codes - codes.min()
            if bundles:
                trial = joint[-1] * (int(codes.max()) + 1) + codes
                values = len(distinct(trial))
                if values <= BUNDLE_MAX and values * self.m <= TABLE_LIMIT:
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
            # one integer key per combination of bundle values (each bundle has at most
            # BUNDLE_MAX values), in the same order as a row-wise unique of the codes
            sizes = [int(codes.max()) + 1 for codes in self.bundle_codes]
            if math.prod(sizes) < 2**62:
                key = np.zeros(self.n, dtype=np.int64)
                for codes, size in zip(self.bundle_codes, sizes, strict=True):
                    key = key * size + codes
                _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
                unique = np.stack([codes[first] for codes in self.bundle_codes], axis=1)
            else:
                stacked = np.stack(self.bundle_codes, axis=1)
                unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
            self.group_codes: IntArray = unique.astype(np.int64)
            self.group_of: IntArray = inverse.reshape(-1).astype(np.int64)
        else:
            self.group_codes = np.zeros((1, 0), dtype=np.int64)
            self.group_of = np.zeros(self.n, dtype=np.int64)
        self.order = np.argsort(self.group_of, kind="stable")
        self.price_hint = np.zeros(self.m, dtype=np.float32)
        #: the certificate's memory (see kernels.check_rows): per mentee and block of
        #: kernels.BLOCK mentors, an upper bound on score - block_offsets[block_ref[mentee,
        #: block]] over the block's non-candidate pairs (0 x 0: too large to keep)
        self.block_bound: Float32Array = _NO_BOUNDS
        self.block_ref: NDArray[np.int16] = np.zeros((0, 0), dtype=np.int16)
        self.block_offsets: list[Float32Array] = []
        self._kernel_data: KernelData | None = None
        self._extra: list[int] = []

    def _table(self, b: int) -> Float32Array:
        table = self._tables.get(b)
        if table is None:
            representative = self.bundle_representative[b]
            table = np.zeros((len(representative), self.m), dtype=np.float32)
            for k in self.bundles[b]:
                enc = self.encoded[k]
                # a bundle's rows repeat each criterion's few values: compute each value once
                codes = enc.mentee_codes
                assert codes is not None
                _, first, inverse = np.unique(
                    codes[representative], return_index=True, return_inverse=True
                )
                values = enc.rows(representative[first])[inverse.reshape(-1)]
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

    # ------------------------------------------------------------------ compiled kernels
    def kernel_data(self) -> KernelData:
        """The criteria as the flat arrays the compiled kernels read (built once)."""
        if self._kernel_data is not None:
            return self._kernel_data
        self.prepare()
        n, m = self.n, self.m
        tables = [self._table(position) for position in range(len(self.bundles))]
        offsets = np.cumsum([0] + [len(t) for t in tables])[:-1]
        table_row = np.zeros((n, len(tables)), dtype=np.int64)
        for position in range(len(tables)):
            table_row[:, position] = offsets[position] + self.bundle_codes[position]
        stacked = (
            np.ascontiguousarray(np.concatenate(tables, axis=0))
            if tables
            else np.zeros((1, m), dtype=np.float32)
        )
        keyed = set(self.keyed)
        set_meta: list[tuple[int, int, int, int, int]] = []
        sparse_ptr: list[IntArray] = []
        sparse_tag: list[IntArray] = []
        postings: list[tuple[IntArray, IntArray]] = []
        tags = 0
        set_param: list[tuple[float, float, float, float]] = []
        a_bits: list[NDArray[np.uint64]] = []
        b_bits: list[NDArray[np.uint64]] = []
        a_size: list[FloatArray] = []
        b_size: list[FloatArray] = []
        num_kind: list[int] = []
        num_param: list[tuple[float, ...]] = []
        a_num: list[FloatArray] = []
        b_num: list[FloatArray] = []
        self._extra = []
        words = 0
        for k, enc in enumerate(self.encoded):
            if k in keyed:
                continue
            factor = float(np.float32(self.factor[k]))
            hard = 1.0 if enc.criterion.hard else 0.0
            if isinstance(enc, SetCriterion):
                set_param.append((factor, hard, enc.threshold, enc.need))
                a_size.append(enc.mentee_size)
                b_size.append(enc.mentor_size)
                if not hard and _sparse_pays(enc):
                    # soft tag sets over a large vocabulary: an inverted index visits only
                    # the mentors that share a tag
                    set_meta.append((_SET_KINDS[enc.kind], 0, 0, len(sparse_ptr), 0))
                    a_sets, by_tag = enc.mentee_sets, enc.mentor_sets_t
                    by_tag.sort_indices()  # each tag's mentors in order (kernels._fill_spans)
                    sparse_ptr.append(a_sets.indptr.astype(np.int64))
                    sparse_tag.append(a_sets.indices.astype(np.int64) + tags)
                    postings.append((by_tag.indptr.astype(np.int64), by_tag.indices))
                    tags += by_tag.shape[0]
                    continue
                width = enc.mentee_bits.shape[1]
                narrow = int(enc.mentee_sets.shape[1] <= 32)
                set_meta.append((_SET_KINDS[enc.kind], words, width, -1, narrow))
                a_bits.append(enc.mentee_bits)
                b_bits.append(enc.mentor_bits)
                words += width
                continue
            a: np.ndarray
            b: np.ndarray
            extra: tuple[float, float, float]
            if isinstance(enc, CategoryCriterion):
                kind, a, b, extra = _CATEGORY_KINDS[enc.kind], enc.a, enc.b, (0.0, 0.0, 0.0)
            elif isinstance(enc, GapCriterion):
                kind, a, b = kernels.GAP, enc.a, enc.b
                extra = (enc.low, enc.high, enc.tolerance)
            elif isinstance(enc, TimezoneCriterion):
                kind, a, b, extra = kernels.TIMEZONE, enc.a, enc.b, (enc.scale, 0.0, 0.0)
            elif isinstance(enc, ManagerCriterion):
                kind, a, b = kernels.NOT_MANAGER, enc.mentee_manager, enc.mentor_manager
                extra = (0.0, 0.0, 0.0)
            else:  # distance, text: dense NumPy/BLAS blocks
                self._extra.append(k)
                continue
            num_kind.append(kind)
            num_param.append((factor, hard, enc.threshold, *extra))
            a_num.append(np.asarray(a, dtype=np.float64))
            b_num.append(np.asarray(b, dtype=np.float64))

        def columns(parts: list[FloatArray], rows: int) -> FloatArray:
            if not parts:
                return np.zeros((rows, 0), dtype=np.float64)
            return np.ascontiguousarray(np.stack(parts, axis=1), dtype=np.float64)

        def bits(parts: list[NDArray[np.uint64]], rows: int) -> NDArray[np.uint64]:
            if not parts:
                return np.zeros((rows, 0), dtype=np.uint64)
            return np.ascontiguousarray(np.concatenate(parts, axis=1))

        a_words, b_words = bits(a_bits, n), np.ascontiguousarray(bits(b_bits, m).T)
        low = np.uint64(0xFFFFFFFF)
        choice_order = np.argsort(self.choice_mentee, kind="stable")
        excluded_mentee = self.excluded_keys // max(m, 1)
        self._kernel_data = KernelData(
            tables=stacked,
            table_row=table_row,
            set_meta=np.array(set_meta, dtype=np.int64).reshape(-1, 5),
            set_param=np.array(set_param, dtype=np.float64).reshape(-1, 4),
            a_bits=a_words,
            b_bits=b_words,
            a_low=(a_words & low).astype(np.uint32),
            b_low=(b_words & low).astype(np.uint32),
            a_size=columns(a_size, n),
            b_size=np.ascontiguousarray(columns(b_size, m).T),
            num_kind=np.array(num_kind, dtype=np.int64),
            num_param=np.array(num_param, dtype=np.float64).reshape(-1, 6),
            a_num=columns(a_num, n),
            b_num=columns(b_num, m),
            choice_ptr=np.searchsorted(self.choice_mentee[choice_order], np.arange(n + 1)).astype(
                np.int64
            ),
            choice_mentor=self.choice_mentor[choice_order].astype(np.int64),
            choice_bonus=self.choice_bonus[choice_order].astype(np.float32),
            excluded_ptr=np.searchsorted(excluded_mentee, np.arange(n + 1)).astype(np.int64),
            excluded_mentor=(self.excluded_keys % max(m, 1)).astype(np.int64),
            **_join_sparse(sparse_ptr, sparse_tag, postings, m),
        )
        return self._kernel_data

    def extra_block(self, mentee: IntArray) -> Float32Array:
        """The criteria the kernels do not compute per pair (distance, text), as a dense
        float32 block for ``mentee`` rows (0 x 0 when there are none)."""
        self.kernel_data()
        if not self._extra:
            return _NO_EXTRA
        acc = np.zeros((len(mentee), self.m), dtype=np.float32)
        for k in self._extra:
            enc = self.encoded[k]
            factor = np.float32(self.factor[k])
            if factor and not enc.criterion.hard:
                enc.add_block(acc, mentee, float(factor))
                continue
            values = enc.rows(mentee)
            if factor:
                acc += values * factor
            if enc.criterion.hard:
                np.copyto(acc, NEG, where=~enc.passes_block(values))
        return acc

    def kernel_blocks(self, mentee: IntArray) -> Iterator[tuple[IntArray, Float32Array]]:
        """``mentee`` in blocks with their extra blocks (large blocks when there are none)."""
        self.kernel_data()
        size = max(16, min(1024, 2_000_000 // max(self.m, 1))) if self._extra else 8192
        for start in range(0, len(mentee), size):
            rows = mentee[start : start + size]
            yield rows, self.extra_block(rows)

    def top(
        self,
        mentee: IntArray,
        k: int,
        offset: Float32Array,
        progress: Progress | None = None,
        per_mentor: int = 0,
        bounds: bool = False,
    ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """Each mentee's ``k`` best feasible mentors by ``score - offset``: (rows, mentors)
        of the kept pairs, and per mentee the largest value and score among the feasible
        mentors not kept (-inf when none). With ``per_mentor``, the kept pairs also hold each
        mentor's ``per_mentor`` best mentees by the same value among the first COLUMN_SAMPLE
        of ``mentee`` (rounded up to a whole block of rows; the bounds are unchanged:
        they are about the mentee's own ``k`` best). With ``bounds``, the mentees' rows of
        ``block_bound`` receive the bounds per block of mentors (see kernels.top_values)."""
        data = self.kernel_data()
        slabs = numba.get_num_threads()  # the kernel's parallel slices
        col_keys = np.full((slabs, self.m, per_mentor), kernels.COLUMN_EMPTY, dtype=np.float32)
        col_rows = np.full((slabs, self.m, per_mentor), -1, dtype=np.int64)
        rows_out: list[IntArray] = []
        cols_out: list[IntArray] = []
        values: list[FloatArray] = []
        scores: list[FloatArray] = []
        no_columns = (  # contiguous, like col_keys (one compiled variant of the kernel)
            np.zeros((slabs, self.m, 0), dtype=np.float32),
            np.zeros((slabs, self.m, 0), dtype=np.int64),
        )
        seen = 0
        for rows, extra in self.kernel_blocks(mentee):
            # the mentors' lists are drawn from the first COLUMN_SAMPLE rows (all of them on
            # small problems; callers pass the mentees in random order)
            columns = (col_keys, col_rows) if seen < COLUMN_SAMPLE else no_columns
            seen += len(rows)
            picked, bound_value, bound_score = kernels.top_values(
                rows,
                k,
                offset.astype(np.float32),
                extra,
                data,
                *columns,
                self.block_bound if bounds else _NO_BOUNDS,
            )
            r, c = np.nonzero(picked >= 0)
            rows_out.append(rows[r])
            cols_out.append(picked[r, c])
            values.append(bound_value)
            scores.append(bound_score)
            if progress is not None:
                progress(len(rows))

        if per_mentor:
            mentees = _merge_slabs(col_keys, col_rows)
            r, c = np.nonzero(mentees >= 0)
            rows_out.append(mentees[r, c])
            cols_out.append(r.astype(np.int64))

        def join(parts: list[FloatArray] | list[IntArray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return (
            join(rows_out, np.int64),
            join(cols_out, np.int64),
            join(values, np.float64),
            join(scores, np.float64),
        )

    def candidates(self, per_mentee: int, progress: Progress | None = None) -> Candidates:
        """About ``per_mentee`` best feasible mentors of every mentee (all of them if there are
        fewer), plus every chosen mentor, with exact scores and a per-mentee bound on the score
        of every feasible pair that is not a candidate.

        On large problems (PILOT_PAIRS) a pilot solve on a quarter of the mentees estimates
        each mentor's "price" (dual value) and the candidates are the best by score - price
        (what optimal assignments are made of); otherwise the best by score. Correctness never
        depends on the estimate, only how much work the certificate has."""
        pilot = self.n * self.m >= PILOT_PAIRS and self.n >= 8 * per_mentee
        self.price_hint = (
            self._pilot_prices(per_mentee) if pilot else np.zeros(self.m, dtype=np.float32)
        )
        # random order: the mentors' lists come from the first COLUMN_SAMPLE of them
        everyone = np.random.default_rng(1).permutation(self.n).astype(np.int64)
        per_mentor = int(min(16, max(2, 2 * int(self.cap_max.max(initial=1)))))
        # the certificate's memory starts with this pass's bounds, against the price hint
        blocks = -(-self.m // kernels.BLOCK)
        keep = self.n * blocks <= BLOCK_BOUND_LIMIT
        self.block_bound = np.empty((self.n, blocks), dtype=np.float32) if keep else _NO_BOUNDS
        mentee_all, mentor_all, _, shuffled_bound = self.top(
            everyone, per_mentee, self.price_hint, progress, per_mentor, bounds=keep
        )
        self.block_ref = np.zeros(self.block_bound.shape, dtype=np.int16)
        self.block_offsets = [self.price_hint.astype(np.float32)]
        bound = np.empty(self.n, dtype=np.float64)
        bound[everyone] = shuffled_bound
        if len(self.choice_mentee):
            mentee_all = np.concatenate([mentee_all, self.choice_mentee])
            mentor_all = np.concatenate([mentor_all, self.choice_mentor])
        keys = distinct(mentee_all * self.m + mentor_all)
        mentee_all, mentor_all = keys // max(self.m, 1), keys % max(self.m, 1)
        score, feasible = self.evaluate(mentee_all, mentor_all)
        return Candidates(mentee_all[feasible], mentor_all[feasible], score[feasible], bound)

    def _pilot_prices(self, per_mentee: int) -> Float32Array:
        """Mentor prices (score units) from an optimal assignment of a random quarter of the
        mentees to the mentors with a quarter of their seats (randomised rounding)."""
        from .flow import solve_flow

        rng = np.random.default_rng(0)
        size = max(8 * per_mentee, self.n // PILOT_SHARE)
        sample = np.sort(rng.choice(self.n, size, replace=False)).astype(np.int64)
        mentee, mentor, _, _ = self.top(sample, per_mentee, np.zeros(self.m, dtype=np.float32))
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
            scarce=True,  # best by score alone: many mentees want the same few mentors
        )
        price = (flow.sink_potential - flow.mentor_potential).astype(np.float64)
        # The potentials are the lowest prices that clear the pilot's candidate network: a
        # mentor few sampled mentees kept (or none) reads almost free and would then sit in
        # nearly every mentee's list. Raise such a mentor's price to the best bid a sampled
        # mentee would make for it over ALL pairs (gain - the mentee's utility). (Raising
        # every mentor's price so prices the well-connected mentors out of the lists.)
        rare = np.bincount(mentor[ok], minlength=self.m) < PILOT_MIN_DEGREE
        if not rare.any():
            return np.asarray(np.maximum(price, 0.0) / SCORE_SCALE, dtype=np.float32)
        utility = (flow.mentee_potential - flow.sink_potential).astype(np.float64)
        bidders = rng.permutation(size)[:PILOT_BIDDERS]
        offset = (utility[bidders] - bonus) / SCORE_SCALE
        bid = np.full(self.m, -np.inf)
        data = self.kernel_data()
        threads = numba.get_num_threads()
        done = 0
        for rows, extra in self.kernel_blocks(sample[bidders]):
            part = kernels.column_max(
                rows, offset[done : done + len(rows)], extra, data, self.m, threads
            )
            np.maximum(bid, part, out=bid)
            done += len(rows)
        price[rare] = np.maximum(price[rare], bid[rare] * SCORE_SCALE)
        return np.asarray(np.maximum(price, 0.0) / SCORE_SCALE, dtype=np.float32)

    def summarise(
        self, mentee: IntArray, wanted: BoolArray, lift: Float32Array, tracked: IntArray, k: int
    ) -> Summary:
        """One compiled pass over ``mentee`` (see kernels.summarise): per ``wanted`` mentee
        its feasible mentors (count, ``k`` best) and those with a finite ``lift`` (count,
        ``k`` best by score + lift), per ``tracked`` mentor its feasible mentees (count,
        ``k`` best)."""
        data = self.kernel_data()
        slabs = numba.get_num_threads()
        col_count = np.zeros((slabs, len(tracked)), dtype=np.int64)
        col_keys = np.full((slabs, len(tracked), k), kernels.COLUMN_EMPTY, dtype=np.float32)
        col_rows = np.full((slabs, len(tracked), k), -1, dtype=np.int64)
        parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
        done = 0
        for rows, extra in self.kernel_blocks(mentee):
            parts.append(
                kernels.summarise(
                    rows,
                    wanted[done : done + len(rows)],
                    k,
                    lift.astype(np.float32),
                    tracked.astype(np.int64),
                    extra,
                    data,
                    col_count,
                    col_keys,
                    col_rows,
                )
            )
            done += len(rows)
        best = _merge_slabs(col_keys, col_rows)

        def join(position: int) -> IntArray:
            if parts:
                return np.concatenate([part[position] for part in parts])
            return np.zeros((0, k) if position >= 2 else 0, dtype=np.int64)

        return Summary(join(0), join(1), join(2), join(3), col_count.sum(axis=0), best)

    def row_scores(self, mentee: int) -> tuple[FloatArray, BoolArray]:
        """Exact scores and feasibility of one mentee against every mentor."""
        mentors = np.arange(self.m, dtype=np.int64)
        return self.evaluate(np.full(self.m, mentee, dtype=np.int64), mentors)


def _sparse_pays(enc: SetCriterion) -> bool:
    """Whether an inverted index beats bitset popcounts for this criterion: the mentors a
    typical mentee's tags reach (with repeats) against one pass over all mentors' words."""
    if not enc.sparse or enc.n_mentees == 0:
        return False
    holders = np.diff(enc.mentor_sets_t.indptr).astype(np.float64)
    reached = float(holders[enc.mentee_sets.indices].sum()) / enc.n_mentees
    return 4 * reached < enc.n_mentors * enc.mentee_bits.shape[1]


def _join_sparse(
    ptr: list[IntArray],
    tag: list[IntArray],
    postings: list[tuple[IntArray, IntArray]],
    m: int,
) -> dict[str, IntArray]:
    """The sparse criteria's CSR arrays concatenated, and where each tag's mentors enter each
    block of mentors (see KernelData)."""
    offsets = np.cumsum([0] + [int(p[0][-1]) for p in postings])
    post_ptr = np.concatenate(
        [np.zeros(1, dtype=np.int64)] + [p[0][1:] + offsets[k] for k, p in enumerate(postings)]
    ).astype(np.int64)
    post_mentor = np.concatenate([p[1] for p in postings] or [np.zeros(0, dtype=np.int64)]).astype(
        np.int64
    )
    tags = len(post_ptr) - 1
    blocks = -(-m // kernels.BLOCK)
    post_block = np.zeros((0, 0), dtype=np.int64)
    if tags and tags * (blocks + 1) <= POST_BLOCK_LIMIT:
        # per (tag, block): the tag's mentors in earlier blocks, plus where the tag starts
        owner = np.repeat(np.arange(tags), np.diff(post_ptr))
        count = np.bincount(
            owner * (blocks + 1) + post_mentor // kernels.BLOCK + 1,
            minlength=tags * (blocks + 1),
        ).reshape(tags, blocks + 1)
        post_block = np.cumsum(count, axis=1) + post_ptr[:-1, None]
    tag_offsets = np.cumsum([0] + [int(p[-1]) for p in ptr])
    return {
        "sparse_ptr": np.concatenate(
            [p + tag_offsets[k] for k, p in enumerate(ptr)] or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64),
        "sparse_tag": np.concatenate(tag or [np.zeros(0, dtype=np.int64)]).astype(np.int64),
        "post_ptr": post_ptr,
        "post_mentor": post_mentor,
        "post_block": np.ascontiguousarray(post_block, dtype=np.int64),
    }


def _merge_slabs(col_keys: Float32Array, col_rows: IntArray) -> IntArray:
    """Per column, the rows of its best keys over the kernels' parallel slices (slices x
    columns x k each, -1 rows where empty): (columns, k), best first."""
    slabs, columns, k = col_keys.shape
    keys = col_keys.transpose(1, 0, 2).reshape(columns, slabs * k)
    held = col_rows.transpose(1, 0, 2).reshape(columns, slabs * k)
    best = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(held, best, axis=1)


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
