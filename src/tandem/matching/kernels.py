"""Compiled (numba) scoring kernels: one mentee row against every mentor, fused with what the
optimal mode needs from that row, so that no (mentees x mentors) matrix is ever materialised.

A row is built exactly like :meth:`ScoreModel.block` builds it (float32, within FLOAT_MARGIN of
the exact score, NEG for pairs a hard rule or an exclusion rules out):

* keyed tables (criteria precomputed per distinct mentee value) are summed;
* tag-set criteria intersect 64-bit bitsets (one popcount per word);
* category, gap, time-zone and manager criteria are computed per pair;
* any other criterion (distance, text with many distinct texts) arrives as a dense ``extra``
  block computed by NumPy/BLAS;
* choice bonuses are added and excluded (forbidden, past) pairs set to NEG.

Two fused passes use the row without storing it:

* :func:`top_values` keeps each mentee's ``k`` best mentors by ``score - offset`` (a price
  estimate) with a small heap, and the largest value and score among the mentors *not* kept;
* :func:`check_rows` computes, for the certificate, an upper bound on
  ``gain(score) - price`` of every non-candidate pair, returns the best few that could improve
  the current answer and the largest bound among the pairs it did not return.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from .arrays import Float32Array, FloatArray, IntArray

NEG32 = np.float32(-1e30)
#: Mentors scanned together: a block whose best entry cannot enter the result is skipped.
BLOCK = 64
FEASIBLE32 = np.float32(-1e29)
#: An empty slot of a mentor's best-mentees list (finite, so that fast-math loops may use it).
COLUMN_EMPTY = np.float32(-3e38)

#: set-criterion kind codes
OVERLAP, COMPLEMENT, AVAILABILITY, SHARES = 0, 1, 2, 3
#: per-pair criterion kind codes
SAME, DIFFERENT, NOT_SAME, GAP, TIMEZONE, NOT_MANAGER = 10, 11, 12, 20, 30, 40


class KernelData(NamedTuple):
    """Flat arrays describing how to build a row (see ScoreModel.kernel_data)."""

    tables: Float32Array  # (table rows, m) float32: every keyed bundle's rows stacked
    table_row: np.ndarray  # (n, bundles) int64: a mentee's row in ``tables`` per bundle
    set_meta: np.ndarray  # (sets, 5) int64: kind, first word, words, sparse index (-1: dense),
    #                       narrow (1: at most 32 items, the word's low half holds the set)
    set_param: FloatArray  # (sets, 4): factor, hard (0/1), threshold, need
    a_bits: np.ndarray  # (n, words) uint64
    b_bits: np.ndarray  # (words, m) uint64: one contiguous array per word
    a_low: np.ndarray  # (n, words) uint32: the low halves of a_bits
    b_low: np.ndarray  # (words, m) uint32: the low halves of b_bits
    a_size: FloatArray  # (n, sets)
    b_size: FloatArray  # (sets, m)
    num_kind: IntArray  # (numeric criteria,)
    num_param: FloatArray  # (numeric criteria, 6): factor, hard, threshold, p0, p1, p2
    a_num: FloatArray  # (n, numeric criteria)
    b_num: FloatArray  # (m, numeric criteria)
    choice_ptr: IntArray  # (n + 1,)
    choice_mentor: IntArray
    choice_bonus: Float32Array
    excluded_ptr: IntArray  # (n + 1,)
    excluded_mentor: IntArray
    # sparse tag sets (soft criteria over large vocabularies): mentee q-th sparse criterion's
    # tags are sparse_tag[sparse_ptr[q * (n + 1) + i] : sparse_ptr[q * (n + 1) + i + 1]]
    # (global tag ids); the mentors holding tag t are post_mentor[post_ptr[t] : post_ptr[t + 1]]
    sparse_ptr: IntArray
    sparse_tag: IntArray
    post_ptr: IntArray
    post_mentor: IntArray
    # post_block[t, b]: the position in post_mentor of tag t's first mentor in block b of
    # BLOCK mentors or later (0 x 0: not kept, a binary search finds it)
    post_block: IntArray


@intrinsic
def _popcount(typingctx, value):  # type: ignore[no-untyped-def]
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.ctpop(args[0])

    return signature, codegen


@intrinsic
def _common32(typingctx, mine, theirs):  # type: ignore[no-untyped-def]
    """popcount(mine & theirs) of two uint32 words, as int32 (32-bit lanes: the loops over
    mentors vectorise, a 64-bit count would not convert to float in vector registers)."""
    signature = types.int32(types.uint32, types.uint32)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.ctpop(builder.and_(args[0], args[1]))

    return signature, codegen


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _intersection(mine, theirs, j, w0, w1):  # type: ignore[no-untyped-def]
    inter = 0
    for w in range(w0, w1):
        inter += _popcount(mine[w] & theirs[w, j])  # type: ignore[call-arg]
    return inter


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, inline="always")
def _block_max(row, offset, start, end, factor):  # type: ignore[no-untyped-def]
    """max over [start, end) of factor * row[j] - offset[j] (no NaN in either)."""
    best = -np.inf
    for j in range(np.uint64(start), np.uint64(end)):  # unsigned: vectorises
        value = factor * np.float64(row[j]) - offset[j]
        best = value if value > best else best
    return best


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, inline="always")
def _block_top(row, offset, start, end):  # type: ignore[no-untyped-def]
    """max over [start, end) of row[j] - offset[j], both float32, in float32 (four running
    maxima: a single one is a chain of dependent comparisons, and LLVM does not vectorise
    that reduction)."""
    b0 = np.float32(-np.inf)
    b1 = b0
    b2 = b0
    b3 = b0
    one = np.uint64(1)
    four = np.uint64(4)
    j = np.uint64(start)
    stop = np.uint64(end)
    while j + four <= stop:
        v0 = row[j] - offset[j]
        v1 = row[j + one] - offset[j + one]
        v2 = row[j + np.uint64(2)] - offset[j + np.uint64(2)]
        v3 = row[j + np.uint64(3)] - offset[j + np.uint64(3)]
        b0 = v0 if v0 > b0 else b0
        b1 = v1 if v1 > b1 else b1
        b2 = v2 if v2 > b2 else b2
        b3 = v3 if v3 > b3 else b3
        j += four
    best = max(max(b0, b1), max(b2, b3))
    while j < stop:
        value = row[j] - offset[j]
        best = value if value > best else best
        j += one
    return best


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _stored_bound(value):  # type: ignore[no-untyped-def]
    """A float32 bound that rounding (of the float32 difference it came from, and of the float32
    store) cannot push below the true value."""
    wide = np.float64(value)
    return wide + 1e-6 + 3e-7 * abs(wide)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _block_beats(row, offset, floor, start, end):  # type: ignore[no-untyped-def]
    """Whether row[j] - offset[j] > floor[j] for some j in [start, end) (an OR of
    comparisons: no floating-point reduction, so no fast-math flags needed)."""
    hit = False
    for j in range(np.uint64(start), np.uint64(end)):  # unsigned: vectorises
        hit |= row[j] - offset[j] > floor[j]
    return hit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _passes(score: float, threshold: float) -> bool:
    if threshold <= 1e-9:
        return score > 0.0
    return score >= threshold - 1e-5


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _set_score(kind, inter, size_a, size_b, inv_a, inv_need):  # type: ignore[no-untyped-def]
    """A set criterion's score from the intersection size (see criteria.SetCriterion)."""
    if kind == OVERLAP:
        union = size_a + size_b - inter
        return inter / union if union > 0 else 0.0
    if kind == COMPLEMENT:
        return inter * inv_a
    if kind == AVAILABILITY:
        return min(1.0, inter * inv_need)
    return 1.0 if inter > 0 else 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _numeric_score(kind, a, b, param, i, j):  # type: ignore[no-untyped-def]
    """A per-pair criterion's score (``param``: that criterion's num_param row)."""
    if kind == SAME:
        return 1.0 if (a >= 0 and a == b) else 0.0
    if kind == DIFFERENT:
        return 1.0 if (a >= 0 and b >= 0 and a != b) else 0.0
    if kind == NOT_SAME:
        return 0.0 if (a >= 0 and a == b) else 1.0
    if kind == GAP:
        d = b - a
        if math.isnan(d):
            return 0.0
        outside = max(max(param[3] - d, d - param[4]), 0.0)
        return max(0.0, 1.0 - outside / param[5])
    if kind == TIMEZONE:
        h = abs(a - b)
        if math.isnan(h):
            return 0.0
        h = h - 24.0 * math.floor(h / 24.0)
        h = min(h, 24.0 - h)
        return max(0.0, 1.0 - h / param[3])
    # NOT_MANAGER: a = the mentee's manager (mentor index), b = the reverse
    return 0.0 if (a == j or b == i) else 1.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _fill(i, row, counts, touched, extra, extra_row, data):  # type: ignore[no-untyped-def]
    """Mentee ``i``'s whole row."""
    whole = np.empty(2, dtype=np.uint64)
    whole[0] = 0
    whole[1] = row.shape[0]
    _fill_spans(i, row, whole[:1], whole[1:], 1, counts, touched, extra, extra_row, data)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lower_bound(values, low, high, value):  # type: ignore[no-untyped-def]
    """The first position in values[low:high] (sorted) holding at least ``value``."""
    while low < high:
        middle = (low + high) >> 1
        if values[middle] < value:
            low = middle + 1
        else:
            high = middle
    return low


@njit(cache=True, nogil=True, error_model="numpy")
def _fill_spans(i, row, starts, ends, spans, counts, touched, extra, extra_row, data):  # type: ignore[no-untyped-def]
    """row[starts[k]:ends[k]] for k < ``spans`` of mentee ``i`` (sorted, disjoint spans of
    mentors: the whole row, or the blocks the certificate re-scores); the rest of ``row`` is
    left as it was. The span bounds are unsigned: indexes that cannot be negative need no
    wraparound check, and the loops vectorise."""
    (
        tables,
        table_row,
        set_meta,
        set_param,
        a_bits,
        b_bits,
        a_low,
        b_low,
        a_size,
        b_size,
        num_kind,
        num_param,
        a_num,
        b_num,
        choice_ptr,
        choice_mentor,
        choice_bonus,
        excluded_ptr,
        excluded_mentor,
        sparse_ptr,
        sparse_tag,
        post_ptr,
        post_mentor,
        post_block,
    ) = data
    n = table_row.shape[0]
    bundles = table_row.shape[1]
    if bundles == 0:
        for k in range(spans):
            for j in range(starts[k], ends[k]):
                row[j] = 0.0
    else:
        first = tables[table_row[i, 0]]
        for k in range(spans):
            for j in range(starts[k], ends[k]):
                row[j] = first[j]
        for b in range(1, bundles):
            other = tables[table_row[i, b]]
            for k in range(spans):
                for j in range(starts[k], ends[k]):
                    row[j] += other[j]
    if extra_row >= 0:
        values = extra[extra_row]
        for k in range(spans):
            for j in range(starts[k], ends[k]):
                row[j] += values[j]
    # one tight loop per criterion (the row stays in cache; hard failures become NEG)
    for s in range(set_meta.shape[0]):
        kind = set_meta[s, 0]
        w0 = set_meta[s, 1]
        w1 = w0 + set_meta[s, 2]
        factor = set_param[s, 0]
        hard = set_param[s, 1] > 0
        threshold = set_param[s, 2]
        inv_need = 1.0 / set_param[s, 3]
        size_a = a_size[i, s]
        inv_a = 1.0 / size_a if size_a > 0 else 0.0
        q = set_meta[s, 3]
        if q >= 0:
            # inverted index: only mentors sharing a tag get a (non-zero) score (each tag's
            # mentors are in order: a span starts where post_block, else a binary search,
            # puts it)
            used = 0
            linear = np.float32(factor * inv_a)
            base = q * (n + 1) + i
            for t_at in range(sparse_ptr[base], sparse_ptr[base + 1]):
                t = sparse_tag[t_at]
                p = post_ptr[t]
                end = post_ptr[t + 1]
                for k in range(spans):
                    low = np.int64(starts[k])
                    high = np.int64(ends[k])
                    if p < end and post_mentor[p] < low:
                        if post_block.shape[0] > 0 and low % BLOCK == 0:
                            p = post_block[t, low // BLOCK]
                        else:
                            p = _lower_bound(post_mentor, p, end, low)
                    while p < end and post_mentor[p] < high:
                        j = post_mentor[p]
                        p += 1
                        if kind == COMPLEMENT:  # linear in the count: no need to count
                            row[j] += linear
                            continue
                        if counts[j] == 0:
                            touched[used] = j
                            used += 1
                        counts[j] += 1
            for t_at in range(used):
                j = touched[t_at]
                inter = counts[j]
                counts[j] = 0
                if kind == OVERLAP:
                    row[j] += factor * inter / (size_a + b_size[s, j] - inter)
                elif kind == AVAILABILITY:
                    row[j] += factor * min(1.0, inter * inv_need)
                else:
                    row[j] += factor
            continue
        mine = a_bits[i]
        if set_meta[s, 4] and not hard and kind != SHARES:
            # at most 32 items (weekly slots, languages): 32-bit counts and float32 arithmetic,
            # so that the loops vectorise (float32 rounding stays far inside FLOAT_MARGIN)
            x = a_low[i, w0]
            col = b_low[w0]
            one = np.float32(1.0)
            if kind == OVERLAP:
                f32 = np.float32(factor)
                sizes = b_size[s]
                size32 = np.float32(size_a)
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        inter = np.float32(_common32(x, col[j]))  # type: ignore[call-arg]
                        union = size32 + np.float32(sizes[j]) - inter
                        row[j] += f32 * inter / max(union, one)
            elif kind == COMPLEMENT:
                scaled = np.float32(factor * inv_a)
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        row[j] += scaled * np.float32(_common32(x, col[j]))  # type: ignore[call-arg]
            else:  # AVAILABILITY
                f32 = np.float32(factor)
                inv32 = np.float32(inv_need)
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        inter = np.float32(_common32(x, col[j]))  # type: ignore[call-arg]
                        row[j] += f32 * min(one, inter * inv32)
            continue
        if w1 - w0 == 1 and not hard and kind != SHARES:
            # one word (a vocabulary of at most 64): contiguous loops
            x64 = mine[w0]
            col64 = b_bits[w0]
            if kind == OVERLAP:
                sizes = b_size[s]
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        count = np.float64(_popcount(x64 & col64[j]))  # type: ignore[call-arg]
                        union64 = size_a + sizes[j] - count
                        row[j] += factor * count / max(union64, 1.0)
            elif kind == COMPLEMENT:
                scaled64 = factor * inv_a
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        row[j] += scaled64 * np.float64(_popcount(x64 & col64[j]))  # type: ignore[call-arg]
            else:  # AVAILABILITY
                for k in range(spans):
                    for j in range(starts[k], ends[k]):
                        count = np.float64(_popcount(x64 & col64[j]))  # type: ignore[call-arg]
                        row[j] += factor * min(1.0, count * inv_need)
            continue
        if hard or kind == SHARES:
            for k in range(spans):
                for j in range(starts[k], ends[k]):
                    inter = _intersection(mine, b_bits, j, w0, w1)
                    score = _set_score(kind, inter, size_a, b_size[s, j], inv_a, inv_need)
                    if hard and not _passes(score, threshold):
                        row[j] = NEG32
                    else:
                        row[j] += factor * score
        elif kind == OVERLAP:
            sizes = b_size[s]
            for k in range(spans):
                for j in range(starts[k], ends[k]):
                    inter = _intersection(mine, b_bits, j, w0, w1)
                    union = size_a + sizes[j] - inter
                    row[j] += factor * inter / max(union, 1.0)  # union 0 => inter 0 => 0
        elif kind == COMPLEMENT:
            scaled = factor * inv_a
            for k in range(spans):
                for j in range(starts[k], ends[k]):
                    row[j] += scaled * _intersection(mine, b_bits, j, w0, w1)
        else:  # AVAILABILITY
            for k in range(spans):
                for j in range(starts[k], ends[k]):
                    inter = _intersection(mine, b_bits, j, w0, w1)
                    row[j] += factor * min(1.0, inter * inv_need)
    for c in range(num_kind.shape[0]):
        kind = num_kind[c]
        factor = num_param[c, 0]
        hard = num_param[c, 1] > 0
        threshold = num_param[c, 2]
        a = a_num[i, c]
        param = num_param[c]
        for k in range(spans):
            for j in range(starts[k], ends[k]):
                score = _numeric_score(kind, a, b_num[j, c], param, i, j)
                if hard and not _passes(score, threshold):
                    row[j] = NEG32
                else:
                    row[j] += factor * score
    for at in range(choice_ptr[i], choice_ptr[i + 1]):
        j = choice_mentor[at]
        if _in_spans(j, starts, ends, spans):
            row[j] += choice_bonus[at]
    for at in range(excluded_ptr[i], excluded_ptr[i + 1]):
        j = excluded_mentor[at]
        if _in_spans(j, starts, ends, spans):
            row[j] = NEG32


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _in_spans(j, starts, ends, spans):  # type: ignore[no-untyped-def]
    k = _lower_bound(ends, 0, spans, np.uint64(j + 1))  # the first span ending after j
    return k < spans and starts[k] <= j


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _scratch(m):  # type: ignore[no-untyped-def]
    """A thread's row of ``m`` float32 scores and the tag counters :func:`_fill` uses."""
    return (
        np.empty(m, dtype=np.float32),
        np.zeros(m, dtype=np.int32),
        np.empty(m, dtype=np.int64),
    )


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _heap(k):  # type: ignore[no-untyped-def]
    """Keys and slots of a min-heap of ``k`` (see :func:`_push`)."""
    return np.empty(k, dtype=np.float32), np.empty(k, dtype=np.int64)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sift_down(keys, slots, size):  # type: ignore[no-untyped-def]
    """Restore the min-heap property of keys[:size] from the root."""
    pos = 0
    while True:
        left = 2 * pos + 1
        if left >= size:
            return
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[child] >= keys[pos]:
            return
        keys[pos], keys[child] = keys[child], keys[pos]
        slots[pos], slots[child] = slots[child], slots[pos]
        pos = child


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sift_up(keys, slots, pos):  # type: ignore[no-untyped-def]
    while pos > 0:
        parent = (pos - 1) // 2
        if keys[parent] <= keys[pos]:
            return
        keys[parent], keys[pos] = keys[pos], keys[parent]
        slots[parent], slots[pos] = slots[pos], slots[parent]
        pos = parent


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _push(keys, slots, size, key, slot):  # type: ignore[no-untyped-def]
    """Offer (key, slot) to the min-heap keys[:size] of capacity len(keys): kept while there is
    room or when it beats the smallest key. Returns the new size."""
    if size < keys.shape[0]:
        keys[size] = key
        slots[size] = slot
        _sift_up(keys, slots, size)
        return size + 1
    if key > keys[0]:
        keys[0] = key
        slots[0] = slot
        _sift_down(keys, slots, size)
    return size


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def top_values(rows, k, offset, extra, data, col_keys, col_rows, block_bound):  # type: ignore[no-untyped-def]
    """Per mentee of ``rows``: the ``k`` feasible mentors with the highest ``score - offset``
    (-1 where there are fewer), and upper bounds on ``score - offset`` and on the score of the
    feasible mentors not kept (-inf when none): the worst kept value, and that plus the
    largest offset. ``extra`` (rows x m, or 0 x 0) is added.

    Per mentor, too, updated in place across calls: ``col_rows[s, j]`` holds the mentees with
    the highest ``score - offset`` (``col_keys``, COLUMN_EMPTY and -1 while empty) seen by parallel
    slice ``s`` of the rows, so that a mentor few mentees rank high still gets its best
    mentees as candidates (``col_keys.shape[2] == 0``: not tracked).

    ``block_bound`` (mentees x blocks of BLOCK mentors, or 0 x 0: not kept) receives per
    mentee and block an upper bound on ``score - offset`` over the feasible mentors not kept
    (the certificate's first memory, see :func:`check_rows`)."""
    count = rows.shape[0]
    m = offset.shape[0]
    picked = np.full((count, k), -1, dtype=np.int64)
    bound_value = np.full(count, -np.inf, dtype=np.float64)
    bound_score = np.full(count, -np.inf, dtype=np.float64)
    slabs = max(1, min(col_keys.shape[0], count))
    col_k = col_keys.shape[2]
    use_extra = extra.shape[0] > 0
    top_offset = np.float64(offset.max()) if m else 0.0
    blocks = (m + BLOCK - 1) // BLOCK
    for s in prange(slabs):
        row, counts, touched = _scratch(m)
        keys, slots = _heap(k)
        block_best = np.empty(blocks, dtype=np.float32)
        cut_keys, cut_slots = _heap(k)
        my_keys = col_keys[s]
        my_rows = col_rows[s]
        floor = np.empty(m, dtype=np.float32)  # smallest kept key per mentor
        for j in range(m if col_k > 0 else 0):
            floor[j] = my_keys[j].min()
        for r in range(s * count // slabs, (s + 1) * count // slabs):
            _fill(rows[r], row, counts, touched, extra, r if use_extra else -1, data)
            j = 0
            while col_k > 0 and j < m:
                end = min(m, j + BLOCK)
                # most blocks hold no mentor for whom this mentee beats the kept ones
                if _block_beats(row, offset, floor, j, end):
                    for jj in range(j, end):
                        score = row[jj]
                        if score > FEASIBLE32:
                            value = score - offset[jj]
                            if value > floor[jj]:
                                floor[jj] = _replace_min(my_keys[jj], my_rows[jj], value, rows[r])
                j = end
            # every block's best value; the k-th largest of them is a floor under the row's
            # k-th best (k distinct mentors reach it): no block or mentor below it can be kept
            for b in range(blocks):
                block_best[b] = _block_top(row, offset, b * BLOCK, min(m, (b + 1) * BLOCK))
            cut = np.float32(-np.inf)
            if blocks > k:
                filled = 0
                for b in range(blocks):
                    filled = _push(cut_keys, cut_slots, filled, block_best[b], b)
                if cut_keys[0] > FEASIBLE32:
                    cut = cut_keys[0]
            size = 0
            for b in range(blocks):
                if block_best[b] < cut or (size == k and block_best[b] <= keys[0]):
                    continue
                for jj in range(b * BLOCK, min(m, (b + 1) * BLOCK)):
                    score = row[jj]
                    value = score - offset[jj]  # float32, like the block maxima
                    if score <= FEASIBLE32 or value < cut:
                        continue
                    size = _push(keys, slots, size, value, jj)
            for q in range(size):
                picked[r, q] = slots[q]
            if block_bound.shape[0] > 0:
                # a mentor not kept is below the worst kept one (when k were kept; else
                # every feasible mentor was kept)
                out = block_bound[rows[r]]
                for b in range(blocks):
                    value = block_best[b]
                    if size < k:
                        value = COLUMN_EMPTY
                    elif keys[0] < value:
                        value = keys[0]
                    out[b] = _stored_bound(value)
            if size == k:
                # every mentor not kept is at most as good as the worst kept one
                bound_value[r] = keys[0]
                bound_score[r] = keys[0] + top_offset
    return picked, bound_value, bound_score


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _replace_min(keys, slots, key, slot):  # type: ignore[no-untyped-def]
    """Put (key, slot) in place of the smallest of ``keys`` (which it beats); returns the new
    smallest key."""
    low = 0
    for q in range(1, keys.shape[0]):
        if keys[q] < keys[low]:
            low = q
    keys[low] = key
    slots[low] = slot
    smallest = keys[0]
    for q in range(1, keys.shape[0]):
        if keys[q] < smallest:
            smallest = keys[q]
    return smallest


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def check_rows(  # type: ignore[no-untyped-def]
    rows,
    candidate_ptr,
    candidate_mentor,
    price,
    utility,
    score_factor,
    per_match,
    floor,
    slack,
    per_row,
    scale,
    margin,
    extra,
    data,
    block_bound,
    block_ref,
    offsets,
    block_lift,
    ref_now,
    partial,
):
    """Certificate pass. For each mentee of ``rows`` (candidate mentors of row r are
    ``candidate_mentor[candidate_ptr[r]:candidate_ptr[r + 1]]``), every feasible non-candidate
    pair at or above ``floor`` gets the upper bound

        upper = score_factor * ceil((score + margin) * scale) + per_match - price[mentor]

    on its gain minus the mentor's price. Returns the (at most ``per_row``) mentors with the
    largest upper bound above ``utility[r] - slack`` (-1 padded), and an upper bound on that
    of the non-candidates *not* returned.

    Block bounds (0 x 0: none): per mentee and block b of BLOCK mentors,
    ``block_bound[mentee, b]`` >= score - offsets[ref][j] over the block's non-candidate pairs
    (mentor j in b), as of the pass that last scored that block (``ref = block_ref[mentee, b]``;
    -1: never). Without scoring anything, ``score_factor * scale * bound + block_lift[ref, b]``
    (the largest ``score_factor * scale * offsets[ref][j] - price[j]`` over the block) plus the
    rounding lift bounds gain - price in the block; blocks whose bound stays at or below the
    mentee's utility are done. The others are scored (one by one when there are at most
    ``partial`` of them, else the whole row) and get fresh bounds against ``offsets[ref_now]``."""
    count = rows.shape[0]
    m = price.shape[0]
    blocks = (m + BLOCK - 1) // BLOCK
    near = np.full((count, per_row), -1, dtype=np.int64)
    remaining = np.full(count, -np.inf, dtype=np.float64)
    use_extra = extra.shape[0] > 0
    use_bounds = block_bound.shape[0] > 0
    # upper <= score_factor * scale * score - price + lift (ceil adds at most 1)
    lift = score_factor * (margin * scale + 1.0) + per_match
    weight = score_factor * scale
    chunk = 32
    for c in prange((count + chunk - 1) // chunk):
        row, counts, touched = _scratch(m)
        keys = np.empty(per_row, dtype=np.float64)
        slots = np.empty(per_row, dtype=np.int64)
        failing = np.ones(blocks, dtype=np.bool_)
        spare_bound = np.empty(blocks, dtype=np.float32)
        spare_ref = np.full(blocks, -1, dtype=np.int16)
        starts = np.empty(blocks, dtype=np.uint64)
        ends = np.empty(blocks, dtype=np.uint64)
        for r in range(c * chunk, min(count, (c + 1) * chunk)):
            i = rows[r]
            extra_row = r if use_extra else -1
            limit = utility[r] - slack
            skipped = -np.inf  # the largest bound of a block left unscored
            whole = True
            mine = block_bound[i] if use_bounds else spare_bound
            refs = block_ref[i] if use_bounds else spare_ref
            if use_bounds:
                open_blocks = 0
                for b in range(blocks):
                    failing[b] = True
                    ref = refs[b]
                    if ref >= 0:
                        value = weight * np.float64(mine[b]) + block_lift[ref, b] + lift
                        if value <= utility[r]:
                            failing[b] = False
                            skipped = value if value > skipped else skipped
                            continue
                    open_blocks += 1
                if open_blocks == 0:
                    remaining[r] = skipped
                    continue
                whole = open_blocks > partial
            if whole:
                skipped = -np.inf
                _fill(i, row, counts, touched, extra, extra_row, data)
                for b in range(blocks):
                    failing[b] = True
            else:
                spans = 0
                for b in range(blocks):
                    if failing[b]:
                        starts[spans] = b * BLOCK
                        ends[spans] = min(m, (b + 1) * BLOCK)
                        spans += 1
                _fill_spans(i, row, starts, ends, spans, counts, touched, extra, extra_row, data)
            for q in range(candidate_ptr[r], candidate_ptr[r + 1]):
                row[candidate_mentor[q]] = NEG32  # (blocks not scored: never read)
            size = 0
            for b in range(blocks):
                if not failing[b]:
                    continue
                j = b * BLOCK
                end = min(m, j + BLOCK)
                if use_bounds:
                    mine[b] = _stored_bound(_block_top(row, offsets[ref_now], j, end))
                    refs[b] = ref_now
                    top = weight * np.float64(mine[b]) + block_lift[ref_now, b]
                else:
                    top = _block_max(row, price, j, end, weight)
                # most blocks cannot hold a pair that improves the answer
                if top + lift <= limit:
                    continue
                for jj in range(j, end):
                    score = row[jj]
                    if score <= FEASIBLE32 or score < floor:
                        continue
                    upper = (
                        score_factor * math.ceil((score + margin) * scale) + per_match - price[jj]
                    )
                    if upper > limit:
                        size = _push(keys, slots, size, upper, jj)
            for q in range(size):
                near[r, q] = slots[q]
            # the pairs not returned are below the limit, or below the worst one returned,
            # or in a block left unscored
            held = keys[0] if size == per_row else limit
            remaining[r] = held if held > skipped else skipped
    return near, remaining


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def column_max(rows, offset, extra, data, m, slabs):  # type: ignore[no-untyped-def]
    """Per mentor: the largest ``score - offset[r]`` over the feasible pairs with the mentees
    of ``rows`` (-inf where there is none), in ``slabs`` parallel slices (one per thread)."""
    count = rows.shape[0]
    slabs = max(1, min(slabs, count))
    best = np.full((slabs, m), -np.inf, dtype=np.float64)
    use_extra = extra.shape[0] > 0
    for s in prange(slabs):
        row, counts, touched = _scratch(m)
        mine = best[s]
        for r in range(s * count // slabs, (s + 1) * count // slabs):
            _fill(rows[r], row, counts, touched, extra, r if use_extra else -1, data)
            shift = offset[r]
            for j in range(m):
                score = row[j]
                if score > FEASIBLE32:
                    value = np.float64(score) - shift
                    if value > mine[j]:
                        mine[j] = value
    out = best[0].copy()
    for s in range(1, slabs):
        for j in range(m):
            if best[s, j] > out[j]:
                out[j] = best[s, j]
    return out


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def score_rows(rows, extra, data, m):  # type: ignore[no-untyped-def]
    """Dense float32 rows (mostly for tests: the same values the fused passes see)."""
    out = np.empty((rows.shape[0], m), dtype=np.float32)
    use_extra = extra.shape[0] > 0
    for r in prange(rows.shape[0]):
        counts = np.zeros(m, dtype=np.int32)
        touched = np.empty(m, dtype=np.int64)
        extra_row = np.int64(r) if use_extra else np.int64(-1)
        _fill(rows[r], out[r], counts, touched, extra, extra_row, data)
    return out


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def pair_intersections(a_bits, b_bits, rows, cols):  # type: ignore[no-untyped-def]
    """|A & B| of the pairs (rows[p], cols[p]) of two bitset matrices (people x words)."""
    out = np.empty(rows.shape[0], dtype=np.float64)
    words = a_bits.shape[1]
    for p in prange(rows.shape[0]):
        mine = a_bits[rows[p]]
        theirs = b_bits[cols[p]]
        count = 0
        for w in range(words):
            count += _popcount(mine[w] & theirs[w])  # type: ignore[call-arg]
        out[p] = count
    return out


@njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def summarise(rows, wanted, k, lift, tracked, extra, data, col_count, col_keys, col_rows):  # type: ignore[no-untyped-def]
    """What the report of unmatched people needs, from one pass over the ``rows`` (mentees).

    Per row with ``wanted[r]``: the number of feasible mentors, the ``k`` best of them by
    score, and among the mentors with a finite ``lift[j]`` the number of feasible ones and
    the ``k`` best by score + lift (-1 padded, in no particular order). Per mentor
    ``tracked[c]``, updated in place across calls (parallel slice ``s`` in ``col_count[s, c]``,
    ``col_keys[s, c]`` and ``col_rows[s, c]``; keys COLUMN_EMPTY and rows -1 while empty):
    the number of feasible mentees and the ``k`` best by score. Feasible as in the float32
    scorer (its rules are lenient by 1e-5 at a hard threshold: callers check the pairs they
    show exactly)."""
    count = rows.shape[0]
    m = lift.shape[0]
    feasible = np.zeros(count, dtype=np.int64)
    feasible_lifted = np.zeros(count, dtype=np.int64)
    best = np.full((count, k), -1, dtype=np.int64)
    best_lifted = np.full((count, k), -1, dtype=np.int64)
    slabs = max(1, min(col_keys.shape[0], count))
    use_extra = extra.shape[0] > 0
    for s in prange(slabs):
        row, counts, touched = _scratch(m)
        keys, slots = _heap(k)
        lifted_keys, lifted_slots = _heap(k)
        floor = np.empty(tracked.shape[0], dtype=np.float32)  # smallest kept key per column
        for c in range(tracked.shape[0]):
            floor[c] = col_keys[s, c].min()
        for r in range(s * count // slabs, (s + 1) * count // slabs):
            _fill(rows[r], row, counts, touched, extra, r if use_extra else -1, data)
            for c in range(tracked.shape[0]):
                score = row[tracked[c]]
                if score > FEASIBLE32:
                    col_count[s, c] += 1
                    if score > floor[c]:
                        floor[c] = _replace_min(col_keys[s, c], col_rows[s, c], score, rows[r])
            if not wanted[r]:
                continue
            size = 0
            lifted_size = 0
            total = 0
            total_lifted = 0
            for j in range(m):
                score = row[j]
                if score <= FEASIBLE32:
                    continue
                total += 1
                size = _push(keys, slots, size, score, j)
                if lift[j] > FEASIBLE32:
                    total_lifted += 1
                    lifted_size = _push(lifted_keys, lifted_slots, lifted_size, score + lift[j], j)
            feasible[r] = total
            feasible_lifted[r] = total_lifted
            for q in range(size):
                best[r, q] = slots[q]
            for q in range(lifted_size):
                best_lifted[r, q] = lifted_slots[q]
    return feasible, feasible_lifted, best, best_lifted
