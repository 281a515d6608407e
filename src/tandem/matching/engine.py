"""The matching engine: :class:`Matcher` (encode once, then solve / suggest / score pairs)."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import Embedder, IntArray
from .criteria import distinct
from .errors import InfeasibleLockError, MatchingInputError
from .explain import Reader, explain, ordinal
from .flow import solve_flow
from .groups import improve_groups
from .model import (
    MODES,
    OBJECTIVES,
    SCORE_SCALE,
    Contribution,
    Group,
    Match,
    MatchResult,
    Mode,
    Objective,
    PairScore,
    Problem,
    Stats,
    Unmatched,
)
from .optimal import Certified, Gain, certified_solve, max_gain
from .scoring import FEASIBLE_ABOVE, FLOAT_MARGIN, Candidates, Progress, ScoreModel, to_gain
from .stable import count_blocking_pairs, deferred_acceptance

#: Candidate mentors kept per mentee (by score - pilot price). At 100,000 x 25,000: 25 -> 21-22 s,
#: 40 -> 25-27 s (more arcs in every solve; the few extra improving pairs are cheap to add).
DEFAULT_CANDIDATES = 25
#: Mentees without any eligible mentor whose reason names the rule that rules out the last
#: ones (an exact look at the whole row each, ~4 ms at 25,000 mentors); the others' reason
#: says only that no mentor passes the hard rules.
DETAILED_UNMATCHED = 2000
#: Alternatives shown per unmatched person.
ALTERNATIVES = 3
#: Lift of free mentors in an unmatched mentee's second list (above any score): they come
#: before mentors that are only freeable.
FREE_FIRST = 10.0


def default_embedder(cache_dir: Path | None) -> Embedder:
    def embed(texts: Sequence[str]) -> np.ndarray:
        from .embeddings import embed_texts

        return embed_texts(texts, cache_dir=cache_dir)

    return embed


class Timer:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start


class Matcher:
    """Encodes a :class:`Problem` once; then :meth:`solve`, :meth:`suggest`,
    :meth:`score_pair`. Build one per problem and reuse it (the directory's suggestions need
    the encoding to be done already to answer in milliseconds)."""

    def __init__(self, problem: Problem, *, embedder: Embedder | None = None) -> None:
        self.problem = problem
        self.timer = Timer()
        needs_text = any(c.kind == "text" for c in problem.criteria)
        if embedder is None and needs_text:
            embedder = default_embedder(problem.cache_dir)
        with self.timer.phase("encode"), _no_gc():
            self.model = ScoreModel(problem, embedder)

    # ----------------------------------------------------------------------------- pairs
    def _mentee(self, mentee_id: str) -> int:
        try:
            return self.model.mentee_index[mentee_id]
        except KeyError:
            raise MatchingInputError(
                "no such mentee", column="mentee_id", value=mentee_id
            ) from None

    def _mentor(self, mentor_id: str) -> int:
        try:
            return self.model.mentor_index[mentor_id]
        except KeyError:
            raise MatchingInputError(
                "no such mentor", column="mentor_id", value=mentor_id
            ) from None

    def pair_scores(
        self,
        mentee: IntArray,
        mentor: IntArray,
        *,
        with_explanation: bool = True,
        reader: Reader | None = None,
    ) -> list[PairScore]:
        """Full detail (contributions, rules, explanation for ``reader``) for index pairs."""
        return [
            PairScore(*row) for row in self._pair_rows(mentee, mentor, with_explanation, reader)
        ]

    def _pair_rows(
        self,
        mentee: IntArray,
        mentor: IntArray,
        with_explanation: bool,
        reader: Reader | None = None,
    ) -> list[tuple[Any, ...]]:
        """The fields of :class:`PairScore` for index pairs, in its order (the report builds
        its matches straight from them)."""
        model = self.model
        if len(mentee) == 0:
            return []
        mentee = np.asarray(mentee, dtype=np.int64)
        mentor = np.asarray(mentor, dtype=np.int64)
        crit = model.criterion_scores(mentee, mentor)
        total, feasible = model.totals(mentee, mentor, crit)
        ranks = model.choice_ranks(mentee, mentor)
        excluded = model.is_excluded(mentee, mentor)
        with _no_gc():
            totals = np.round(total, 6).tolist()
            bonuses = np.round(model.bonus_by_rank[ranks], 6).tolist()
            names = [enc.criterion.name for enc in model.encoded]
            hard = [c for c, enc in enumerate(model.encoded) if enc.criterion.hard]
            passes = {c: model.encoded[c].passes(crit[:, c]) for c in hard}
            infeasible = set(np.nonzero(~feasible)[0].tolist())
            factors = model.factor.tolist()
            # one Contribution per criterion and distinct score, shared by the pairs
            columns = []
            for c, enc in enumerate(model.encoded):
                values, inverse = np.unique(crit[:, c], return_inverse=True)
                rounded = np.round(values, 6).tolist()
                parts = np.round(values * model.factor[c], 6).tolist()
                shared = [
                    Contribution(names[c], enc.kind, value, part)
                    for value, part in zip(rounded, parts, strict=True)
                ]
                columns.append([shared[x] for x in inverse.reshape(-1).tolist()])
            contributions_of = list(zip(*columns, strict=True)) if columns else []
            rank_of = ranks.tolist()
            out = []
            for k, (i, j) in enumerate(zip(mentee.tolist(), mentor.tolist(), strict=True)):
                contributions = contributions_of[k] if columns else ()
                failed: list[str] = []
                if k in infeasible:
                    failed = [names[c] for c in hard if not passes[c][k]]
                    if excluded[k]:
                        failed.append(model.excluded_reason.get((i, j), "forbidden pair"))
                rank = rank_of[k] or None
                text: str = ""
                reasons: tuple[str, ...] = ()
                trade_offs: tuple[str, ...] = ()
                if with_explanation:
                    text, reasons, trade_offs = explain(
                        model.encoded,
                        factors,
                        model.mentees[i],
                        model.mentors[j],
                        i,
                        j,
                        crit[k].tolist(),
                        rank,
                        reader=reader,
                    )
                out.append(
                    (
                        model.mentees[i].id,
                        model.mentors[j].id,
                        totals[k],
                        contributions,
                        rank,
                        bonuses[k],
                        k not in infeasible,
                        tuple(failed),
                        text,
                        reasons,
                        trade_offs,
                    )
                )
        return out

    def score_pair(
        self, mentee_id: str, mentor_id: str, *, reader: Reader | None = None
    ) -> PairScore:
        """Live score and explanation of one pair (e.g. a coordinator's manual assignment),
        written for ``reader`` (see :mod:`tandem.matching.explain`)."""
        i, j = self._mentee(mentee_id), self._mentor(mentor_id)
        return self.pair_scores(np.array([i]), np.array([j]), reader=reader)[0]

    def suggest(
        self,
        mentee_id: str,
        limit: int = 10,
        *,
        include_infeasible: bool = False,
        reader: Reader | None = None,
    ) -> list[PairScore]:
        """Mentors ranked for one mentee (the self-selection directory), best first."""
        i = self._mentee(mentee_id)
        limit = min(limit, self.model.m)
        if limit <= 0:
            return []
        if include_infeasible:
            score, feasible = self.model.row_scores(i)
            top = np.arange(self.model.m)
        else:
            # float32 scores of the whole row, then exact scores for the few that can rank
            row = self.model.block(np.array([i], dtype=np.int64))[0]
            feasible_row = np.flatnonzero(row > FEASIBLE_ABOVE)
            if len(feasible_row) > limit:
                values = row[feasible_row]
                kth = np.partition(values, len(values) - limit)[len(values) - limit]
                feasible_row = feasible_row[values >= kth - 2 * FLOAT_MARGIN]
            top = feasible_row.astype(np.int64)
            score, feasible = self.model.evaluate(np.full(len(top), i, dtype=np.int64), top)
            top, score = top[feasible], score[feasible]
        order = np.lexsort((top, -score))[:limit]
        top = top[order]
        return self.pair_scores(
            np.full(len(top), i, dtype=np.int64), top.astype(np.int64), reader=reader
        )

    # ----------------------------------------------------------------------------- solve
    def solve(
        self,
        mode: Mode = "optimal",
        objective: Objective = "coverage",
        *,
        candidates_per_mentee: int | None = None,
        progress: Progress | None = None,
        check_blocking: bool | None = None,
        log: Callable[[str], None] | None = None,
        explain: bool = True,
    ) -> MatchResult:
        """Match everyone. ``explain=False`` skips the explanation sentences (benchmarks)."""
        if mode not in MODES:
            raise MatchingInputError(f"unknown mode (known: {', '.join(MODES)})", value=mode)
        if objective not in OBJECTIVES:
            raise MatchingInputError(
                f"unknown objective (known: {', '.join(OBJECTIVES)})", value=objective
            )
        timer = Timer()
        timer.phases.update(self.timer.phases)
        model = self.model
        problem = self.problem
        stats = Stats(mentees=model.n, mentors=model.m)
        notes: list[str] = []
        if model.n == 0 or model.m == 0:
            side = "mentees" if model.n == 0 else "mentors"
            notes.append(f"nothing to match: there are no {side}")
            unmatched = [
                Unmatched(p.id, "mentee", "no_mentors", "there are no mentors")
                for p in model.mentees
            ] + [
                Unmatched(p.id, "mentor", "no_mentees", "there are no mentees")
                for p in model.mentors
            ]
            stats.certified = True
            stats.certificate_gap = 0.0
            stats.phase_seconds = dict(timer.phases)
            return MatchResult(
                mode, objective, self._criteria_names(), [], unmatched, stats, notes=notes
            )

        with timer.phase("locks"):
            locked_mentor = self._locks()
        cap_max = model.cap_max.copy()
        cap_min = model.cap_min.copy()
        lock_load = np.bincount(
            np.array(list(locked_mentor.values()), dtype=np.int64), minlength=model.m
        )
        cap_max -= lock_load
        cap_min = np.maximum(cap_min - lock_load, 0)
        is_locked = np.zeros(model.n, dtype=np.bool_)
        is_locked[list(locked_mentor)] = True

        k = candidates_per_mentee or DEFAULT_CANDIDATES
        with timer.phase("score"):
            candidates = model.candidates(k, progress=progress)
        stats.candidate_pairs = len(candidates.mentee)

        extra_locks: dict[int, int] = {}
        if problem.choices.honour_first and mode != "stable":
            with timer.phase("choices first"):
                extra_locks = self._honour_first(candidates, is_locked, cap_min, cap_max)
            for i, j in extra_locks.items():
                is_locked[i] = True
                cap_max[j] -= 1
                cap_min[j] = max(cap_min[j] - 1, 0)
        active = np.nonzero(~is_locked)[0].astype(np.int64)

        certified: Certified | None = None
        if mode in ("optimal", "groups"):
            with timer.phase("solve+certify"):
                certified = self._optimise(
                    objective if mode == "optimal" else "coverage",
                    candidates,
                    active,
                    cap_min,
                    cap_max,
                    notes,
                    log,
                )
            mentor_of = certified.mentor_of
            stats.certificate_gap = certified.gap / SCORE_SCALE
            stats.certified = certified.gap == 0
            stats.certificate_rounds = certified.rounds
            below = certified.flow.below_minimum
            if len(below):
                notes.append(f"{len(below)} mentor(s) cannot reach their minimum number of mentees")
        else:
            with timer.phase("deferred acceptance"):
                mentor_of = deferred_acceptance(
                    model, candidates, active, cap_max, problem.choices.honour_first
                )
        for i, j in (*locked_mentor.items(), *extra_locks.items()):
            mentor_of[i] = j

        groups: list[Group] = []
        if mode == "groups":
            with timer.phase("groups"):
                movable = np.ones(model.n, dtype=np.bool_)
                movable[list(locked_mentor)] = False
                mentor_of, groups, lost = improve_groups(model, mentor_of, movable, problem.groups)
                if lost > 0:
                    notes.append(f"diversity exchanges cost {lost:.4f} of total fit")
                stats.certified = False

        if check_blocking is None:
            check_blocking = model.n * model.m <= 20_000_000
        if check_blocking:
            with timer.phase("blocking pairs"):
                stats.blocking_pairs = count_blocking_pairs(
                    model, mentor_of, honour_first=problem.choices.honour_first
                )
        with timer.phase("explain"):
            matches, unmatched = self._report(
                mentor_of, set(locked_mentor), candidates, objective, stats, explain
            )
        if stats.matched == 0 and all(
            u.reason_code == "no_eligible_mentor" for u in unmatched if u.role == "mentee"
        ):
            notes.append("the hard rules forbid every pair")
        stats.phase_seconds = {name: round(value, 4) for name, value in timer.phases.items()}
        return MatchResult(
            mode, objective, self._criteria_names(), matches, unmatched, stats, groups, notes
        )

    def _criteria_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.problem.criteria)

    def _locks(self) -> dict[int, int]:
        model = self.model
        locked: dict[int, int] = {}
        load: Counter[int] = Counter()
        for mentee_id, mentor_id in self.problem.locked:
            lock = (mentee_id, mentor_id)
            i, j = self._mentee(mentee_id), self._mentor(mentor_id)
            if i in locked and locked[i] != j:
                other = model.mentors[locked[i]].id
                raise InfeasibleLockError(lock, f"mentee {mentee_id} is also locked to {other}")
            if i in locked:
                continue
            detail = self.pair_scores(np.array([i]), np.array([j]))[0]
            if not detail.feasible:
                raise InfeasibleLockError(lock, f"breaks {', '.join(detail.failed_rules)}")
            load[j] += 1
            if load[j] > model.cap_max[j]:
                raise InfeasibleLockError(
                    lock, f"mentor {mentor_id} has capacity {model.cap_max[j]} and more locks"
                )
            locked[i] = j
        return locked

    def _honour_first(
        self, candidates: Candidates, is_locked: np.ndarray, cap_min: IntArray, cap_max: IntArray
    ) -> dict[int, int]:
        """Give as many mentees as possible one of their choices (better ranks first)."""
        model = self.model
        rank = model.choice_ranks(candidates.mentee, candidates.mentor)
        keep = (rank > 0) & ~is_locked[candidates.mentee]
        if not keep.any():
            return {}
        worst = int(rank.max()) + 1
        gain = (
            (worst - rank[keep]) * (10 * SCORE_SCALE)
            + to_gain(candidates.score[keep])
            + 1000 * SCORE_SCALE * worst
        )
        flow = solve_flow(
            model.n,
            model.m,
            candidates.mentee[keep],
            candidates.mentor[keep],
            gain,
            np.zeros(model.m, dtype=np.int64),
            cap_max,
        )
        return {int(i): int(flow.mentor_of[i]) for i in np.nonzero(flow.mentor_of >= 0)[0]}

    def _optimise(
        self,
        objective: Objective,
        candidates: Candidates,
        active: IntArray,
        cap_min: IntArray,
        cap_max: IntArray,
        notes: list[str],
        log: Callable[[str], None] | None,
    ) -> Certified:
        model = self.model
        if objective == "total":
            return certified_solve(
                model, candidates, Gain(1, 0), active, cap_min, cap_max, None, log
            )
        best = self._coverage(candidates, active, cap_min, cap_max, None, log)
        if objective == "coverage":
            return best
        if objective == "spread":
            return self._spread(best, candidates, active, cap_min, cap_max, notes, log)
        # fair: the largest threshold at which the maximum coverage is still reachable
        target = int((best.mentor_of[active] >= 0).sum())
        short = int((cap_min - best.flow.cap_min).sum())  # minimum seats no assignment fills
        if target == 0:
            return best
        matched = np.nonzero(best.mentor_of >= 0)[0]
        low = int(to_gain(model.evaluate(matched, best.mentor_of[matched])[0]).min())
        while True:
            values = distinct(to_gain(candidates.score))
            values = values[values >= low]
            lo, hi = 0, len(values) - 1  # values[lo] feasible
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self._reaches(
                    candidates, active, cap_min, cap_max, int(values[mid]), target, short
                ):
                    lo = mid
                else:
                    hi = mid - 1
            threshold = int(values[lo])
            above = certified_solve(
                model,
                candidates,
                Gain(0, 1),
                active,
                cap_min,
                cap_max,
                (threshold + 0.5) / SCORE_SCALE,
                log,
            )
            above_short = int((cap_min - above.flow.cap_min).sum())
            if int((above.mentor_of[active] >= 0).sum()) < target or above_short > short:
                break
            low = threshold + 1
        result = self._coverage(
            candidates, active, cap_min, cap_max, (threshold - 0.5) / SCORE_SCALE, log
        )
        notes.append(f"fair: the worst matched score is {threshold / SCORE_SCALE:.4f}")
        return result

    def _spread(
        self,
        best: Certified,
        candidates: Candidates,
        active: IntArray,
        cap_min: IntArray,
        cap_max: IntArray,
        notes: list[str],
        log: Callable[[str], None] | None,
    ) -> Certified:
        """Most mentees matched; then the smallest largest load (at most k mentees per mentor
        in this run, k as small as the most matches allow); then as few mentors without a
        mentee as possible; then the best total. Exact: every level is a certified solve.

        k: a binary search of certified cardinality solves with every mentor's capacity cut
        to k (never below its minimum). The idle mentors and the total: one certified solve
        with the cut capacities where a pair that takes a mentor's first seat gains B, B above
        any total fit (n x the largest gain), and every pair gains (mentors + 1) x B: a match
        less then costs more than any number of idle mentors and any fit can win back, an idle
        mentor more costs more than any fit. Without minimum capacities the levels do not
        compete: an assignment with the most matches can cover any set of mentors some
        assignment covers, under any cut k >= 1 (Mendelsohn–Dulmage), so the fewest idle
        mentors under the cut are the fewest possible at all."""
        model = self.model
        target = int((best.mentor_of[active] >= 0).sum())
        if target == 0:
            return best
        mentors = int((cap_max > 0).sum())
        low, high = max(1, -(-target // max(mentors, 1))), int(cap_max.max(initial=1))
        while low < high:  # high: the most matches are reachable with capacities cut to it
            mid = (low + high) // 2
            cut = np.minimum(cap_max, np.maximum(mid, cap_min))
            card = certified_solve(model, candidates, Gain(0, 1), active, cap_min, cut, None, log)
            if int((card.mentor_of[active] >= 0).sum()) >= target:
                high = mid
            else:
                low = mid + 1
        cut = np.minimum(cap_max, np.maximum(high, cap_min))
        seat = len(active) * max_gain(model) + 1
        gain = Gain(1, (mentors + 1) * seat, seat)
        result = certified_solve(model, candidates, gain, active, cap_min, cut, None, log)
        idle = int(((result.flow.load == 0) & (cap_max > 0)).sum())
        notes.append(
            f"spread: at most {high} mentee(s) per mentor in this run; "
            f"{idle} mentor(s) without a mentee"
        )
        return result

    def _reaches(
        self,
        candidates: Candidates,
        active: IntArray,
        cap_min: IntArray,
        cap_max: IntArray,
        threshold: int,
        target: int,
        short: int,
    ) -> bool:
        local = np.full(self.model.n, -1, dtype=np.int64)
        local[active] = np.arange(len(active))
        keep = (local[candidates.mentee] >= 0) & (to_gain(candidates.score) >= threshold)
        flow = solve_flow(
            len(active),
            self.model.m,
            local[candidates.mentee[keep]],
            candidates.mentor[keep],
            np.ones(int(keep.sum()), dtype=np.int64),
            cap_min,
            cap_max,
        )
        missing = int((cap_min - flow.cap_min).sum())
        return int((flow.mentor_of >= 0).sum()) >= target and missing <= short

    def _coverage(
        self,
        candidates: Candidates,
        active: IntArray,
        cap_min: IntArray,
        cap_max: IntArray,
        floor: float | None,
        log: Callable[[str], None] | None,
    ) -> Certified:
        """Most mentees matched, then the best total: gain = score + a per-match bonus B.
        B starts at the largest possible gain; if a pure cardinality solve matches more, B
        grows until both agree (the maximum weight for a given count is concave in the count,
        so some finite B gives the lexicographic optimum)."""
        model = self.model
        bonus = max_gain(model)
        cardinality: int | None = None
        while True:
            result = certified_solve(
                model, candidates, Gain(1, bonus), active, cap_min, cap_max, floor, log
            )
            matched = int((result.mentor_of[active] >= 0).sum())
            seats_full = bool((result.flow.load >= cap_max).all())
            if matched == len(active) or seats_full:
                return result
            if cardinality is None:
                card = certified_solve(
                    model, candidates, Gain(0, 1), active, cap_min, cap_max, floor, log
                )
                cardinality = int((card.mentor_of[active] >= 0).sum())
            if matched >= cardinality:
                return result
            bonus *= 16

    # ----------------------------------------------------------------------------- report
    def _report(
        self,
        mentor_of: IntArray,
        locked: set[int],
        candidates: Candidates,
        objective: Objective,
        stats: Stats,
        explain: bool,
    ) -> tuple[list[Match], list[Unmatched]]:
        model = self.model
        matched = np.nonzero(mentor_of >= 0)[0].astype(np.int64)
        rows = self._pair_rows(matched, mentor_of[matched], explain)
        with _no_gc():
            # PairScore fields: mentee, mentor, score, contributions, rank, ..., explanation
            matches = [
                Match(row[0], row[1], row[2], row[3], row[4], i in locked, row[8], row[10])
                for i, row in zip(matched.tolist(), rows, strict=True)
            ]
        scores = np.array([match.score for match in matches], dtype=np.float64)
        load = np.bincount(mentor_of[matched], minlength=model.m)
        stats.matched = len(matches)
        stats.matched_pct = round(100.0 * len(matches) / model.n, 2) if model.n else 0.0
        stats.total_score = round(float(scores.sum()), 4)
        stats.mean_score = round(float(scores.mean()), 4) if len(scores) else 0.0
        stats.min_score = round(float(scores.min()), 4) if len(scores) else 0.0
        with_choices = [i for i, p in enumerate(model.mentees) if p.choices]
        if with_choices:
            ranks = Counter(match.choice_rank for match in matches if match.choice_rank)
            total = len(with_choices)
            stats.choice_share = {
                ordinal(r): round(100.0 * ranks.get(r, 0) / total, 2) for r in (1, 2, 3)
            }
            stats.choice_share["any"] = round(100.0 * sum(ranks.values()) / total, 2)
        stats.mentor_load = {int(k): int(v) for k, v in sorted(Counter(load.tolist()).items())}
        stats.mentors_below_minimum = [
            model.mentors[j].id for j in np.nonzero(load < model.cap_min)[0].tolist()
        ]
        unmatched = self._unmatched(mentor_of, load, candidates, objective)
        return matches, unmatched

    def _unmatched(
        self, mentor_of: IntArray, load: IntArray, candidates: Candidates, objective: Objective
    ) -> list[Unmatched]:
        """Every unmatched mentee and every mentor without mentees, with the reason and the
        best alternatives. One compiled pass finds what the reasons rest on (feasible
        mentors and mentees, the best ones, free seats); the pairs shown are checked exactly,
        and a person whose float32 picture disagrees with the exact rules is looked at
        exactly, on its own."""
        model = self.model
        out: list[Unmatched] = []
        lonely = np.nonzero(mentor_of < 0)[0].astype(np.int64)
        idle = np.nonzero((load == 0) & (model.cap_max > 0))[0].astype(np.int64)
        if not len(lonely) and not len(idle):
            return out
        free = load < model.cap_max
        # second list per mentee: free mentors first, then (under `total`) mentors that
        # could take one more mentee by shifting others along candidate pairs
        lift = np.full(model.m, -np.inf, dtype=np.float32)
        if objective == "total":
            lift[_freeable_mentors(candidates, mentor_of, load, model.cap_max)] = 0.0
        lift[free] = FREE_FIRST
        if len(idle):  # a mentor's feasible mentees: every mentee's row is needed
            rows = np.arange(model.n, dtype=np.int64)
            wanted = mentor_of < 0
        else:
            rows = lonely
            wanted = np.ones(len(lonely), dtype=np.bool_)
        summary = model.summarise(rows, wanted, lift, idle, ALTERNATIVES + 3)
        where = np.nonzero(wanted)[0]
        mentee = rows[where]
        # exact scores of every listed pair at once (-1: no mentor in that slot)
        best = _exact_rows(model, mentee, summary.best[where], ALTERNATIVES)
        lifted = summary.best_lifted[where]
        listed = lifted >= 0
        lifted_ok = np.zeros(lifted.shape, dtype=np.bool_)
        lifted_ok[listed] = model.evaluate(
            np.broadcast_to(mentee[:, None], lifted.shape)[listed], lifted[listed]
        )[1]
        has_free = (lifted_ok & free[np.maximum(lifted, 0)]).any(axis=1)
        shown = best >= 0
        details = iter(
            self.pair_scores(
                np.broadcast_to(mentee[:, None], best.shape)[shown], best[shown].astype(np.int64)
            )
        )
        named = 0
        for k, (r, i) in enumerate(zip(where.tolist(), mentee.tolist(), strict=True)):
            person = model.mentees[i]
            if summary.feasible[r] == 0:  # none in float32 (lenient): none exactly
                out.append(self._no_eligible_mentor(i, named < DETAILED_UNMATCHED))
                named += 1
                continue
            count = int(shown[k].sum())
            alternatives = tuple(next(details) for _ in range(count))
            if not count or (summary.feasible_lifted[r] and not lifted_ok[k].any()):
                out.append(self._unmatched_mentee_exactly(i, load, lift, objective))
                continue
            code, reason = _mentee_reason(
                bool(has_free[k]), bool(lifted_ok[k].any()), int(summary.feasible[r])
            )
            out.append(Unmatched(person.id, "mentee", code, reason, alternatives))
        columns = _exact_rows(model, idle, summary.column_best, ALTERNATIVES, by_mentor=True)
        shown = columns >= 0
        details = iter(
            self.pair_scores(
                columns[shown].astype(np.int64),
                np.broadcast_to(idle[:, None], columns.shape)[shown],
            )
        )
        for c, j in enumerate(idle.tolist()):
            eligible = int(summary.column_feasible[c])
            count = int(shown[c].sum())
            alternatives = tuple(next(details) for _ in range(count))
            if eligible and not count:
                out.append(self._idle_mentor_exactly(j, objective))
            else:
                out.append(_idle_mentor(model.mentors[j].id, eligible, alternatives, objective))
        return out

    def _no_eligible_mentor(self, i: int, name_rule: bool) -> Unmatched:
        """A mentee no mentor is allowed for; ``name_rule``: say which rule empties the set
        (an exact look at its whole row)."""
        model = self.model
        person = model.mentees[i]
        if not name_rule:
            return Unmatched(
                person.id, "mentee", "no_eligible_mentor", "no mentor passes the hard rules"
            )
        names = model.hard_rule_names()
        fails = model.failing_rules(i, np.arange(model.m, dtype=np.int64))
        alone = [names[r] for r in range(len(names)) if fails[r].all()]
        if alone:
            rule = alone[0]
        else:
            remaining = np.ones(model.m, dtype=np.bool_)
            rule = names[-1]
            for r in range(len(names)):
                remaining &= ~fails[r]
                if not remaining.any():
                    rule = names[r]
                    break
        return Unmatched(
            person.id,
            "mentee",
            "no_eligible_mentor",
            f"no mentor passes the hard rules ({rule} rules out the last ones)",
        )

    def _unmatched_mentee_exactly(
        self, i: int, load: IntArray, lift: np.ndarray, objective: Objective
    ) -> Unmatched:
        """An unmatched mentee from its exact row (when the float32 picture is unsure)."""
        model = self.model
        score, feasible = model.row_scores(i)
        eligible = np.nonzero(feasible)[0]
        if len(eligible) == 0:
            return self._no_eligible_mentor(i, True)
        top = eligible[np.lexsort((eligible, -score[eligible]))][:ALTERNATIVES]
        alternatives = tuple(self.pair_scores(np.full(len(top), i), top.astype(np.int64)))
        code, reason = _mentee_reason(
            bool((load[eligible] < model.cap_max[eligible]).any()),
            bool(np.isfinite(lift[eligible]).any()),
            len(eligible),
        )
        return Unmatched(model.mentees[i].id, "mentee", code, reason, alternatives)

    def _idle_mentor_exactly(self, j: int, objective: Objective) -> Unmatched:
        """A mentor without mentees from its exact column (when the float32 picture is
        unsure)."""
        model = self.model
        column, feasible = model.evaluate(
            np.arange(model.n, dtype=np.int64), np.full(model.n, j, dtype=np.int64)
        )
        eligible = np.nonzero(feasible)[0]
        top = eligible[np.lexsort((eligible, -column[eligible]))][:ALTERNATIVES]
        alternatives = tuple(self.pair_scores(top.astype(np.int64), np.full(len(top), j)))
        return _idle_mentor(model.mentors[j].id, len(eligible), alternatives, objective)


def _exact_rows(
    model: ScoreModel, owner: IntArray, listed: IntArray, keep: int, by_mentor: bool = False
) -> IntArray:
    """Per row of ``listed`` (people of the other side, -1 padded; row ``r`` belongs to
    ``owner[r]``): the exactly feasible ones, best exact score first (then index), at most
    ``keep``, -1 padded. ``by_mentor``: the owners are mentors, the listed people mentees."""
    rows, slots = np.nonzero(listed >= 0)
    other = listed[rows, slots].astype(np.int64)
    pair = (other, owner[rows]) if by_mentor else (owner[rows], other)
    score, ok = model.evaluate(*pair)
    rows, other, score = rows[ok], other[ok], score[ok]
    order = np.lexsort((other, -score, rows))
    rows, other = rows[order], other[order]
    first = np.searchsorted(rows, rows)  # position of each row's first entry
    place = np.arange(len(rows)) - first
    out = np.full((len(listed), keep), -1, dtype=np.int64)
    fits = place < keep
    out[rows[fits], place[fits]] = other[fits]
    return out


def _idle_mentor(
    person_id: str, eligible: int, alternatives: tuple[PairScore, ...], objective: Objective
) -> Unmatched:
    """A mentor without mentees that ``eligible`` mentees could have."""
    if eligible == 0:
        return Unmatched(
            person_id,
            "mentor",
            "no_eligible_mentee",
            "no mentee passes the hard rules with this mentor",
        )
    if objective == "spread":
        # under `spread`, a mentee who could move here without another mentor losing their
        # only mentee (or their minimum) would have moved: fewer idle mentors wins over fit
        return Unmatched(
            person_id,
            "mentor",
            "needed_elsewhere",
            f"its {eligible} eligible mentee(s) are needed elsewhere: each is locked, another "
            "mentor's only mentee, or needed for another mentor's minimum",
            alternatives,
        )
    return Unmatched(
        person_id,
        "mentor",
        "lost_to_better_fit",
        f"its {eligible} eligible mentee(s) fit better elsewhere",
        alternatives,
    )


def _mentee_reason(free: bool, freeable: bool, eligible: int) -> tuple[str, str]:
    """(code, sentence) for an unmatched mentee with eligible mentors: whether one of them
    has a free seat, whether (under `total`) one could be freed by shifting others."""
    if free:
        return (
            "lost_to_better_fit",
            "a free mentor passes the rules but the pair adds nothing to the total",
        )
    if freeable:
        return (
            "lost_to_better_fit",
            f"lost to better overall fit: the seats of its {eligible} eligible "
            "mentor(s) give a higher total to other mentees",
        )
    return (
        "capacity_exhausted",
        f"capacity exhausted: all {eligible} eligible mentor(s) are full",
    )


def _freeable_mentors(
    candidates: Candidates, mentor_of: IntArray, load: IntArray, cap_max: IntArray
) -> np.ndarray:
    """Mentors who could take one more mentee by shifting others along candidate pairs."""
    freeable = load < cap_max
    matched_candidate = mentor_of[candidates.mentee] >= 0
    while True:
        reach = matched_candidate & freeable[candidates.mentor]
        new = np.zeros_like(freeable)
        new[mentor_of[candidates.mentee[reach]]] = True
        grown = freeable | new
        if (grown == freeable).all():
            return freeable
        freeable = grown


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects (encoding 125,000
    profiles; 100,000 pairs and 700,000 contributions): with a large live heap its collections
    took a third to three quarters of the time, and they free nothing there."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def solve(
    problem: Problem,
    mode: Mode = "optimal",
    objective: Objective = "coverage",
    *,
    embedder: Embedder | None = None,
    candidates_per_mentee: int | None = None,
    progress: Progress | None = None,
    check_blocking: bool | None = None,
) -> MatchResult:
    """Match ``problem`` (see :class:`Matcher` to reuse the encoding)."""
    return Matcher(problem, embedder=embedder).solve(
        mode,
        objective,
        candidates_per_mentee=candidates_per_mentee,
        progress=progress,
        check_blocking=check_blocking,
    )


def suggest(
    problem: Problem, mentee_id: str, limit: int = 10, *, embedder: Embedder | None = None
) -> list[PairScore]:
    """Ranked mentors for one mentee. For repeated calls keep a :class:`Matcher`."""
    return Matcher(problem, embedder=embedder).suggest(mentee_id, limit)


def score_pair(
    problem: Problem, mentee_id: str, mentor_id: str, *, embedder: Embedder | None = None
) -> PairScore:
    """Score and explanation of one pair. For repeated calls keep a :class:`Matcher`."""
    return Matcher(problem, embedder=embedder).score_pair(mentee_id, mentor_id)
