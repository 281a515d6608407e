"""Every write of the matching workflow: runs, the coordinator's decisions, publishing,
relationships ending and rematching. Views, the API, the CLI and tasks all call these.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.leases import WORKER_STOPPED, Heartbeat, expired_before, fail_task_results
from tandem.core.services import record_audit
from tandem.enrolment.highlights import common_ground, highlights
from tandem.matches.enums import PairRuleKind, RunMode, RunObjective, RunStatus
from tandem.matches.models import MatchRun, PairRule, ProposedMatch, UnmatchedMentee, proposal_fit
from tandem.matches.problem import (
    Pool,
    build_problem,
    criterion_label,
    install_default_criteria,
    mentor_capacity,
    ready_pool,
)
from tandem.matching.explain import Reader
from tandem.matching.warmup import kernels_ready
from tandem.mentoring.models import OPEN_STATUSES, Relationship
from tandem.mentoring.services.groups import introduce_group
from tandem.mentoring.services.mentorships import (
    PairSpec,
    change_program_status,
    create_group,
    create_pair,
    create_pairs,
)
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify_many
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership, Program

log = logging.getLogger(__name__)

#: Pools up to this many people are matched at once, in the request (once the engine's kernels
#: are loaded in this process); larger ones in the worker.
INLINE_POOL_LIMIT = 400
#: How many alternatives an unmatched mentee's entry keeps.
ALTERNATIVES = 3


# --- the pool ---------------------------------------------------------------------------


def open_relationship_counts(program: Program) -> tuple[set[int], Counter[int]]:
    """Mentees already in an open relationship, and open relationships per mentor."""
    open_relationships = Relationship.objects.filter(program=program, status__in=OPEN_STATUSES)
    matched_mentees = set(open_relationships.values_list("mentee_id", flat=True))
    per_mentor: Counter[int] = Counter(
        dict(
            open_relationships.values_list("mentor_id")
            .annotate(n=Count("id"))
            .values_list("mentor_id", "n")
        )
    )
    return matched_mentees, per_mentor


def unmatched_people(
    program: Program,
) -> tuple[list[Membership], list[Membership], dict[int, int]]:
    """Ready mentees not yet matched, ready mentors with places left, and those places."""
    mentees, mentors = ready_pool(program)
    matched_mentees, per_mentor = open_relationship_counts(program)
    free = {m.pk: max(0, mentor_capacity(m) - per_mentor[m.pk]) for m in mentors}
    return (
        [m for m in mentees if m.pk not in matched_mentees],
        [m for m in mentors if free[m.pk] > 0],
        free,
    )


def matching_pool(program: Program, *, extra_locks: Sequence[tuple[int, int]] = ()) -> Pool:
    """The :func:`unmatched_people` as an engine problem under the program's criteria."""
    install_default_criteria(program)
    mentees, mentors, free = unmatched_people(program)
    return build_problem(
        program, mentees=mentees, mentors=mentors, free_capacity=free, extra_locks=extra_locks
    )


def explain_empty_pool(program: Program) -> str:
    """Why nobody can be matched, in words a coordinator can act on."""
    from tandem.enrolment.enums import FunnelStep
    from tandem.enrolment.readiness import funnel_members

    by_role: Counter[str] = Counter()
    not_ready: Counter[str] = Counter()
    approved = funnel_members(program).filter(status=MembershipStatus.APPROVED).order_by()
    for role, stage, count in approved.values_list("role", "readiness_stage").annotate(
        n=Count("id")
    ):
        (by_role if stage == FunnelStep.READY else not_ready)[role] += count
    parts = []
    for role, label in ((Role.MENTEE, "mentees"), (Role.MENTOR, "mentors")):
        if by_role[role] == 0:
            parts.append(
                f"no {label} are ready to match ({not_ready[role]} approved {label} still have "
                "steps left: see the enrolment funnel)"
            )
    if not parts:
        parts.append("everyone who is ready is already matched or their mentors are full")
    return "Nobody can be matched: " + "; ".join(parts) + "."


# --- runs -------------------------------------------------------------------------------


def start_run(
    program: Program,
    *,
    by: User,
    name: str = "",
    objective: RunObjective = RunObjective.COVERAGE,
    mode: RunMode = RunMode.OPTIMAL,
    keep_from: MatchRun | None = None,
    dispatch: bool = True,
) -> MatchRun:
    """Create a run over the ready pool; small pools are matched now (when the engine's kernels
    are loaded in this process), larger ones by the worker.

    ``keep_from``: re-run the rest around the coordinator's decisions in that run (its locked
    and manually assigned pairs are kept). ``dispatch=False``: only create the queued run; the
    caller runs it with :func:`execute_run` (the CLI does, for any pool size).
    """
    install_default_criteria(program)
    mentees, mentors, _ = unmatched_people(program)
    if not mentees or not mentors:
        raise ServiceError(explain_empty_pool(program), field="pool")
    criteria = program.matching_criteria.select_related("mentee_question", "mentor_question")
    with transaction.atomic():
        count = program.match_runs.count()
        kept = []
        if keep_from is not None:
            kept = list(
                keep_from.proposals.exclude(source=ProposedMatch.Source.ENGINE).values_list(
                    "mentee_id", "mentor_id"
                )
            )
        run = MatchRun.objects.create(
            program=program,
            name=name or f"Scenario {count + 1}",
            mode=mode,
            objective=objective,
            created_by=by,
            configuration={
                "criteria": [asdict_criterion(criterion) for criterion in criteria],
                "kept_pairs": kept,
                "mentees": len(mentees),
                "mentors": len(mentors),
            },
        )
        record_audit(by, "match_run.started", run, changes={"objective": objective, "mode": mode})
    if not dispatch:
        return run
    return _dispatch(run, size=len(mentees) + len(mentors))


def _dispatch(run: MatchRun, *, size: int) -> MatchRun:
    # Inline only when this process has the engine's kernels loaded: a request never waits
    # for their compilation (the worker does it behind the progress bar).
    if size <= INLINE_POOL_LIMIT and kernels_ready():
        execute_run(run.pk)
        run.refresh_from_db()
    else:
        from tandem.matches.tasks import execute_match_run

        run_id = run.pk
        transaction.on_commit(lambda: execute_match_run.enqueue(run_id))
    return run


def asdict_criterion(criterion: Any) -> dict[str, Any]:
    return {
        "label": criterion_label(criterion),
        "kind": criterion.kind,
        "weight": criterion.weight,
        "hard": criterion.hard,
        "threshold": criterion.threshold,
        "params": criterion.params,
    }


class RunStopped(Exception):
    """The run is no longer running under this worker (cancelled, or failed by the sweep)."""


def _set_progress(run_id: int, percent: int, message: str) -> None:
    """Record the progress and renew the lease — only while the run is still running: a run the
    coordinator cancelled (or the sweep failed) stops at its next step."""
    updated = MatchRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=percent, progress_message=message, heartbeat_at=timezone.now()
    )
    if not updated:
        raise RunStopped(run_id)


def _renew_lease(run_id: int) -> None:
    MatchRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())


def execute_run(
    run_id: int, *, report: Callable[[int, str], None] | None = None, task_id: str = ""
) -> MatchRun:
    """Match the pool for a queued run and store its proposals. Safe to call once per run.

    ``report(percent, message)`` also hears the progress (the CLI prints it). ``task_id``: the
    task row running it, failed with the run if this worker dies. While it works the run's lease
    is renewed (each progress step, and every few seconds by a heartbeat thread); a run that is
    cancelled meanwhile stops at its next progress step and stores nothing.
    """

    def _progress(run_id: int, percent: int, message: str) -> None:
        _set_progress(run_id, percent, message)
        if report is not None:
            report(percent, message)

    now = timezone.now()
    claimed = MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        task_id=task_id,
        progress=5,
        progress_message="Reading profiles",
    )
    run = MatchRun.objects.select_related("program").get(pk=run_id)
    if not claimed:
        return run
    program = run.program
    try:
        with Heartbeat(lambda: _renew_lease(run_id)):
            started = time.perf_counter()
            kept = [(int(a), int(b)) for a, b in run.configuration.get("kept_pairs", [])]
            pool = matching_pool(program, extra_locks=kept)
            pool_seconds = time.perf_counter() - started
            _progress(run_id, 15, "Scoring every pair and solving")
            total = max(1, len(pool.mentees))

            def progress(done: int) -> None:
                _progress(
                    run_id,
                    15 + int(70 * min(done, total) / total),
                    f"Scored {min(done, total):,} of {total:,} mentees",
                )

            matcher = matching.Matcher(pool.problem)
            result = matcher.solve(str(run.mode), str(run.objective), progress=progress)  # type: ignore[arg-type]  # TextChoices values are the engine's literals
            _progress(run_id, 90, "Saving the proposals")
            saving = time.perf_counter()
            _store_result(run, pool, result, kept)
        stored = MatchRun.objects.get(pk=run_id)
        stored.stats["app_seconds"] = {
            "pool": round(pool_seconds, 4),
            "save": round(time.perf_counter() - saving, 4),
        }
        stored.save(update_fields=["stats"])
    except RunStopped:
        log.info("Match run %s stopped: it was cancelled or its lease ran out", run_id)
    except matching.MatchingError as error:
        _fail(run_id, str(error))
        log.info("Match run %s failed: %s", run_id, error)
    except Exception:
        # Never leave a run "running" for ever (its page polls until it ends): record the
        # failure for the coordinator, then let the worker log and report the error.
        _fail(run_id, "An unexpected error stopped this run; the administrators were told.")
        raise
    run.refresh_from_db()
    return run


def _fail(run_id: int, error: str) -> None:
    MatchRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED,
        error=error,
        finished_at=timezone.now(),
        progress=100,
        progress_message="",
    )


#: Runs a coordinator can cancel, and those they can run again.
CANCELLABLE = (RunStatus.QUEUED, RunStatus.RUNNING)
RETRYABLE = (RunStatus.FAILED, RunStatus.CANCELLED)


def cancel_run(run: MatchRun, *, by: User) -> MatchRun:
    """Stop a queued or running run. A queued one never starts; a running one stops at its next
    progress step (within seconds) and stores nothing."""
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in CANCELLABLE:
            raise ServiceError(
                f"{locked.name} is {locked.get_status_display().lower()}: only a run that is "
                "waiting or running can be cancelled."
            )
        was = locked.status
        locked.status = RunStatus.CANCELLED
        locked.error = f"Cancelled by {by.display_name}."
        locked.finished_at = timezone.now()
        locked.progress_message = ""
        locked.save(update_fields=["status", "error", "finished_at", "progress_message"])
        record_audit(by, "match_run.cancelled", locked, changes={"status": [was, "cancelled"]})
    return locked


def retry_run(run: MatchRun, *, by: User) -> MatchRun:
    """Run a failed or cancelled run again, with the same settings, over today's pool."""
    mentees, mentors, _ = unmatched_people(run.program)
    if not mentees or not mentors:
        raise ServiceError(explain_empty_pool(run.program), field="pool")
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().select_related("program").get(pk=run.pk)
        if locked.status not in RETRYABLE:
            raise ServiceError(
                f"{locked.name} is {locked.get_status_display().lower()}: only a failed or "
                "cancelled run can be run again."
            )
        was = locked.status
        MatchRun.objects.filter(pk=locked.pk).update(
            status=RunStatus.QUEUED,
            progress=0,
            progress_message="",
            error="",
            stats={},
            notes=[],
            started_at=None,
            heartbeat_at=None,
            finished_at=None,
            task_id="",
        )
        record_audit(by, "match_run.retried", locked, changes={"status": [was, "queued"]})
        locked.refresh_from_db()
    return _dispatch(locked, size=len(mentees) + len(mentors))


def fail_stopped_runs(now: dt.datetime | None = None) -> int:
    """Mark failed, with a plain reason, the runs whose worker stopped renewing their lease
    (killed, or its host gone), and their task rows too; returns how many. Periodic."""
    cutoff = expired_before(now)
    stopped = list(
        MatchRun.objects.filter(status=RunStatus.RUNNING)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
        .values_list("pk", "task_id")
    )
    failed = 0
    for run_id, task_id in stopped:
        failed += (
            MatchRun.objects.filter(pk=run_id, status=RunStatus.RUNNING)
            .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
            .update(
                status=RunStatus.FAILED,
                error=WORKER_STOPPED,
                finished_at=timezone.now(),
                progress_message="",
            )
        )
        fail_task_results([task_id])
        log.warning("Match run %s failed: its worker stopped renewing the lease", run_id)
    return failed


def create_active_relationship(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    source: Relationship.Source,
    pair_score: matching.PairScore,
    started_at: dt.datetime | None = None,
) -> Relationship:
    """An active relationship carrying the engine's score and explanation of the pair.

    The caller has checked (under its locks) that the mentee is free and the mentor has room.
    """
    return create_pair(
        program,
        PairSpec(
            mentee_id=mentee.pk,
            mentor_id=mentor.pk,
            source=source,
            score=pair_score.score,
            contributions=_contributions(pair_score.contributions),
            explanation=pair_score.explanation,
        ),
        started_at=started_at,
    )


def _contributions(items: Sequence[matching.Contribution]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


def _store_result(
    run: MatchRun, pool: Pool, result: matching.MatchResult, kept: Sequence[tuple[int, int]]
) -> None:
    kept_set = {(int(a), int(b)) for a, b in kept}
    locked_rules = {
        (rule.mentee_id, rule.mentor_id)
        for rule in PairRule.objects.filter(program=run.program, kind=PairRuleKind.LOCK)
    }
    group_of: dict[str, int] = {}
    for number, group in enumerate(result.groups, start=1):
        for mentee_id in group.mentee_ids:
            group_of[mentee_id] = number
    proposals = []
    for match in result.matches:
        pair = (int(match.mentee_id), int(match.mentor_id))
        source = ProposedMatch.Source.ENGINE
        if pair in kept_set:
            source = ProposedMatch.Source.MANUAL
        elif pair in locked_rules:
            source = ProposedMatch.Source.LOCKED
        proposals.append(
            ProposedMatch(
                run=run,
                mentee_id=pair[0],
                mentor_id=pair[1],
                score=match.score,
                fit=proposal_fit(match.score, match.contributions),
                contributions=_contributions(match.contributions),
                explanation=match.explanation,
                choice_rank=match.choice_rank,
                source=source,
                group_number=group_of.get(match.mentee_id),
            )
        )
    unmatched = [
        UnmatchedMentee(
            run=run,
            mentee_id=int(entry.person_id),
            reason_code=entry.reason_code,
            reason=entry.reason,
            alternatives=[
                {
                    "mentor": int(alt.mentor_id),
                    "score": alt.score,
                    "explanation": alt.explanation,
                    "failed_rules": list(alt.failed_rules),
                    "fit": alt.fit,
                }
                for alt in entry.alternatives[:ALTERNATIVES]
            ],
        )
        for entry in result.unmatched
        if entry.role == "mentee"
    ]
    stats = asdict(result.stats)
    stats["mentor_load"] = {str(k): v for k, v in stats.get("mentor_load", {}).items()}
    stats["groups"] = [asdict(group) for group in result.groups]
    # mentors without a mentee and why (metadata the scenario comparison shows)
    stats["idle_mentors"] = [
        {"mentor": int(entry.person_id), "reason_code": entry.reason_code}
        for entry in result.unmatched
        if entry.role == "mentor"
    ]
    with transaction.atomic():
        # Still ours? (not cancelled, nor failed by the sweep meanwhile) — then store it.
        finished = MatchRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE,
            stats=stats,
            notes=list(result.notes),
            finished_at=timezone.now(),
            progress=100,
            progress_message="",
        )
        if not finished:
            raise RunStopped(run.pk)
        ProposedMatch.objects.bulk_create(proposals, batch_size=1000)
        UnmatchedMentee.objects.bulk_create(unmatched, batch_size=1000)


# --- the coordinator's decisions before publishing --------------------------------------


def _editable(run: MatchRun) -> MatchRun:
    run = MatchRun.objects.select_for_update(of=("self",)).select_related("program").get(pk=run.pk)
    if run.status == RunStatus.PUBLISHED:
        raise ServiceError(f"{run.name} is already published: change relationships instead.")
    if run.status == RunStatus.STALE:
        raise ServiceError(
            f"{run.name} is out of date: another scenario was published since. Start a new run."
        )
    if run.status != RunStatus.DONE:
        raise ServiceError(f"{run.name} is {run.get_status_display().lower()}: wait for it.")
    return run


def _check_pair(run: MatchRun, mentee: Membership, mentor: Membership) -> None:
    if mentee.program_id != run.program_id or mentor.program_id != run.program_id:
        raise ServiceError("Both people must be in this program.")
    if mentee.role != Role.MENTEE or mentor.role != Role.MENTOR:
        raise ServiceError("Pick a mentee and a mentor.")


#: The audit log's action for each kind of pair rule.
PAIR_RULE_ACTIONS = {PairRuleKind.LOCK: "pair.locked", PairRuleKind.FORBID: "pair.forbidden"}


def set_pair_rule(
    program: Program, *, mentee: Membership, mentor: Membership, kind: PairRuleKind, by: User
) -> PairRule:
    """Lock or forbid a pair for this and every later run (replacing an opposite rule)."""
    with transaction.atomic():
        rule, _ = PairRule.objects.update_or_create(
            mentee=mentee,
            mentor=mentor,
            defaults={"program": program, "kind": kind, "created_by": by},
        )
        record_audit(
            by, PAIR_RULE_ACTIONS[kind], rule, changes={"mentee": mentee.pk, "mentor": mentor.pk}
        )
    return rule


def clear_pair_rule(rule: PairRule, *, by: User) -> None:
    with transaction.atomic():
        record_audit(by, "pair.rule_cleared", rule)
        rule.delete()


def assign_in_run(
    run: MatchRun, *, mentee: Membership, mentor: Membership, by: User
) -> ProposedMatch:
    """Put ``mentee`` with ``mentor`` in the scenario, with the pair's live score."""
    with transaction.atomic():
        run = _editable(run)
        _check_pair(run, mentee, mentor)
        if PairRule.objects.filter(mentee=mentee, mentor=mentor, kind=PairRuleKind.FORBID).exists():
            raise ServiceError("This pair is forbidden: remove the rule first.")
        taken = run.proposals.filter(mentor=mentor).exclude(mentee=mentee).count()
        _, per_mentor = open_relationship_counts(run.program)
        places = mentor_capacity(mentor) - per_mentor[mentor.pk]
        if taken >= places:
            raise ServiceError(
                f"{mentor.user.display_name} has no place left in this scenario "
                f"({places} place{'s' if places != 1 else ''}): move one of their mentees first."
            )
        pair_score = score_pair(run.program, mentee=mentee, mentor=mentor)
        proposal, _ = ProposedMatch.objects.update_or_create(
            run=run,
            mentee=mentee,
            defaults={
                "mentor": mentor,
                "score": pair_score.score,
                "fit": proposal_fit(pair_score.score, pair_score.contributions),
                "contributions": _contributions(pair_score.contributions),
                "explanation": pair_score.explanation,
                "choice_rank": pair_score.choice_rank,
                "source": ProposedMatch.Source.MANUAL,
            },
        )
        run.unmatched.filter(mentee=mentee).delete()
        record_audit(
            by, "match_run.assigned", run, changes={"mentee": mentee.pk, "mentor": mentor.pk}
        )
    return proposal


def unassign_in_run(run: MatchRun, *, mentee: Membership, by: User) -> None:
    with transaction.atomic():
        run = _editable(run)
        deleted, _ = run.proposals.filter(mentee=mentee).delete()
        if deleted:
            UnmatchedMentee.objects.create(
                run=run,
                mentee=mentee,
                reason_code="removed",
                reason="Taken out of this scenario by a coordinator.",
            )
            record_audit(by, "match_run.unassigned", run, changes={"mentee": mentee.pk})


def swap_in_run(run: MatchRun, *, first: Membership, second: Membership, by: User) -> None:
    """Exchange the mentors of two mentees in the scenario."""
    with transaction.atomic():
        run = _editable(run)
        one = run.proposals.select_related("mentor__user").filter(mentee=first).first()
        two = run.proposals.select_related("mentor__user").filter(mentee=second).first()
        if one is None or two is None:
            raise ServiceError("Both mentees must have a mentor in this scenario to swap.")
        for proposal, mentor in ((one, two.mentor), (two, one.mentor)):
            pair_score = score_pair(run.program, mentee=proposal.mentee, mentor=mentor)
            proposal.mentor = mentor
            proposal.score = pair_score.score
            proposal.fit = proposal_fit(pair_score.score, pair_score.contributions)
            proposal.contributions = _contributions(pair_score.contributions)
            proposal.explanation = pair_score.explanation
            proposal.choice_rank = pair_score.choice_rank
            proposal.source = ProposedMatch.Source.MANUAL
            proposal.save()
        record_audit(by, "match_run.swapped", run, changes={"mentees": [first.pk, second.pk]})


def _proposal_of(run: MatchRun, mentee: Membership) -> ProposedMatch:
    proposal = run.proposals.select_related("mentor__user").filter(mentee=mentee).first()
    if proposal is None:
        raise ServiceError(
            f"{mentee.user.display_name} has no mentor in {run.name}.", field="mentee"
        )
    return proposal


def lock_in_run(run: MatchRun, *, mentee: Membership, by: User) -> PairRule:
    """Keep the mentee's pair in this scenario and in every later run (a lock rule)."""
    with transaction.atomic():
        run = _editable(run)
        proposal = _proposal_of(run, mentee)
        rule = set_pair_rule(
            run.program, mentee=mentee, mentor=proposal.mentor, kind=PairRuleKind.LOCK, by=by
        )
        if proposal.source == ProposedMatch.Source.ENGINE:
            proposal.source = ProposedMatch.Source.LOCKED
            proposal.save(update_fields=["source"])
    return rule


def forbid_in_run(run: MatchRun, *, mentee: Membership, by: User) -> PairRule:
    """Never pair the mentee with their mentor in this scenario: forbid and take it out."""
    with transaction.atomic():
        run = _editable(run)
        proposal = _proposal_of(run, mentee)
        rule = set_pair_rule(
            run.program, mentee=mentee, mentor=proposal.mentor, kind=PairRuleKind.FORBID, by=by
        )
        proposal.delete()
        UnmatchedMentee.objects.create(
            run=run,
            mentee=mentee,
            reason_code="forbidden",
            reason=(
                f"Their pair with {proposal.mentor.user.display_name} was forbidden by a "
                "coordinator."
            ),
        )
    return rule


def score_pair(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    reader: Reader = "coordinator",
) -> matching.PairScore:
    """The live score and explanation of one pair under the program's criteria, written for
    ``reader`` ("pair" for the explanation both of them read once they are matched)."""
    install_default_criteria(program)
    pool = build_problem(program, mentees=[mentee], mentors=[mentor])
    return matching.Matcher(pool.problem).score_pair(str(mentee.pk), str(mentor.pk), reader=reader)


def pair_explanations(
    program: Program, pairs: Sequence[tuple[Membership, Membership]]
) -> list[str]:
    """Why each (mentee, mentor) was matched, written to the two of them (the introduction,
    their match page, the workspace): one engine problem for all the pairs."""
    if not pairs:
        return []
    install_default_criteria(program)
    mentees = list({m.pk: m for m, _ in pairs}.values())
    mentors = list({m.pk: m for _, m in pairs}.values())
    matcher = matching.Matcher(build_problem(program, mentees=mentees, mentors=mentors).problem)
    index_mentee = matcher.model.mentee_index
    index_mentor = matcher.model.mentor_index
    scores = matcher.pair_scores(
        np.array([index_mentee[str(a.pk)] for a, _ in pairs], dtype=np.int64),
        np.array([index_mentor[str(b.pk)] for _, b in pairs], dtype=np.int64),
        reader="pair",
    )
    return [score.explanation for score in scores]


# --- publishing ---------------------------------------------------------------------------

#: The stages in which matches can be published (and pairs made by hand).
PUBLISHING_STAGES = frozenset({ProgramStatus.MATCHING, ProgramStatus.ACTIVE})


def check_publishing(program: Program) -> None:
    """Refuse to start relationships outside the stages that have them: publishing matches
    is possible from the matching stage on, or while enrolling when the program's
    "publish matches during enrolment" setting (``early_publishing``) is on."""
    status = ProgramStatus(program.status)
    if status in PUBLISHING_STAGES:
        return
    if status == ProgramStatus.ENROLLING and program.early_publishing:
        return
    if status == ProgramStatus.ENROLLING:
        raise ServiceError(
            f"{program.name} is still enrolling: close enrolment and start matching before "
            "you publish matches, or switch on “Publish matches during enrolment” in the "
            "program's settings.",
            field="status",
        )
    if status == ProgramStatus.DRAFT:
        raise ServiceError(
            f"{program.name} is a draft: open enrolment, then start matching, before you "
            "publish matches.",
            field="status",
        )
    raise ServiceError(
        f"{program.name} is {status.label.lower()}: it takes no new matches.", field="status"
    )


def publishing_moves_to_active(program: Program) -> bool:
    """Publishing in the matching stage starts the program (it becomes active)."""
    return program.status == ProgramStatus.MATCHING


def publish_run(run: MatchRun, *, by: User) -> list[Relationship]:
    """Turn a reviewed scenario into relationships, all or nothing, and introduce the pairs.

    Refused outside the publishing stages (:func:`check_publishing`); published in the
    matching stage, it makes the program active."""
    with transaction.atomic():
        check_publishing(Program.objects.select_for_update().get(pk=run.program_id))
        run = _editable(run)
        program = run.program
        proposals = list(
            run.proposals.select_related("mentee__user", "mentor__user").order_by("id")
        )
        if not proposals:
            raise ServiceError(f"{run.name} has no pairs to publish.")
        member_ids = {p.mentee_id for p in proposals} | {p.mentor_id for p in proposals}
        current = {
            m.pk: m for m in Membership.objects.select_for_update().filter(pk__in=member_ids)
        }
        matched_mentees, per_mentor = open_relationship_counts(program)
        problems = []
        load: Counter[int] = Counter()
        for proposal in proposals:
            mentee, mentor = current.get(proposal.mentee_id), current.get(proposal.mentor_id)
            if mentee is None or mentee.status != MembershipStatus.APPROVED:
                problems.append(f"{proposal.mentee.user.display_name} is no longer approved")
            if mentor is None or mentor.status != MembershipStatus.APPROVED:
                problems.append(f"{proposal.mentor.user.display_name} is no longer approved")
            if proposal.mentee_id in matched_mentees:
                problems.append(f"{proposal.mentee.user.display_name} already has a mentor")
            load[proposal.mentor_id] += 1
        for mentor_id, count in load.items():
            mentor = current[mentor_id]
            if per_mentor[mentor_id] + count > mentor_capacity(mentor):
                problems.append(
                    f"{mentor.user.display_name} would have {per_mentor[mentor_id] + count} "
                    f"mentees for {mentor_capacity(mentor)} places"
                )
        if problems:
            raise ServiceError(
                f"{run.name} cannot be published because things changed since it ran: "
                + "; ".join(problems[:5])
                + ("; …" if len(problems) > 5 else "")
                + ". Run the scenario again."
            )
        now = timezone.now()
        # the coordinator reviewed the third-person text; the pair reads theirs ("you are …")
        why = pair_explanations(program, [(p.mentee, p.mentor) for p in proposals])
        relationships = create_pairs(
            program,
            [
                PairSpec(
                    mentee_id=p.mentee_id,
                    mentor_id=p.mentor_id,
                    source=Relationship.Source.RUN,
                    score=p.score,
                    contributions=p.contributions,
                    explanation=text,
                )
                for p, text in zip(proposals, why, strict=True)
            ],
            run=run,
            started_at=now,
            own_mentorships=run.mode != RunMode.GROUPS,
        )
        if run.mode == RunMode.GROUPS:
            _create_groups(run, proposals)
        run.status = RunStatus.PUBLISHED
        run.published_at, run.published_by = now, by
        run.save(update_fields=["status", "published_at", "published_by"])
        program.match_runs.filter(status=RunStatus.DONE).update(status=RunStatus.STALE)
        record_audit(by, "match_run.published", run, changes={"pairs": len(proposals)})
        if run.mode != RunMode.GROUPS:  # groups get one group introduction instead
            introduce_pairs(
                program,
                [(p.mentee, p.mentor, text) for p, text in zip(proposals, why, strict=True)],
            )
        if publishing_moves_to_active(program):
            change_program_status(program, to=ProgramStatus.ACTIVE, by=by)
    return relationships


def _create_groups(run: MatchRun, proposals: Sequence[ProposedMatch]) -> None:
    by_mentor: dict[int, list[ProposedMatch]] = {}
    for proposal in proposals:
        by_mentor.setdefault(proposal.mentor_id, []).append(proposal)
    group_stats = {g["mentor_id"]: g for g in run.stats.get("groups", [])}
    for mentor_id, members in by_mentor.items():
        mentor = members[0].mentor
        stats = group_stats.get(str(mentor_id), {})
        group = create_group(
            run.program,
            name=f"{mentor.user.display_name}'s group",
            facilitator_ids=[mentor_id],
            mentee_ids=[p.mentee_id for p in members],
            run=run,
            fit=stats.get("fit"),
            diversity=stats.get("diversity"),
        )
        introduce_group(group)


def introduction_messages(
    program: Program, pairs: Sequence[tuple[Membership, Membership, str]]
) -> list[Message]:
    """Both sides' introductions for (mentee, mentor, why) pairs."""
    url = program.get_absolute_url() + "match/"
    return [
        Message(
            recipient=person.user,
            context={
                "partner": partner.user,
                "partner_role": partner.get_role_display().lower(),
                "partner_first_name": partner.user.get_short_name() or partner.user.display_name,
                "highlights": highlights(partner),
                "common_ground": common_ground(person, partner),
                "why": why,
            },
            url=url,
        )
        for mentee, mentor, why in pairs
        for person, partner in ((mentee, mentor), (mentor, mentee))
    ]


def introduce_pairs(program: Program, pairs: Sequence[tuple[Membership, Membership, str]]) -> None:
    """Introduce both sides of each (mentee, mentor, why) pair, in the app and by e-mail."""
    notify_many(
        introduction_messages(program, pairs),
        kind=NotificationKind.MATCH_INTRODUCTION,
        program=program,
    )
