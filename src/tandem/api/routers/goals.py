"""A mentorship's SMART goals — goals, milestones, comments, suggestions, status changes and
progress check-ins — for its members; and, for coordinators, the program's goal alignment and
achievement figures (numbers only, and a goal's text only where its mentee shared it).

Same rules as the web: everyone but the mentorship's members gets the same 404 as for a
mentorship that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.core.text import render_markdown
from tandem.growth.enums import GoalStatus, ProgressMode
from tandem.growth.models import Goal, GoalComment, Milestone
from tandem.growth.queries import goals as queries
from tandem.growth.rules import goals as rules
from tandem.growth.services import goals as services
from tandem.growth.services.goals import GoalInput
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentorship_rules
from tandem.programs.access import Access
from tandem.programs.models import Membership

router = Router(tags=["goals"])

PROGRAM = "/organizations/{org}/programs/{program}"
MENTORSHIP = PROGRAM + "/mentorships/{mentorship_id}"
GOAL = MENTORSHIP + "/goals/{goal_id}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

#: The services name a refused input after the model's field; the client sent these names.
API_FIELDS = {
    "objective": "objective_id",
    "skills": "skill_ids",
    "template": "template_id",
    "mentorship": "mentorship_id",
    "milestone": "milestone_id",
    "mentee": "mentee_id",
}

#: Text fields a PATCH may send as null, meaning "leave it as it is" (the columns hold "").
TEXT_FIELDS = ("statement", "measure", "target", "achievable", "relevant", "project")


@contextmanager
def _fields_as_sent() -> Iterator[None]:
    """A 422 from a service names the field as in the JSON the client sent."""
    try:
        yield
    except ServiceError as error:
        error.field = API_FIELDS.get(error.field or "", error.field)
        raise


# --- schemas ------------------------------------------------------------------------------


class PersonOut(Schema):
    membership_id: int
    name: str


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date | None
    owner: PersonOut | None
    done: bool
    done_at: dt.datetime | None
    #: Dated after its goal's deadline (the SMART helper flags it).
    after_deadline: bool


class CommentOut(Schema):
    id: int
    milestone_id: int | None
    author: PersonOut
    text: str
    text_html: str
    created_at: dt.datetime


class PromptOut(Schema):
    code: str
    field: str
    text: str


class GoalOut(Schema):
    id: int
    mentorship_id: int
    owner: PersonOut
    suggested_by: PersonOut | None
    statement: str
    measure: str
    target: str
    achievable: str
    relevant: str
    deadline: dt.date | None
    project: str
    objective_id: int | None
    skill_ids: list[int]
    status: GoalStatus
    progress: int
    progress_mode: ProgressMode
    dropped_reason: str
    achieved_at: dt.datetime | None
    shared_with_program: bool
    version: int
    milestones: list[MilestoneOut]
    comments: list[CommentOut]
    prompts: list[PromptOut]


class GoalIn(Schema):
    statement: str = Field(min_length=1, max_length=services.STATEMENT_MAX)
    measure: str = Field("", max_length=services.MEASURE_MAX)
    target: str = Field("", max_length=services.TARGET_MAX)
    achievable: str = Field("", max_length=services.TEXT_MAX)
    relevant: str = Field("", max_length=services.TEXT_MAX)
    deadline: dt.date | None = None
    project: str = Field("", max_length=services.PROJECT_MAX)
    objective_id: int | None = None
    skill_ids: list[int] = Field(default_factory=list, max_length=50)
    progress_mode: ProgressMode = ProgressMode.MILESTONES
    template_id: int | None = None
    #: Start working on it at once (otherwise a draft).
    activate: bool = False


class SuggestionIn(GoalIn):
    #: The mentee it is suggested to (groups); a pair's mentee by default.
    mentee_id: int | None = None


class GoalPatch(Schema):
    #: The version the client last read: a stale one is refused with 409, nothing written.
    version: int = Field(ge=1)
    statement: str | None = Field(None, min_length=1, max_length=services.STATEMENT_MAX)
    measure: str | None = Field(None, max_length=services.MEASURE_MAX)
    target: str | None = Field(None, max_length=services.TARGET_MAX)
    achievable: str | None = Field(None, max_length=services.TEXT_MAX)
    relevant: str | None = Field(None, max_length=services.TEXT_MAX)
    deadline: dt.date | None = None
    project: str | None = Field(None, max_length=services.PROJECT_MAX)
    objective_id: int | None = None
    skill_ids: list[int] | None = Field(None, max_length=50)
    progress_mode: ProgressMode | None = None
    shared_with_program: bool | None = None
    #: Move the goal to another mentorship the mentee is in.
    mentorship_id: int | None = None


class StatusIn(Schema):
    action: Literal["activate", "achieve", "drop", "reopen", "accept", "decline"]
    #: Required to drop a goal.
    reason: str = Field("", max_length=services.REASON_MAX)


class MilestoneIn(Schema):
    title: str = Field(min_length=1, max_length=services.MILESTONE_TITLE_MAX)
    due_on: dt.date | None = None
    #: The membership id of a member of the mentorship.
    owner: int | None = None


class MilestonePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=services.MILESTONE_TITLE_MAX)
    due_on: dt.date | None = None
    owner: int | None = None
    done: bool | None = None


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=services.COMMENT_MAX)
    milestone_id: int | None = None


class CheckInIn(Schema):
    progress: int = Field(ge=0, le=100)
    note: str = Field("", max_length=services.NOTE_MAX)


class CheckInOut(Schema):
    id: int
    progress: int
    note: str
    created_at: dt.datetime


class FiguresOut(Schema):
    goals_set: int
    active: int
    drafts: int
    achieved: int
    dropped: int
    achieved_this_month: int
    milestones_done: int
    milestones_done_this_month: int
    with_objective: int
    achievement_rate: int | None


class CellOut(Schema):
    #: None for the column of goals with no objective.
    objective_id: int | None
    goals: int
    average_progress: int | None


class SharedGoalOut(Schema):
    statement: str
    objective_id: int | None
    progress: int
    status: str


class AlignmentRowOut(Schema):
    mentorship_id: int
    status: str
    cells: list[CellOut]
    #: Only the goals whose mentee chose to share their text with the program.
    shared_goals: list[SharedGoalOut]


class StaleGoalOut(Schema):
    detail: str
    field: str
    #: The goal's fields saved since the version sent (the latest first), named as in GoalOut.
    changed: list[str]


class ObjectiveRefOut(Schema):
    id: int
    statement: str


class AlignmentOut(Schema):
    objectives: list[ObjectiveRefOut]
    totals: list[CellOut]
    rows: list[AlignmentRowOut]
    page: int
    pages: int
    mentorships: int
    figures: FiguresOut


# --- finding things -----------------------------------------------------------------------


def _mine(access: Access, mentorship_id: int) -> tuple[Mentorship, MentorshipMember]:
    mentorship = (
        Mentorship.objects.filter(pk=mentorship_id, program=access.program_or_404)
        .select_related("program__organization")
        .prefetch_related(
            Prefetch(
                "members", queryset=MentorshipMember.objects.select_related("membership__user")
            )
        )
        .first()
    )
    if mentorship is None or not mentorship_rules.is_member(access, mentorship):
        raise Http404("No such mentorship.")
    membership = access.membership
    assert membership is not None  # is_member holds
    return mentorship, next(m for m in mentorship.members.all() if m.membership_id == membership.pk)


def _goal(mentorship: Mentorship, goal_id: int) -> Goal:
    goal = Goal.objects.filter(pk=goal_id, mentorship=mentorship).first()
    if goal is None:
        raise Http404("No such goal.")
    goal.mentorship = mentorship
    return goal


def _person(membership: Membership | None) -> dict[str, Any] | None:
    if membership is None:
        return None
    return {"membership_id": membership.pk, "name": membership.user.display_name}


def _goal_out(goal: Goal) -> dict[str, Any]:
    milestones = list(goal.milestones.all())
    return {
        "id": goal.pk,
        "mentorship_id": goal.mentorship_id,
        "owner": _person(goal.owner),
        "suggested_by": _person(goal.suggested_by),
        "statement": goal.statement,
        "measure": goal.measure,
        "target": goal.target,
        "achievable": goal.achievable,
        "relevant": goal.relevant,
        "deadline": goal.deadline,
        "project": goal.project,
        "objective_id": goal.objective_id,
        "skill_ids": [s.pk for s in goal.skills.all()],
        "status": goal.status,
        "progress": goal.progress,
        "progress_mode": goal.progress_mode,
        "dropped_reason": goal.dropped_reason,
        "achieved_at": goal.achieved_at,
        "shared_with_program": goal.shared_with_program,
        "version": goal.version,
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "due_on": m.due_on,
                "owner": _person(m.owner),
                "done": m.is_done,
                "done_at": m.done_at,
                "after_deadline": bool(goal.deadline and m.due_on and m.due_on > goal.deadline),
            }
            for m in milestones
        ],
        "comments": [
            {
                "id": c.pk,
                "milestone_id": c.milestone_id,
                "author": _person(c.author),
                "text": c.text,
                "text_html": render_markdown(c.text),
                "created_at": c.created_at,
            }
            for c in goal.comments.all()
        ],
        "prompts": [
            {"code": p.code, "field": p.field, "text": p.text} for p in queries.prompts_for(goal)
        ],
    }


def _fresh(mentorship: Mentorship, goal_id: int) -> dict[str, Any]:
    goal = queries.goals_of(mentorship).get(pk=goal_id)
    goal.mentorship = mentorship
    return _goal_out(goal)


def _membership(mentorship: Mentorship, membership_id: int | None) -> Membership | None:
    if membership_id is None:
        return None
    for member in mentorship.members.all():
        if member.membership_id == membership_id:
            return member.membership
    raise ServiceError("A milestone's owner is one of the mentorship's members.", field="owner")


def _input(payload: GoalIn) -> GoalInput:
    return GoalInput(
        statement=payload.statement,
        measure=payload.measure,
        target=payload.target,
        achievable=payload.achievable,
        relevant=payload.relevant,
        deadline=payload.deadline,
        project=payload.project,
        objective_id=payload.objective_id,
        skill_ids=payload.skill_ids,
        progress_mode=payload.progress_mode,
        template_id=payload.template_id,
    )


# --- goals --------------------------------------------------------------------------------


@router.get(MENTORSHIP + "/goals", response={200: list[GoalOut], **ERRORS})
def goal_list(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    mentorship, _member = _mine(program_access(request, org, program), mentorship_id)
    goals = list(queries.goals_of(mentorship))
    for goal in goals:
        goal.mentorship = mentorship
    return [_goal_out(goal) for goal in goals]


@router.post(MENTORSHIP + "/goals", response={201: GoalOut, **ERRORS})
def goal_create(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: GoalIn
) -> Status[dict[str, Any]]:
    """The mentee writes a goal (a draft unless ``activate``)."""
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    with _fields_as_sent():
        goal = services.create_goal(
            mentorship, by=member.membership, data=_input(payload), activate=payload.activate
        )
    return Status(201, _fresh(mentorship, goal.pk))


@router.post(MENTORSHIP + "/goals/suggestions", response={201: GoalOut, **ERRORS})
def goal_suggest(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: SuggestionIn
) -> Status[dict[str, Any]]:
    """The mentor suggests a goal; the mentee accepts or declines it (``/status``)."""
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    mentee = None
    if payload.mentee_id is not None:
        mentee = next(
            (
                m.membership
                for m in mentorship.members.all()
                if m.membership_id == payload.mentee_id
            ),
            None,
        )
        if mentee is None:
            raise ServiceError("Suggest goals to a mentee of this mentorship.", field="mentee_id")
    with _fields_as_sent():
        goal = services.suggest_goal(
            mentorship, by=member.membership, data=_input(payload), mentee=mentee
        )
    return Status(201, _fresh(mentorship, goal.pk))


@router.get(GOAL, response={200: GoalOut, **ERRORS})
def goal_detail(
    request: HttpRequest, org: str, program: str, mentorship_id: int, goal_id: int
) -> dict[str, Any]:
    mentorship, _member = _mine(program_access(request, org, program), mentorship_id)
    _goal(mentorship, goal_id)
    return _fresh(mentorship, goal_id)


@router.patch(GOAL, response={200: GoalOut, **ERRORS, 409: StaleGoalOut})
def goal_update(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    payload: GoalPatch,
) -> Status[Any]:
    """Edit the goal (``version`` as last read: 409 with what changed when it is stale), share
    it with the program, or move it to another of the mentee's mentorships — all of it or,
    when one part is refused, none of it."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    goal = _goal(mentorship, goal_id)
    if not rules.owns_goal(member, goal):
        raise ServiceError("Only the mentee whose goal it is can change it.")
    try:
        with transaction.atomic(), _fields_as_sent():
            now_in = _patch_goal(access, mentorship, member.membership, goal, payload)
    except services.StaleGoal as stale:
        changed = [API_FIELDS.get(name, name) for name in stale.changed]
        return Status(409, {"detail": stale.message, "field": "version", "changed": changed})
    if now_in != mentorship.pk:
        mentorship, _ = _mine(access, now_in)
    return Status(200, _fresh(mentorship, goal.pk))


def _patch_goal(
    access: Access, mentorship: Mentorship, by: Membership, goal: Goal, payload: GoalPatch
) -> int:
    """Apply the PATCH; the id of the mentorship the goal is in afterwards."""
    if goal.version != payload.version:
        raise services.StaleGoal(goal, services.changed_since(goal, payload.version))
    fields = payload.dict(exclude_unset=True)
    goal_fields = {
        k: v
        for k, v in fields.items()
        if k not in ("version", "shared_with_program", "mentorship_id")
        and not (v is None and k in TEXT_FIELDS)
    }
    if goal_fields:
        data = GoalInput(
            statement=goal_fields.get("statement", goal.statement),
            measure=goal_fields.get("measure", goal.measure),
            target=goal_fields.get("target", goal.target),
            achievable=goal_fields.get("achievable", goal.achievable),
            relevant=goal_fields.get("relevant", goal.relevant),
            deadline=goal_fields.get("deadline", goal.deadline),
            project=goal_fields.get("project", goal.project),
            objective_id=goal_fields.get("objective_id", goal.objective_id),
            skill_ids=(
                goal_fields["skill_ids"]
                if goal_fields.get("skill_ids") is not None
                else list(goal.skills.values_list("pk", flat=True))
            ),
            progress_mode=goal_fields.get("progress_mode") or goal.progress_mode,
        )
        goal = services.update_goal(goal, by=by, data=data, version=payload.version)
    if payload.shared_with_program is not None:
        goal = services.share_goal(goal, by=by, shared=payload.shared_with_program)
    if payload.mentorship_id is None or payload.mentorship_id == mentorship.pk:
        return mentorship.pk
    target = Mentorship.objects.filter(
        pk=payload.mentorship_id, program=access.program_or_404
    ).first()
    if target is None:
        raise ServiceError(
            "You can move a goal only to another mentorship you are a mentee in.",
            field="mentorship_id",
        )
    services.move_goal(goal, by=by, to=target)
    return target.pk


@router.post(GOAL + "/status", response={200: GoalOut, 204: None, **ERRORS})
def goal_status(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    payload: StatusIn,
) -> Status[Any]:
    """activate, achieve, drop (with ``reason``), reopen; accept or decline a suggestion (a
    declined suggestion is gone: 204)."""
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    goal = _goal(mentorship, goal_id)
    by = member.membership
    if payload.action == "activate":
        services.activate_goal(goal, by=by)
    elif payload.action == "achieve":
        services.achieve_goal(goal, by=by)
    elif payload.action == "drop":
        services.drop_goal(goal, by=by, reason=payload.reason)
    elif payload.action == "reopen":
        services.reopen_goal(goal, by=by)
    elif payload.action == "accept":
        services.accept_suggestion(goal, by=by)
    else:
        services.decline_suggestion(goal, by=by)
        return Status(204, None)
    return Status(200, _fresh(mentorship, goal.pk))


@router.post(GOAL + "/check-ins", response={201: CheckInOut, **ERRORS})
def goal_check_in(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    payload: CheckInIn,
) -> Status[Any]:
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    goal = _goal(mentorship, goal_id)
    entry = services.check_in(
        goal, by=member.membership, progress=payload.progress, note=payload.note
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "progress": entry.progress,
            "note": entry.note,
            "created_at": entry.created_at,
        },
    )


# --- milestones and comments --------------------------------------------------------------


@router.post(GOAL + "/milestones", response={201: GoalOut, **ERRORS})
def milestone_create(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    payload: MilestoneIn,
) -> Status[dict[str, Any]]:
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    goal = _goal(mentorship, goal_id)
    services.add_milestone(
        goal,
        by=member.membership,
        title=payload.title,
        due_on=payload.due_on,
        owner=_membership(mentorship, payload.owner),
    )
    return Status(201, _fresh(mentorship, goal.pk))


@router.patch(GOAL + "/milestones/{milestone_id}", response={200: GoalOut, **ERRORS})
def milestone_update(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    milestone_id: int,
    payload: MilestonePatch,
) -> dict[str, Any]:
    """Change a step, or tick it done / not done (``done``)."""
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    goal = _goal(mentorship, goal_id)
    milestone = Milestone.objects.filter(pk=milestone_id, goal=goal).first()
    if milestone is None:
        raise Http404("No such milestone.")
    fields = payload.dict(exclude_unset=True)
    edits = {k: v for k, v in fields.items() if k != "done"}
    if edits:
        services.update_milestone(
            milestone,
            by=member.membership,
            title=edits.get("title") or milestone.title,
            due_on=edits.get("due_on", milestone.due_on),
            owner=(
                _membership(mentorship, edits["owner"]) if "owner" in edits else milestone.owner
            ),
        )
    if payload.done is not None:
        services.set_milestone_done(milestone, by=member.membership, done=payload.done)
    return _fresh(mentorship, goal.pk)


@router.post(GOAL + "/comments", response={201: CommentOut, **ERRORS})
def comment_create(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    goal_id: int,
    payload: CommentIn,
) -> Status[dict[str, Any]]:
    """Either member comments on the goal, or on one of its milestones (``milestone_id``)."""
    mentorship, member = _mine(program_access(request, org, program), mentorship_id)
    goal = _goal(mentorship, goal_id)
    milestone = None
    if payload.milestone_id is not None:
        milestone = Milestone.objects.filter(pk=payload.milestone_id, goal=goal).first()
        if milestone is None:
            raise ServiceError("That milestone belongs to another goal.", field="milestone_id")
    comment: GoalComment = services.comment_on_goal(
        goal, by=member.membership, text=payload.text, milestone=milestone
    )
    return Status(
        201,
        {
            "id": comment.pk,
            "milestone_id": comment.milestone_id,
            "author": _person(member.membership),
            "text": comment.text,
            "text_html": render_markdown(comment.text),
            "created_at": comment.created_at,
        },
    )


# --- for coordinators ---------------------------------------------------------------------


def _figures_out(figures: queries.Figures) -> dict[str, Any]:
    return {
        "goals_set": figures.goals_set,
        "active": figures.active,
        "drafts": figures.drafts,
        "achieved": figures.achieved,
        "dropped": figures.dropped,
        "achieved_this_month": figures.achieved_this_month,
        "milestones_done": figures.milestones_done,
        "milestones_done_this_month": figures.milestones_done_this_month,
        "with_objective": figures.with_objective,
        "achievement_rate": figures.achievement_rate,
    }


@router.get(PROGRAM + "/goals/figures", response={200: FiguresOut, **ERRORS})
def goal_figures(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_view_alignment, access)
    return _figures_out(queries.program_figures(access.program_or_404))


@router.get(PROGRAM + "/goals/alignment", response={200: AlignmentOut, **ERRORS})
def goal_alignment(request: HttpRequest, org: str, program: str, page: int = 1) -> dict[str, Any]:
    """Objectives × mentorships, a page of mentorships at a time: counts and average
    progress; a goal's text only where its mentee shared it."""
    access = program_access(request, org, program)
    check_rule(rules.can_view_alignment, access)
    matrix = queries.alignment(access.program_or_404, page_number=page)
    columns: list[int | None] = [o.pk for o in matrix.objectives] + [None]

    def cells(row: list[queries.Cell]) -> list[dict[str, Any]]:
        return [
            {"objective_id": column, "goals": cell.count, "average_progress": cell.progress}
            for column, cell in zip(columns, row, strict=True)
        ]

    return {
        "objectives": [{"id": o.pk, "statement": o.statement} for o in matrix.objectives],
        "totals": cells(matrix.totals),
        "rows": [
            {
                "mentorship_id": row.mentorship.pk,
                "status": row.mentorship.status,
                "cells": cells(row.cells),
                "shared_goals": [
                    {
                        "statement": s.statement,
                        "objective_id": s.objective_id,
                        "progress": s.progress,
                        "status": s.status,
                    }
                    for s in row.shared
                ],
            }
            for row in matrix.rows
        ],
        "page": matrix.page.number,
        "pages": matrix.page.paginator.num_pages,
        "mentorships": matrix.page.paginator.count,
        "figures": _figures_out(matrix.figures),
    }
