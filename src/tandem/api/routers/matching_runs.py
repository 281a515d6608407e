"""Matching criteria, the preview, runs (scenarios), comparisons, edits and publishing.

Coordinators and org admins only (participants 403, outsiders 404), like the web pages.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.enrolment.models import ProfileQuestion
from tandem.matches import criteria as criteria_services
from tandem.matches import queries, rules, services
from tandem.matches.enums import CriterionKind, RunMode, RunObjective, RunStatus
from tandem.matches.models import MatchingCriterion, MatchRun, ProposedMatch
from tandem.programs.access import Access
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program

router = Router(tags=["matching"])

PROGRAM = "/organizations/{org}/programs/{program}/matching"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas ------------------------------------------------------------------------------


class CriterionOut(Schema):
    id: int
    kind: CriterionKind
    description: str
    mentee_question: str
    mentor_question: str | None
    weight: float
    hard: bool
    threshold: float | None
    params: dict[str, Any]
    position: int
    is_default: bool


class CriterionIn(Schema):
    kind: CriterionKind
    #: Question keys.
    mentee_question: str
    mentor_question: str | None = None
    weight: float = 1.0
    hard: bool = False
    threshold: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    tolerance: float | None = None
    scale_km: float | None = None
    scale_hours: float | None = None
    need: float | None = None
    #: ``preference``: key of the mentee's "similar or different" question.
    preference_question: str | None = Field(default=None, max_length=60)


class ContributionOut(Schema):
    criterion: str
    kind: str
    score: float
    contribution: float


class SuggestionOut(Schema):
    mentor_id: int
    mentor: str
    score: float
    #: how well the profiles fit, 0–100 (the score without the choice bonus; the one scale
    #: every page shows)
    fit_percent: float = Field(ge=0, le=100)
    feasible: bool
    choice_rank: int | None
    explanation: str
    contributions: list[ContributionOut]


class PreviewOut(Schema):
    mentee_id: int | None
    mentee: str | None
    mentors: int
    message: str
    suggestions: list[SuggestionOut]


class RunIn(Schema):
    name: str = ""
    objective: RunObjective = RunObjective.COVERAGE
    mode: RunMode = RunMode.OPTIMAL
    #: Re-run the rest around the decisions (locks, manual pairs) made in this run.
    keep_from: int | None = None


class FiguresOut(Schema):
    mentees: int
    matched: int
    matched_pct: float
    #: the pairs' mean and lowest fit, 0–100 (the one fit scale)
    mean_fit_percent: float | None = Field(ge=0, le=100)
    lowest_fit_percent: float | None = Field(ge=0, le=100)
    choice_share: dict[str, float]
    mentor_load: dict[str, int]
    certificate_gap: float | None
    certified: bool
    unmatched: int
    unmatched_reasons: dict[str, int]


class RunOut(Schema):
    id: int
    name: str
    mode: RunMode
    objective: RunObjective
    status: RunStatus
    progress: int
    progress_message: str
    error: str
    created_at: Any
    finished_at: Any | None
    published_at: Any | None
    figures: FiguresOut


class ProposalOut(Schema):
    mentee_id: int
    mentee: str
    mentor_id: int
    mentor: str
    score: float
    #: how well the profiles fit, 0–100 (the score without the choice bonus; the one scale
    #: every page shows)
    fit_percent: float = Field(ge=0, le=100)
    explanation: str
    choice_rank: int | None
    source: str
    group_number: int | None
    contributions: list[ContributionOut]


class AlternativeOut(Schema):
    mentor_id: int
    mentor: str
    score: float
    #: how well the profiles fit, 0–100 (the score without the choice bonus; the one scale
    #: every page shows)
    fit_percent: float = Field(ge=0, le=100)
    explanation: str
    failed_rules: list[str]


class UnmatchedOut(Schema):
    mentee_id: int
    mentee: str
    reason_code: str
    reason: str
    alternatives: list[AlternativeOut]


class RunDetailOut(RunOut):
    stats: dict[str, Any]
    notes: list[str]
    proposals: list[ProposalOut]
    unmatched: list[UnmatchedOut]


class DifferenceOut(Schema):
    mentee_id: int
    mentee: str
    mentor_a_id: int | None
    mentor_a: str | None
    score_a: float | None
    mentor_b_id: int | None
    mentor_b: str | None
    score_b: float | None


class ComparisonOut(Schema):
    a: RunOut
    b: RunOut
    same: int
    differences: list[DifferenceOut]


class MenteeIn(Schema):
    mentee: int


class AssignIn(Schema):
    mentee: int
    mentor: int


class SwapIn(Schema):
    first: int
    second: int


class PairScoreOut(Schema):
    mentee_id: int
    mentor_id: int
    score: float
    #: how well the profiles fit, 0–100 (the score without the choice bonus; the one scale
    #: every page shows)
    fit_percent: float = Field(ge=0, le=100)
    trade_offs: list[str]
    feasible: bool
    failed_rules: list[str]
    choice_rank: int | None
    explanation: str
    contributions: list[ContributionOut]


class PublishOut(Schema):
    run: RunOut
    relationships: int


# --- helpers ------------------------------------------------------------------------------


def _manage(request: HttpRequest, org: str, program: str) -> tuple[Access, Program]:
    access = program_access(request, org, program)
    check_rule(rules.can_run_matching, access)
    return access, access.program_or_404


def _criterion_out(criterion: MatchingCriterion) -> dict[str, Any]:
    return {
        "id": criterion.pk,
        "kind": criterion.kind,
        "description": criteria_services.describe(criterion),
        "mentee_question": criterion.mentee_question.key,
        "mentor_question": criterion.mentor_question.key if criterion.mentor_question else None,
        "weight": criterion.weight,
        "hard": criterion.hard,
        "threshold": criterion.threshold,
        "params": criterion.params,
        "position": criterion.position,
        "is_default": criteria_services.is_default(criterion),
    }


def _question(program: Program, key: str | None, field: str) -> ProfileQuestion | None:
    if not key:
        return None
    question = ProfileQuestion.objects.filter(program=program, key=key).first()
    if question is None:
        raise ServiceError(f"No question of this program has the key “{key}”.", field=field)
    return question


def _criterion_input(program: Program, payload: CriterionIn) -> criteria_services.CriterionInput:
    fields = payload.dict()
    fields["mentee_question"] = _question(program, payload.mentee_question, "mentee_question")
    fields["mentor_question"] = _question(program, payload.mentor_question, "mentor_question")
    fields["preference_question"] = _question(
        program, payload.preference_question, "preference_question"
    )
    return criteria_services.CriterionInput(**fields)


def _figures_out(figures: queries.Figures) -> dict[str, Any]:
    return {
        "mentees": figures.mentees,
        "matched": figures.matched,
        "matched_pct": figures.matched_pct,
        "mean_fit_percent": None if figures.mean_fit is None else percent(figures.mean_fit),
        "lowest_fit_percent": None if figures.min_fit is None else percent(figures.min_fit),
        "choice_share": figures.choice_share,
        "mentor_load": {str(load): mentors for load, mentors in figures.mentor_load},
        "certificate_gap": figures.certificate_gap,
        "certified": figures.certified,
        "unmatched": figures.unmatched,
        "unmatched_reasons": dict(figures.reasons),
    }


def _run_out(run: MatchRun, figures: queries.Figures | None = None) -> dict[str, Any]:
    if figures is None:
        annotated = queries.annotated_run(run.program, run.pk) or run
        figures = queries.figures(annotated, queries.reasons_by_run([run]).get(run.pk, []))
    return {
        "id": run.pk,
        "name": run.name,
        "mode": run.mode,
        "objective": run.objective,
        "status": run.status,
        "progress": run.progress,
        "progress_message": run.progress_message,
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "published_at": run.published_at,
        "figures": _figures_out(figures),
    }


def _run(program: Program, run_id: int) -> MatchRun:
    return get_object_or_404(MatchRun.objects.select_related("program"), pk=run_id, program=program)


def _member(program: Program, membership_id: int, role: Role) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, program=program, role=role
    )


def percent(fit: float | None) -> float:
    """A fit in [0, 1] as the API's ``fit_percent`` (one decimal, like the coordinator's
    pages)."""
    return round(100.0 * max(0.0, min(1.0, fit or 0.0)), 1)


def _contributions(items: Any) -> list[dict[str, Any]]:
    return [item if isinstance(item, dict) else asdict(item) for item in items]


def _proposal_out(proposal: ProposedMatch) -> dict[str, Any]:
    return {
        "mentee_id": proposal.mentee_id,
        "mentee": proposal.mentee.user.display_name,
        "mentor_id": proposal.mentor_id,
        "mentor": proposal.mentor.user.display_name,
        "score": proposal.score,
        "fit_percent": percent(proposal.fit),
        "explanation": proposal.explanation,
        "choice_rank": proposal.choice_rank,
        "source": proposal.source,
        "group_number": proposal.group_number,
        "contributions": _contributions(proposal.contributions),
    }


# --- criteria -----------------------------------------------------------------------------


@router.get(PROGRAM + "/criteria", response={200: list[CriterionOut], **ERRORS})
def criterion_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_criteria, access)
    return [_criterion_out(c) for c in queries.criteria_of(access.program_or_404)]


@router.post(PROGRAM + "/criteria", response={201: CriterionOut, **ERRORS})
def criterion_create(
    request: HttpRequest, org: str, program: str, payload: CriterionIn
) -> Status[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_criteria, access)
    found = access.program_or_404
    queries.criteria_of(found)  # a program's first own criterion joins the defaults
    criterion = criteria_services.add_criterion(
        found, _criterion_input(found, payload), by=access.user
    )
    return Status(201, _criterion_out(criterion))


@router.put(PROGRAM + "/criteria/{criterion_id}", response={200: CriterionOut, **ERRORS})
def criterion_update(
    request: HttpRequest, org: str, program: str, criterion_id: int, payload: CriterionIn
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_criteria, access)
    found = access.program_or_404
    criterion = get_object_or_404(MatchingCriterion, pk=criterion_id, program=found)
    updated = criteria_services.update_criterion(
        criterion, _criterion_input(found, payload), by=access.user
    )
    return _criterion_out(updated)


@router.delete(PROGRAM + "/criteria/{criterion_id}", response={204: None, **ERRORS})
def criterion_delete(
    request: HttpRequest, org: str, program: str, criterion_id: int
) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_criteria, access)
    criterion = get_object_or_404(
        MatchingCriterion.objects.select_related("mentee_question", "mentor_question"),
        pk=criterion_id,
        program=access.program_or_404,
    )
    criteria_services.delete_criterion(criterion, by=access.user)
    return Status(204, None)


@router.get(PROGRAM + "/preview", response={200: PreviewOut, **ERRORS})
def preview(
    request: HttpRequest, org: str, program: str, mentee: int | None = None
) -> dict[str, Any]:
    """The best mentors for one ready mentee (default: the first) under the saved criteria."""
    access = program_access(request, org, program)
    check_rule(rules.can_manage_criteria, access)
    result = queries.preview(access.program_or_404, mentee_id=mentee)
    return {
        "mentee_id": result.mentee.pk if result.mentee else None,
        "mentee": result.mentee.user.display_name if result.mentee else None,
        "mentors": result.mentors,
        "message": result.message,
        "suggestions": [
            {
                "mentor_id": s.mentor.pk,
                "mentor": s.mentor.user.display_name,
                "score": s.pair.score,
                "fit_percent": percent(s.pair.fit),
                "feasible": s.pair.feasible,
                "choice_rank": s.pair.choice_rank,
                "explanation": s.pair.explanation,
                "contributions": _contributions(s.pair.contributions),
            }
            for s in result.suggestions
        ],
    }


# --- runs ---------------------------------------------------------------------------------


@router.get(PROGRAM + "/runs", response={200: list[RunOut], **ERRORS})
def run_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    _, found = _manage(request, org, program)
    return [_run_out(run, figures) for run, figures in queries.scenario_rows(found)]


@router.post(PROGRAM + "/runs", response={201: RunOut, 202: RunOut, **ERRORS})
def run_create(
    request: HttpRequest, org: str, program: str, payload: RunIn
) -> Status[dict[str, Any]]:
    """201 with the result when the pool was matched at once; 202 when the worker will."""
    access, found = _manage(request, org, program)
    keep_from = _run(found, payload.keep_from) if payload.keep_from else None
    run = services.start_run(
        found,
        by=access.user,
        name=payload.name,
        objective=payload.objective,
        mode=payload.mode,
        keep_from=keep_from,
    )
    run.refresh_from_db()
    status = 202 if run.status in (RunStatus.QUEUED, RunStatus.RUNNING) else 201
    return Status(status, _run_out(run))


@router.get(PROGRAM + "/runs/{run_id}", response={200: RunDetailOut, **ERRORS})
def run_detail(request: HttpRequest, org: str, program: str, run_id: int) -> dict[str, Any]:
    _, found = _manage(request, org, program)
    run = _run(found, run_id)
    return {
        **_run_out(run),
        "stats": run.stats,
        "notes": run.notes,
        "proposals": [_proposal_out(p) for p in queries.proposals_of(run)],
        "unmatched": [
            {
                "mentee_id": row.entry.mentee_id,
                "mentee": row.entry.mentee.user.display_name,
                "reason_code": row.entry.reason_code,
                "reason": row.entry.reason,
                "alternatives": [
                    {
                        "mentor_id": alt.mentor.pk,
                        "mentor": alt.mentor.user.display_name,
                        "score": alt.score,
                        "fit_percent": percent(alt.fit),
                        "explanation": alt.explanation,
                        "failed_rules": alt.failed_rules,
                    }
                    for alt in row.alternatives
                ],
            }
            for row in queries.unmatched_of(run)
        ],
    }


@router.get(PROGRAM + "/compare", response={200: ComparisonOut, **ERRORS})
def run_compare(request: HttpRequest, org: str, program: str, a: int, b: int) -> dict[str, Any]:
    _, found = _manage(request, org, program)
    comparison = queries.compare(_run(found, a), _run(found, b))
    return {
        "a": _run_out(comparison.a, comparison.figures_a),
        "b": _run_out(comparison.b, comparison.figures_b),
        "same": comparison.same,
        "differences": [
            {
                "mentee_id": d.mentee.pk,
                "mentee": d.mentee.user.display_name,
                "mentor_a_id": d.mentor_a.pk if d.mentor_a else None,
                "mentor_a": d.mentor_a.user.display_name if d.mentor_a else None,
                "score_a": d.score_a,
                "mentor_b_id": d.mentor_b.pk if d.mentor_b else None,
                "mentor_b": d.mentor_b.user.display_name if d.mentor_b else None,
                "score_b": d.score_b,
            }
            for d in comparison.differences
        ],
    }


@router.post(PROGRAM + "/runs/{run_id}/cancel", response={200: RunOut, **ERRORS})
def run_cancel(request: HttpRequest, org: str, program: str, run_id: int) -> dict[str, Any]:
    """Cancel a queued or running run (a running one stops at its next progress step)."""
    access, found = _manage(request, org, program)
    run = services.cancel_run(_run(found, run_id), by=access.user)
    return _run_out(run)


@router.post(PROGRAM + "/runs/{run_id}/retry", response={200: RunOut, 202: RunOut, **ERRORS})
def run_retry(request: HttpRequest, org: str, program: str, run_id: int) -> Status[dict[str, Any]]:
    """Run a failed or cancelled run again: 200 with the result when the pool was matched at
    once, 202 when the worker will."""
    access, found = _manage(request, org, program)
    run = services.retry_run(_run(found, run_id), by=access.user)
    run.refresh_from_db()
    status = 202 if run.status in (RunStatus.QUEUED, RunStatus.RUNNING) else 200
    return Status(status, _run_out(run))


# --- edits before publishing --------------------------------------------------------------


@router.post(PROGRAM + "/runs/{run_id}/lock", response={200: RunOut, **ERRORS})
def run_lock(
    request: HttpRequest, org: str, program: str, run_id: int, payload: MenteeIn
) -> dict[str, Any]:
    access, found = _manage(request, org, program)
    run = _run(found, run_id)
    services.lock_in_run(run, mentee=_member(found, payload.mentee, Role.MENTEE), by=access.user)
    return _run_out(run)


@router.post(PROGRAM + "/runs/{run_id}/forbid", response={200: RunOut, **ERRORS})
def run_forbid(
    request: HttpRequest, org: str, program: str, run_id: int, payload: MenteeIn
) -> dict[str, Any]:
    access, found = _manage(request, org, program)
    run = _run(found, run_id)
    services.forbid_in_run(run, mentee=_member(found, payload.mentee, Role.MENTEE), by=access.user)
    return _run_out(run)


@router.post(PROGRAM + "/runs/{run_id}/unassign", response={200: RunOut, **ERRORS})
def run_unassign(
    request: HttpRequest, org: str, program: str, run_id: int, payload: MenteeIn
) -> dict[str, Any]:
    access, found = _manage(request, org, program)
    run = _run(found, run_id)
    services.unassign_in_run(
        run, mentee=_member(found, payload.mentee, Role.MENTEE), by=access.user
    )
    return _run_out(run)


@router.get(PROGRAM + "/runs/{run_id}/score", response={200: PairScoreOut, **ERRORS})
def run_score(
    request: HttpRequest, org: str, program: str, run_id: int, mentee: int, mentor: int
) -> dict[str, Any]:
    """The live score and explanation of a pair, before assigning it."""
    _, found = _manage(request, org, program)
    _run(found, run_id)
    pair = services.score_pair(
        found,
        mentee=_member(found, mentee, Role.MENTEE),
        mentor=_member(found, mentor, Role.MENTOR),
    )
    return {
        "mentee_id": int(pair.mentee_id),
        "mentor_id": int(pair.mentor_id),
        "score": pair.score,
        "fit_percent": percent(pair.fit),
        "trade_offs": list(pair.trade_offs),
        "feasible": pair.feasible,
        "failed_rules": list(pair.failed_rules),
        "choice_rank": pair.choice_rank,
        "explanation": pair.explanation,
        "contributions": _contributions(pair.contributions),
    }


@router.post(PROGRAM + "/runs/{run_id}/assign", response={200: ProposalOut, **ERRORS})
def run_assign(
    request: HttpRequest, org: str, program: str, run_id: int, payload: AssignIn
) -> dict[str, Any]:
    access, found = _manage(request, org, program)
    run = _run(found, run_id)
    proposal = services.assign_in_run(
        run,
        mentee=_member(found, payload.mentee, Role.MENTEE),
        mentor=_member(found, payload.mentor, Role.MENTOR),
        by=access.user,
    )
    proposal = ProposedMatch.objects.select_related("mentee__user", "mentor__user").get(
        pk=proposal.pk
    )
    return _proposal_out(proposal)


@router.post(PROGRAM + "/runs/{run_id}/swap", response={200: RunOut, **ERRORS})
def run_swap(
    request: HttpRequest, org: str, program: str, run_id: int, payload: SwapIn
) -> dict[str, Any]:
    access, found = _manage(request, org, program)
    run = _run(found, run_id)
    services.swap_in_run(
        run,
        first=_member(found, payload.first, Role.MENTEE),
        second=_member(found, payload.second, Role.MENTEE),
        by=access.user,
    )
    return _run_out(run)


@router.post(PROGRAM + "/runs/{run_id}/publish", response={200: PublishOut, **ERRORS})
def run_publish(request: HttpRequest, org: str, program: str, run_id: int) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_publish_matches, access)
    found = access.program_or_404
    run = _run(found, run_id)
    relationships = services.publish_run(run, by=access.user)
    run.refresh_from_db()
    return {"run": _run_out(run), "relationships": len(relationships)}
