"""Stable mode (mentee-proposing deferred acceptance with capacities) and a blocking-pair
checker usable on any assignment.

Preferences, on the integer gain scale round(score * 10000):

* a mentee prefers higher scores; with ``honour_first`` its chosen mentors come first, in its
  order;
* a mentor prefers the mentees of its own ranking (in order) if it gave one, then higher scores.

A pair (mentee, mentor) *blocks* an assignment when it is feasible, not matched together, the
mentee strictly prefers the mentor to its current match (or is unmatched), and the mentor has a
free seat or strictly prefers the mentee to the least preferred mentee it has.
"""

from __future__ import annotations

import heapq

import numpy as np

from .arrays import FloatArray, IntArray
from .scoring import FEASIBLE_ABOVE, Candidates, Progress, ScoreModel, to_gain

RANKED = 1_000_000_000  # preference value of a ranked choice: RANKED - rank (above any gain)


def mentee_preference(
    model: ScoreModel, mentee: IntArray, mentor: IntArray, score: FloatArray, honour_first: bool
) -> IntArray:
    value = to_gain(score)
    if honour_first:
        rank = model.choice_ranks(mentee, mentor)
        value = np.where(rank > 0, RANKED - rank, value)
    return value


def mentor_preference(
    model: ScoreModel, mentee: IntArray, mentor: IntArray, score: FloatArray
) -> IntArray:
    value = to_gain(score)
    if model.has_mentor_rankings:
        rank = model.mentor_ranks(mentee, mentor)
        value = np.where(rank > 0, RANKED - rank, value)
    return value


def deferred_acceptance(
    model: ScoreModel,
    candidates: Candidates,
    active: IntArray,
    cap_max: IntArray,
    honour_first: bool,
) -> IntArray:
    """Mentee-proposing deferred acceptance. Each mentee's list starts with its candidates; it
    is extended with every feasible mentor (exact scores) before the mentee would propose to a
    candidate that a non-candidate might beat, so the result is stable over all pairs."""
    n = model.n
    is_active = np.zeros(n, dtype=np.bool_)
    is_active[active] = True
    keep = is_active[candidates.mentee]
    c_mentee = candidates.mentee[keep]
    c_mentor = candidates.mentor[keep]
    c_score = candidates.score[keep]
    pref = mentee_preference(model, c_mentee, c_mentor, c_score, honour_first)
    order = np.lexsort((c_mentor, -pref, c_mentee))
    c_mentee, c_mentor, c_score, pref = (
        c_mentee[order],
        c_mentor[order],
        c_score[order],
        pref[order],
    )
    starts = np.searchsorted(c_mentee, np.arange(n + 1))
    lists: dict[int, list[int]] = {}
    prefs: dict[int, list[int]] = {}
    row_bound = candidates.bound
    bound = to_gain(np.where(np.isfinite(row_bound), row_bound, -1e9)) + 1
    has_bound = np.isfinite(row_bound)
    extended = np.zeros(n, dtype=np.bool_)
    pointer = np.zeros(n, dtype=np.int64)
    mentor_key_cache: dict[tuple[int, int], int] = {}
    seats: list[list[tuple[int, int]]] = [[] for _ in range(model.m)]  # heap of (key, -mentee)
    mentor_of = np.full(n, -1, dtype=np.int64)

    def mentor_key(i: int, j: int, score: float) -> int:
        key = mentor_key_cache.get((i, j))
        if key is None:
            key = int(mentor_preference(model, np.array([i]), np.array([j]), np.array([score]))[0])
            mentor_key_cache[(i, j)] = key
        return key

    scores: dict[tuple[int, int], float] = {}

    def extend(i: int) -> None:
        extended[i] = True
        row_score, feasible = model.row_scores(i)
        tried = set(lists.get(i, [])[: pointer[i]])
        mentors = np.array([j for j in np.nonzero(feasible)[0] if j not in tried], dtype=np.int64)
        row_pref = mentee_preference(
            model,
            np.full(len(mentors), i, dtype=np.int64),
            mentors,
            row_score[mentors],
            honour_first,
        )
        rank = np.lexsort((mentors, -row_pref))
        lists[i] = [*lists.get(i, [])[: pointer[i]], *mentors[rank].tolist()]
        prefs[i] = [*prefs.get(i, [])[: pointer[i]], *row_pref[rank].tolist()]
        for j in mentors.tolist():
            scores[(i, int(j))] = float(row_score[j])

    for i in active.tolist():
        lists[i] = c_mentor[starts[i] : starts[i + 1]].tolist()
        prefs[i] = pref[starts[i] : starts[i + 1]].tolist()
        for j, s in zip(lists[i], c_score[starts[i] : starts[i + 1]].tolist(), strict=True):
            scores[(i, j)] = s

    free = list(reversed(active.tolist()))
    while free:
        i = free.pop()
        while True:
            p = int(pointer[i])
            if not extended[i] and has_bound[i] and (p >= len(lists[i]) or prefs[i][p] <= bound[i]):
                extend(i)
                continue
            if p >= len(lists[i]):
                break  # stays unmatched
            j = lists[i][p]
            pointer[i] = p + 1
            if cap_max[j] <= 0:
                continue
            key = (mentor_key(i, j, scores[(i, j)]), -i)
            heap = seats[j]
            if len(heap) < cap_max[j]:
                heapq.heappush(heap, key)
                mentor_of[i] = j
                break
            if key > heap[0]:
                _, negative = heapq.heappushpop(heap, key)
                loser = -negative
                mentor_of[loser] = -1
                mentor_of[i] = j
                free.append(loser)
                break
    return mentor_of


def count_blocking_pairs(
    model: ScoreModel,
    mentor_of: IntArray,
    *,
    honour_first: bool = False,
    exact_limit: int = 20_000_000,
    progress: Progress | None = None,
) -> int:
    """Number of blocking pairs of ``mentor_of`` (mentee -> mentor index or -1) over all pairs.

    Exact when mentees x mentors <= ``exact_limit``; beyond that, scores come from the float32
    blocks and only preferences stronger by more than 1 gain unit (0.0001) are counted."""
    n, m = model.n, model.m
    if n == 0 or m == 0:
        return 0
    matched = np.nonzero(mentor_of >= 0)[0]
    cur_score, _ = model.evaluate(matched, mentor_of[matched])
    current = np.full(n, np.iinfo(np.int64).min // 4, dtype=np.int64)
    current[matched] = mentee_preference(
        model, matched, mentor_of[matched], cur_score, honour_first
    )
    held = mentor_preference(model, matched, mentor_of[matched], cur_score)
    worst = np.full(m, np.iinfo(np.int64).max // 4, dtype=np.int64)
    np.minimum.at(worst, mentor_of[matched], held)
    load = np.bincount(mentor_of[matched], minlength=m)
    spare = load < model.cap_max
    exact = n * m <= exact_limit or honour_first or model.has_mentor_rankings
    total = 0
    rows = max(1, min(n, 2_000_000 // m))
    for start in range(0, n, rows) if exact else ():
        mentee = np.arange(start, min(n, start + rows), dtype=np.int64)
        a = np.repeat(mentee, m)
        b = np.tile(np.arange(m, dtype=np.int64), len(mentee))
        score, feasible = model.evaluate(a, b)
        want = mentee_preference(model, a, b, score, honour_first) > current[a]
        accept = spare[b] | (mentor_preference(model, a, b, score) > worst[b])
        total += int((feasible & want & accept & (mentor_of[a] != b)).sum())
        if progress is not None:
            progress(len(mentee))
    if exact:
        return total
    worst_f = worst.astype(np.float64) + 1.0
    for block in model.blocks():
        acc = model.block(block)
        gain = acc.astype(np.float64) * 10_000
        feasible = acc > FEASIBLE_ABOVE
        want = gain > (current[block].astype(np.float64) + 1.0)[:, None]
        accept = spare[None, :] | (gain > worst_f[None, :])
        hit = feasible & want & accept
        own = mentor_of[block]
        rows_matched = np.nonzero(own >= 0)[0]
        hit[rows_matched, own[rows_matched]] = False
        total += int(hit.sum())
        if progress is not None:
            progress(len(block))
    return total
