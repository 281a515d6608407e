"""What members write around meetings — agenda items, the record, action items, preparation
(assignments) and ratings — and, for coordinators, the program's meeting guide.

Same rules as the web: a mentorship's content is its members' alone. Everyone else, the
program's coordinators included, gets the same 404 as for something that does not exist;
coordinators see a meeting's figures only (``.../summary``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.core.text import render_markdown
from tandem.mentoring.enums import TemplateKind, TemplateTool
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    Meeting,
    MeetingRating,
    MeetingTemplate,
    Mentorship,
    MentorshipMember,
)
from tandem.mentoring.queries import records as queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import assignments as assignment_services
from tandem.mentoring.services import guides as guide_services
from tandem.mentoring.services import ratings as rating_services
from tandem.mentoring.services import records as record_services
from tandem.mentoring.services.records import ActionItemInput, RecordInput
from tandem.programs.access import Access

router = Router(tags=["meeting records"])

PROGRAM = "/organizations/{org}/programs/{program}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas ------------------------------------------------------------------------------


class PersonOut(Schema):
    membership_id: int
    name: str


class AgendaItemOut(Schema):
    id: int
    text: str
    author: PersonOut
    created_at: dt.datetime


class AgendaOut(Schema):
    meeting_id: int
    template_id: int | None
    title: str
    purpose: str
    questions: list[str]
    items: list[AgendaItemOut]


class AgendaItemIn(Schema):
    text: str = Field(min_length=1, max_length=record_services.TEXT_MAX)


class ActionItemOut(Schema):
    id: int
    meeting_id: int | None
    text: str
    owner: PersonOut
    due_on: dt.date
    done: bool
    done_at: dt.datetime | None
    created_by_id: int | None


class ActionItemIn(Schema):
    text: str = Field(min_length=1, max_length=record_services.TEXT_MAX)
    #: The membership id of a member of the mentorship.
    owner: int
    due_on: dt.date
    meeting_id: int | None = None


class ActionItemPatch(Schema):
    done: bool | None = None
    text: str | None = Field(None, min_length=1, max_length=record_services.TEXT_MAX)
    owner: int | None = None
    due_on: dt.date | None = None


class AttendanceOut(Schema):
    membership_id: int
    attended: bool | None


class RecordOut(Schema):
    meeting_id: int
    #: False until the leading member writes it (then the fields below are filled).
    written: bool
    written_by: PersonOut | None
    notes: str
    notes_html: str
    next_meeting_set: bool
    action_items_defined: bool
    checklist_note: str
    attendance: list[AttendanceOut]
    action_items: list[ActionItemOut]
    updated_at: dt.datetime | None


class RecordItemIn(Schema):
    text: str = Field(min_length=1, max_length=record_services.TEXT_MAX)
    owner: int
    due_on: dt.date


class AttendanceIn(Schema):
    membership_id: int
    attended: bool


class RecordIn(Schema):
    notes: str = Field("", max_length=record_services.NOTES_MAX)
    next_meeting_set: bool
    action_items_defined: bool
    #: Required when a checklist item is left unticked.
    checklist_note: str = Field("", max_length=record_services.NOTE_MAX)
    #: Groups: who came. Ignored for pairs.
    attendance: list[AttendanceIn] | None = None
    #: New action items added with the record.
    action_items: list[RecordItemIn] = Field(default_factory=list, max_length=50)


class LoggedMeetingIn(Schema):
    start: dt.datetime
    duration_minutes: int = Field(ge=1, le=record_services.MAX_DURATION_MINUTES)
    timezone: str = Field(min_length=1, max_length=64)
    location: str = Field("", max_length=record_services.TEXT_MAX)


class MeetingOut(Schema):
    id: int
    start: dt.datetime
    duration_minutes: int
    timezone: str
    status: str
    logged: bool
    template_id: int | None


class CommentOut(Schema):
    id: int
    author: PersonOut
    body: str
    body_html: str
    created_at: dt.datetime


class AssignmentOut(Schema):
    id: int
    meeting_id: int | None
    assignee: PersonOut
    prompt: str
    due_at: dt.datetime | None
    body: str
    body_html: str
    submitted: bool
    submitted_at: dt.datetime | None
    comments: list[CommentOut]


class AssignmentIn(Schema):
    body: str = Field(max_length=assignment_services.BODY_MAX)


class AssignmentSubmitIn(Schema):
    #: The final text; omitted, the saved draft is submitted.
    body: str | None = Field(None, max_length=assignment_services.BODY_MAX)


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=assignment_services.COMMENT_MAX)


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=rating_services.COMMENT_MAX)
    share_comment: bool = False


class MyRatingOut(Schema):
    score: int
    comment: str
    comment_shared: bool


class OtherRatingOut(Schema):
    name: str
    score: int | None
    comment: str


class RatingsOut(Schema):
    mine: MyRatingOut | None
    #: False while blind: the others' scores show once everyone rated or a week passed.
    revealed: bool
    others: int
    others_rated: int
    visible: list[OtherRatingOut]


class MeetingSummaryOut(Schema):
    """A meeting's figures: what a coordinator may see (never what was written)."""

    meeting_id: int
    start: dt.datetime
    status: str
    logged: bool
    record_written: bool
    agenda_items: int
    action_items_open: int
    action_items_done: int
    ratings: int


class TemplateOut(Schema):
    id: int
    kind: TemplateKind
    position: int
    title: str
    purpose: str
    questions: list[str]
    preparation: str
    checklist: list[str]
    #: The tool the preparation is written in ("plan"), or blank.
    opens_tool: TemplateTool


class TemplateIn(Schema):
    kind: TemplateKind
    title: str = Field(min_length=1, max_length=guide_services.TITLE_MAX)
    purpose: str = Field("", max_length=guide_services.TEXT_MAX)
    questions: list[str] = Field(default_factory=list, max_length=50)
    preparation: str = Field("", max_length=guide_services.TEXT_MAX)
    checklist: list[str] = Field(default_factory=list, max_length=20)
    opens_tool: TemplateTool = TemplateTool.NONE


class TemplatePatch(Schema):
    kind: TemplateKind | None = None
    title: str | None = Field(None, min_length=1, max_length=guide_services.TITLE_MAX)
    purpose: str | None = Field(None, max_length=guide_services.TEXT_MAX)
    questions: list[str] | None = Field(None, max_length=50)
    preparation: str | None = Field(None, max_length=guide_services.TEXT_MAX)
    checklist: list[str] | None = Field(None, max_length=20)
    opens_tool: TemplateTool | None = None
    #: Move the template one place.
    move: str | None = Field(None, pattern="^(up|down)$")


# --- finding things -----------------------------------------------------------------------


def _mentorship_query() -> Any:
    return Mentorship.objects.select_related("program__organization").prefetch_related(
        Prefetch("members", queryset=MentorshipMember.objects.select_related("membership__user"))
    )


def _member(access: Access, mentorship: Mentorship) -> MentorshipMember:
    if not rules.is_member(access, mentorship):
        raise Http404("No such mentorship.")
    membership = access.membership
    assert membership is not None  # is_member holds
    return next(m for m in mentorship.members.all() if m.membership_id == membership.pk)


def _mine(access: Access, mentorship_id: int) -> tuple[Mentorship, MentorshipMember]:
    mentorship = _mentorship_query().filter(pk=mentorship_id, program=access.program_or_404)
    found = mentorship.first()
    if found is None:
        raise Http404("No such mentorship.")
    return found, _member(access, found)


def _meeting(access: Access, meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(pk=meeting_id, mentorship__program=access.program_or_404)
        .select_related("template")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("author__user")),
            "attendees",
        )
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.mentorship = _mentorship_query().get(pk=meeting.mentorship_id)
    return meeting


def _my_meeting(access: Access, meeting_id: int) -> tuple[Meeting, MentorshipMember]:
    meeting = _meeting(access, meeting_id)
    return meeting, _member(access, meeting.mentorship)


def _person(member_membership: Any) -> dict[str, Any]:
    return {"membership_id": member_membership.pk, "name": member_membership.user.display_name}


def _item_out(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "meeting_id": item.meeting_id,
        "text": item.text,
        "owner": _person(item.owner),
        "due_on": item.due_on,
        "done": item.done_at is not None,
        "done_at": item.done_at,
        "created_by_id": item.created_by_id,
    }


def _agenda_out(meeting: Meeting) -> dict[str, Any]:
    template = meeting.template
    return {
        "meeting_id": meeting.pk,
        "template_id": template.pk if template else None,
        "title": template.title if template else "",
        "purpose": template.purpose if template else "",
        "questions": template.question_list if template else [],
        "items": [
            {
                "id": item.pk,
                "text": item.text,
                "author": _person(item.author),
                "created_at": item.created_at,
            }
            for item in meeting.agenda_items.all()
        ],
    }


def _record_out(meeting: Meeting) -> dict[str, Any]:
    record = queries.record_of(meeting)
    items = queries.action_items_of(meeting.mentorship).filter(meeting=meeting)
    return {
        "meeting_id": meeting.pk,
        "written": record is not None,
        "written_by": _person(record.written_by) if record and record.written_by else None,
        "notes": record.notes if record else "",
        "notes_html": render_markdown(record.notes) if record else "",
        "next_meeting_set": record.next_meeting_set if record else False,
        "action_items_defined": record.action_items_defined if record else False,
        "checklist_note": record.checklist_note if record else "",
        "attendance": [
            {"membership_id": a.membership_id, "attended": a.attended}
            for a in meeting.attendees.all()
        ],
        "action_items": [_item_out(item) for item in items],
        "updated_at": record.updated_at if record else None,
    }


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "meeting_id": assignment.meeting_id,
        "assignee": _person(assignment.assignee),
        "prompt": assignment.prompt,
        "due_at": assignment.due_at,
        "body": assignment.body,
        "body_html": render_markdown(assignment.body) if assignment.body else "",
        "submitted": assignment.submitted_at is not None,
        "submitted_at": assignment.submitted_at,
        "comments": [
            {
                "id": c.pk,
                "author": _person(c.author),
                "body": c.body,
                "body_html": render_markdown(c.body),
                "created_at": c.created_at,
            }
            for c in assignment.comments.all()
        ],
    }


def _template_out(template: MeetingTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "kind": template.kind,
        "position": template.position,
        "title": template.title,
        "purpose": template.purpose,
        "questions": template.question_list,
        "preparation": template.preparation,
        "checklist": template.checklist_items,
        "opens_tool": template.opens_tool,
    }


# --- agenda -------------------------------------------------------------------------------


@router.get(PROGRAM + "/meetings/{meeting_id}/agenda", response={200: AgendaOut, **ERRORS})
def agenda(request: HttpRequest, org: str, program: str, meeting_id: int) -> dict[str, Any]:
    """The meeting's agenda: the guide's template and the items the members added."""
    access = program_access(request, org, program)
    meeting, _ = _my_meeting(access, meeting_id)
    return _agenda_out(meeting)


@router.post(
    PROGRAM + "/meetings/{meeting_id}/agenda-items", response={201: AgendaItemOut, **ERRORS}
)
def agenda_item_add(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: AgendaItemIn
) -> Status[dict[str, Any]]:
    access = program_access(request, org, program)
    meeting, member = _my_meeting(access, meeting_id)
    item = record_services.add_agenda_item(meeting, by=member.membership, text=payload.text)
    return Status(
        201,
        {
            "id": item.pk,
            "text": item.text,
            "author": _person(member.membership),
            "created_at": item.created_at,
        },
    )


@router.delete(
    PROGRAM + "/meetings/{meeting_id}/agenda-items/{item_id}", response={204: None, **ERRORS}
)
def agenda_item_remove(
    request: HttpRequest, org: str, program: str, meeting_id: int, item_id: int
) -> Status[None]:
    access = program_access(request, org, program)
    meeting, member = _my_meeting(access, meeting_id)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    item.meeting = meeting
    record_services.remove_agenda_item(item, by=member.membership)
    return Status(204, None)


# --- the record ---------------------------------------------------------------------------


@router.get(PROGRAM + "/meetings/{meeting_id}/record", response={200: RecordOut, **ERRORS})
def record(request: HttpRequest, org: str, program: str, meeting_id: int) -> dict[str, Any]:
    access = program_access(request, org, program)
    meeting, _ = _my_meeting(access, meeting_id)
    return _record_out(meeting)


@router.put(PROGRAM + "/meetings/{meeting_id}/record", response={200: RecordOut, **ERRORS})
def record_save(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: RecordIn
) -> dict[str, Any]:
    """Write or correct the record (the mentor; in groups, the facilitator). Unticked
    checklist items need ``checklist_note``."""
    access = program_access(request, org, program)
    meeting, member = _my_meeting(access, meeting_id)
    attended = None
    if payload.attendance is not None:
        attended = {row.membership_id: row.attended for row in payload.attendance}
    record_services.save_record(
        meeting,
        RecordInput(
            notes=payload.notes,
            next_meeting_set=payload.next_meeting_set,
            action_items_defined=payload.action_items_defined,
            checklist_note=payload.checklist_note,
            attended=attended,
            action_items=[
                ActionItemInput(text=row.text, owner_id=row.owner, due_on=row.due_on)
                for row in payload.action_items
            ],
        ),
        by=member.membership,
    )
    return _record_out(_meeting(access, meeting_id))


@router.get(PROGRAM + "/meetings/{meeting_id}/summary", response={200: MeetingSummaryOut, **ERRORS})
def meeting_summary(
    request: HttpRequest, org: str, program: str, meeting_id: int
) -> dict[str, Any]:
    """A meeting's figures, for its members and the program's coordinators."""
    access = program_access(request, org, program)
    meeting = _meeting(access, meeting_id)
    if not (rules.is_member(access, meeting.mentorship) or rules.can_oversee_mentorships(access)):
        raise Http404("No such meeting.")
    items = ActionItem.objects.filter(meeting=meeting)
    return {
        "meeting_id": meeting.pk,
        "start": meeting.start,
        "status": meeting.status,
        "logged": meeting.logged,
        "record_written": queries.record_of(meeting) is not None,
        "agenda_items": len(meeting.agenda_items.all()),
        "action_items_open": items.filter(done_at__isnull=True).count(),
        "action_items_done": items.filter(done_at__isnull=False).count(),
        "ratings": MeetingRating.objects.filter(meeting=meeting).count(),
    }


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/logged-meetings", response={201: MeetingOut, **ERRORS}
)
def log_meeting(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: LoggedMeetingIn
) -> Status[dict[str, Any]]:
    """ "We met on …": log a meeting arranged outside Tandem (no invites are sent)."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    meeting = record_services.log_past_meeting(
        mentorship,
        by=member.membership,
        start=payload.start,
        duration_minutes=payload.duration_minutes,
        timezone_name=payload.timezone,
        location=payload.location,
    )
    return Status(
        201,
        {
            "id": meeting.pk,
            "start": meeting.start,
            "duration_minutes": meeting.duration_minutes,
            "timezone": meeting.timezone,
            "status": meeting.status,
            "logged": meeting.logged,
            "template_id": meeting.template_id,
        },
    )


# --- action items -------------------------------------------------------------------------


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}/action-items",
    response={200: list[ActionItemOut], **ERRORS},
)
def action_items(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    """Open items first (by delivery date), then done ones."""
    access = program_access(request, org, program)
    mentorship, _ = _mine(access, mentorship_id)
    return [_item_out(item) for item in queries.action_items_of(mentorship)]


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/action-items",
    response={201: ActionItemOut, **ERRORS},
)
def action_item_add(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: ActionItemIn
) -> Status[dict[str, Any]]:
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    meeting = None
    if payload.meeting_id is not None:
        meeting = Meeting.objects.filter(pk=payload.meeting_id, mentorship=mentorship).first()
        if meeting is None:
            raise ServiceError(
                f"No meeting {payload.meeting_id} in this mentorship.", field="meeting_id"
            )
    item = record_services.add_action_item(
        mentorship,
        ActionItemInput(text=payload.text, owner_id=payload.owner, due_on=payload.due_on),
        by=member.membership,
        meeting=meeting,
    )
    return Status(201, _item_out(queries.action_items_of(mentorship).get(pk=item.pk)))


def _item(mentorship: Mentorship, item_id: int) -> ActionItem:
    item = get_object_or_404(queries.action_items_of(mentorship), pk=item_id)
    item.mentorship = mentorship
    return item


@router.patch(
    PROGRAM + "/mentorships/{mentorship_id}/action-items/{item_id}",
    response={200: ActionItemOut, **ERRORS},
)
def action_item_patch(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    item_id: int,
    payload: ActionItemPatch,
) -> dict[str, Any]:
    """Tick or untick (``done``, any member); change text, owner or date (its creator or the
    member who leads)."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    item = _item(mentorship, item_id)
    if payload.text is not None or payload.owner is not None or payload.due_on is not None:
        record_services.edit_action_item(
            item,
            ActionItemInput(
                text=payload.text if payload.text is not None else item.text,
                owner_id=payload.owner if payload.owner is not None else item.owner_id,
                due_on=payload.due_on if payload.due_on is not None else item.due_on,
            ),
            by=member.membership,
        )
    if payload.done is not None:
        record_services.set_action_item_done(item, by=member.membership, done=payload.done)
    return _item_out(_item(mentorship, item_id))


@router.delete(
    PROGRAM + "/mentorships/{mentorship_id}/action-items/{item_id}",
    response={204: None, **ERRORS},
)
def action_item_delete(
    request: HttpRequest, org: str, program: str, mentorship_id: int, item_id: int
) -> Status[None]:
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    record_services.delete_action_item(_item(mentorship, item_id), by=member.membership)
    return Status(204, None)


# --- assignments --------------------------------------------------------------------------


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}/assignments",
    response={200: list[AssignmentOut], **ERRORS},
)
def assignment_list(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    """Your preparation (leaders: every mentee's), newest first."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    return [_assignment_out(a) for a in queries.assignments_of(mentorship, member)]


def _assignment(
    access: Access, mentorship_id: int, assignment_id: int
) -> tuple[Assignment, MentorshipMember]:
    mentorship, member = _mine(access, mentorship_id)
    assignment = get_object_or_404(queries.assignments_of(mentorship, member), pk=assignment_id)
    return assignment, member


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
)
def assignment_detail(
    request: HttpRequest, org: str, program: str, mentorship_id: int, assignment_id: int
) -> dict[str, Any]:
    access = program_access(request, org, program)
    assignment, _ = _assignment(access, mentorship_id, assignment_id)
    return _assignment_out(assignment)


@router.put(
    PROGRAM + "/mentorships/{mentorship_id}/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
)
def assignment_save(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    assignment_id: int,
    payload: AssignmentIn,
) -> dict[str, Any]:
    """Save the draft (the assignee)."""
    access = program_access(request, org, program)
    assignment, member = _assignment(access, mentorship_id, assignment_id)
    assignment_services.save_assignment(assignment, by=member.membership, body=payload.body)
    return _assignment_out(_assignment(access, mentorship_id, assignment_id)[0])


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/assignments/{assignment_id}/submit",
    response={200: AssignmentOut, **ERRORS},
)
def assignment_submit(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    assignment_id: int,
    payload: AssignmentSubmitIn,
) -> dict[str, Any]:
    """Submit (the assignee); submitting again is harmless."""
    access = program_access(request, org, program)
    assignment, member = _assignment(access, mentorship_id, assignment_id)
    body = payload.body if payload.body is not None else assignment.body
    assignment_services.save_assignment(assignment, by=member.membership, body=body, submit=True)
    return _assignment_out(_assignment(access, mentorship_id, assignment_id)[0])


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/assignments/{assignment_id}/comments",
    response={201: CommentOut, **ERRORS},
)
def assignment_comment(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    assignment_id: int,
    payload: CommentIn,
) -> Status[dict[str, Any]]:
    """Comment on submitted preparation (the mentor; in groups, the facilitator)."""
    access = program_access(request, org, program)
    assignment, member = _assignment(access, mentorship_id, assignment_id)
    comment = assignment_services.comment_on_assignment(
        assignment, by=member.membership, body=payload.body
    )
    return Status(
        201,
        {
            "id": comment.pk,
            "author": _person(member.membership),
            "body": comment.body,
            "body_html": render_markdown(comment.body),
            "created_at": comment.created_at,
        },
    )


# --- ratings ------------------------------------------------------------------------------


def _ratings_out(meeting: Meeting, member: MentorshipMember) -> dict[str, Any]:
    view = rating_services.visible_ratings(meeting, viewer=member.membership)
    mine = view.mine
    return {
        "mine": (
            {"score": mine.score, "comment": mine.comment, "comment_shared": mine.comment_shared}
            if mine
            else None
        ),
        "revealed": view.revealed,
        "others": view.others,
        "others_rated": view.others_rated,
        "visible": [{"name": r.name, "score": r.score, "comment": r.comment} for r in view.visible],
    }


@router.get(PROGRAM + "/meetings/{meeting_id}/ratings", response={200: RatingsOut, **ERRORS})
def ratings(request: HttpRequest, org: str, program: str, meeting_id: int) -> dict[str, Any]:
    """Your rating, and the others' once everyone has rated or a week has passed."""
    access = program_access(request, org, program)
    meeting, member = _my_meeting(access, meeting_id)
    return _ratings_out(meeting, member)


@router.post(PROGRAM + "/meetings/{meeting_id}/ratings", response={200: RatingsOut, **ERRORS})
def rate(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: RatingIn
) -> dict[str, Any]:
    """Rate the meeting 1–5 (again: change your rating)."""
    access = program_access(request, org, program)
    meeting, member = _my_meeting(access, meeting_id)
    rating_services.rate_meeting(
        meeting,
        by=member.membership,
        score=payload.score,
        comment=payload.comment,
        share_comment=payload.share_comment,
    )
    return _ratings_out(meeting, member)


# --- the meeting guide (coordinators) -----------------------------------------------------


def _template_input(payload: TemplateIn | TemplatePatch, template: MeetingTemplate | None) -> Any:
    def pick(name: str) -> Any:
        value = getattr(payload, name)
        if value is None and template is not None:
            return getattr(template, name)
        return value

    def lines(name: str) -> str:
        value = getattr(payload, name)
        if value is None and template is not None:
            return str(getattr(template, name))
        return "\n".join(line.strip() for line in (value or []) if line.strip())

    return guide_services.TemplateInput(
        kind=str(pick("kind")),
        title=str(pick("title")),
        purpose=str(pick("purpose") or ""),
        questions=lines("questions"),
        preparation=str(pick("preparation") or ""),
        checklist=lines("checklist"),
        opens_tool=str(pick("opens_tool") or ""),
    )


@router.get(PROGRAM + "/guide/templates", response={200: list[TemplateOut], **ERRORS})
def template_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    """The program's meeting guide in order (a new program gets the starter guide)."""
    access = program_access(request, org, program)
    check_rule(rules.can_oversee_mentorships, access)
    return [_template_out(t) for t in guide_services.ensure_guide(access.program_or_404)]


@router.post(PROGRAM + "/guide/templates", response={201: TemplateOut, **ERRORS})
def template_add(
    request: HttpRequest, org: str, program: str, payload: TemplateIn
) -> Status[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_oversee_mentorships, access)
    template = guide_services.add_template(
        access.program_or_404, _template_input(payload, None), by=access.user
    )
    return Status(201, _template_out(template))


def _template(access: Access, template_id: int) -> MeetingTemplate:
    return get_object_or_404(
        MeetingTemplate.objects.select_related("program"),
        pk=template_id,
        program=access.program_or_404,
    )


@router.patch(PROGRAM + "/guide/templates/{template_id}", response={200: TemplateOut, **ERRORS})
def template_patch(
    request: HttpRequest, org: str, program: str, template_id: int, payload: TemplatePatch
) -> dict[str, Any]:
    """Change a template's fields, or move it one place (``move``: up or down)."""
    access = program_access(request, org, program)
    check_rule(rules.can_oversee_mentorships, access)
    template = _template(access, template_id)
    fields = payload.dict(exclude_unset=True, exclude={"move"})
    if fields:
        guide_services.update_template(template, _template_input(payload, template), by=access.user)
    if payload.move:
        guide_services.move_template(template, direction=payload.move, by=access.user)
    return _template_out(_template(access, template_id))


@router.delete(PROGRAM + "/guide/templates/{template_id}", response={204: None, **ERRORS})
def template_delete(request: HttpRequest, org: str, program: str, template_id: int) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(rules.can_oversee_mentorships, access)
    guide_services.remove_template(_template(access, template_id), by=access.user)
    return Status(204, None)
