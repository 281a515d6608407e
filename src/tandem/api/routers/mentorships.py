"""Mentorships: mine across programs, one mentorship (its members get its content, the
program's coordinators its figures only), its conversation, and confirming or declining a
proposed match. Everyone else gets the same 404 as for a mentorship that does not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access, request_user
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.text import render_markdown
from tandem.enrolment.highlights import highlights
from tandem.mentoring.enums import MentorshipKind, RelationshipStatus
from tandem.mentoring.models import Mentorship, MentorshipMember, Message, Relationship
from tandem.mentoring.queries.messages import PAGE_SIZE
from tandem.mentoring.queries.workspace import time_zone_of
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import confirmation
from tandem.mentoring.services import messages as message_services
from tandem.mentoring.services.confirmation import DECLINE_NOTE_MAX
from tandem.mentoring.services.messages import MESSAGE_MAX_LENGTH
from tandem.programs.access import Access
from tandem.programs.enums import MembershipStatus

router = Router(tags=["mentorships"])

PROGRAM = "/organizations/{org}/programs/{program}"


class MemberOut(Schema):
    membership_id: int
    name: str
    role: str
    is_facilitator: bool


class MyMentorshipOut(Schema):
    id: int
    organization: str
    program: str
    kind: MentorshipKind
    status: RelationshipStatus
    members: list[MemberOut]
    started_at: dt.datetime | None
    ends_on: dt.date | None
    url: str


class PersonOut(MemberOut):
    pronouns: str
    email: str
    time_zone: str
    highlights: list[str]
    confirmed_at: dt.datetime | None
    declined_at: dt.datetime | None


class FiguresOut(Schema):
    """What a coordinator may know of a mentorship: dates and counts, never content."""

    id: int
    kind: MentorshipKind
    status: RelationshipStatus
    name: str
    members: list[MemberOut]
    created_at: dt.datetime
    started_at: dt.datetime | None
    ends_on: dt.date | None
    confirm_by: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    last_activity_at: dt.datetime | None
    last_met_at: dt.datetime | None
    next_meeting_at: dt.datetime | None
    meetings_scheduled: int
    meetings_held: int
    records_missing: int
    action_items_open: int
    action_items_done: int


class MentorshipOut(FiguresOut):
    """What a member sees: the figures, the people with their contact details, and the
    conversation's unread count."""

    people: list[PersonOut]
    unread_messages: int
    url: str


class AuthorOut(Schema):
    membership_id: int
    name: str


class MessageOut(Schema):
    id: int
    author: AuthorOut
    #: The markdown as written; ``body_html`` is the sanitised rendering.
    body: str
    body_html: str
    created_at: dt.datetime
    is_mine: bool
    is_unread: bool


class MessagePageOut(Schema):
    count: int
    page: int
    pages: int
    unread: int
    #: The page's messages, oldest first; page 1 holds the newest.
    items: list[MessageOut]


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=MESSAGE_MAX_LENGTH)


class DeclineIn(Schema):
    note: str = Field(min_length=1, max_length=DECLINE_NOTE_MAX)


class AnswerOut(Schema):
    mentorship_id: int
    status: RelationshipStatus
    confirmed_at: dt.datetime | None
    declined_at: dt.datetime | None
    #: A group mentee who declined has left the group (which carries on without them).
    left: bool


class ReadOut(Schema):
    marked_read: int


def _members_prefetch() -> Prefetch[Any]:
    return Prefetch("members", queryset=MentorshipMember.objects.select_related("membership__user"))


def _member_out(place: MentorshipMember) -> dict[str, Any]:
    return {
        "membership_id": place.membership_id,
        "name": place.membership.user.display_name,
        "role": place.role,
        "is_facilitator": place.is_facilitator,
    }


def _load(access: Access, mentorship_id: int) -> Mentorship:
    mentorship = (
        Mentorship.objects.select_related("program__organization")
        .prefetch_related(_members_prefetch())
        .filter(pk=mentorship_id, program=access.program_or_404)
        .first()
    )
    if mentorship is None:
        raise Http404("No such mentorship.")
    return mentorship


def _mine(access: Access, mentorship_id: int) -> tuple[Mentorship, MentorshipMember]:
    """The mentorship and the caller's place in it; 404 unless the caller is a member."""
    check_rule(rules.can_open_mentorship_pages, access)
    mentorship = _load(access, mentorship_id)
    if not rules.is_member(access, mentorship) or access.membership is None:
        raise Http404("No such mentorship.")
    member = next(m for m in mentorship.members.all() if m.membership_id == access.membership.pk)
    return mentorship, member


def _figures(mentorship: Mentorship) -> dict[str, Any]:
    return {
        "id": mentorship.pk,
        "kind": mentorship.kind,
        "status": mentorship.status,
        "name": mentorship.name,
        "members": [_member_out(place) for place in mentorship.members.all()],
        "created_at": mentorship.created_at,
        "started_at": mentorship.started_at,
        "ends_on": mentorship.ends_on,
        "confirm_by": mentorship.confirm_by,
        "ended_at": mentorship.ended_at,
        "end_reason": mentorship.end_reason,
        "last_activity_at": mentorship.last_activity_at,
        "last_met_at": mentorship.last_met_at,
        "next_meeting_at": mentorship.next_meeting_at,
        "meetings_scheduled": mentorship.meetings_scheduled,
        "meetings_held": mentorship.meetings_held,
        "records_missing": mentorship.records_missing,
        "action_items_open": mentorship.action_items_open,
        "action_items_done": mentorship.action_items_done,
    }


def _detail(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    return {
        **_figures(mentorship),
        "people": [
            {
                **_member_out(place),
                "pronouns": place.membership.user.pronouns,
                "email": place.membership.user.email,
                "time_zone": time_zone_of(place.membership),
                "highlights": highlights(place.membership),
                "confirmed_at": place.confirmed_at,
                "declined_at": place.declined_at,
            }
            for place in mentorship.members.all()
        ],
        "unread_messages": message_services.unread_count(member),
        "url": mentorship.get_absolute_url(),
    }


def _message_out(message: Message, member: MentorshipMember) -> dict[str, Any]:
    mine = message.author_id == member.membership_id
    return {
        "id": message.pk,
        "author": {"membership_id": message.author_id, "name": message.author.user.display_name},
        "body": message.body,
        "body_html": render_markdown(message.body),
        "created_at": message.created_at,
        "is_mine": mine,
        "is_unread": not mine
        and (member.last_read_at is None or message.created_at > member.last_read_at),
    }


@router.get("/me/mentorships", response={200: list[MyMentorshipOut]})
def my_mentorships(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's mentorships across programs (newest first), where they are an approved
    mentor or mentee."""
    user = request_user(request)
    mentorships = (
        Mentorship.objects.filter(
            members__membership__user=user,
            members__membership__status=MembershipStatus.APPROVED,
        )
        .select_related("program__organization")
        .prefetch_related(_members_prefetch())
        .order_by("-created_at", "-id")
        .distinct()
    )
    return [
        {
            "id": mentorship.pk,
            "organization": mentorship.program.organization.slug,
            "program": mentorship.program.slug,
            "kind": mentorship.kind,
            "status": mentorship.status,
            "members": [_member_out(place) for place in mentorship.members.all()],
            "started_at": mentorship.started_at,
            "ends_on": mentorship.ends_on,
            "url": mentorship.get_absolute_url(),
        }
        for mentorship in mentorships
    ]


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}",
    response={200: MentorshipOut | FiguresOut, 403: ErrorOut, 404: ErrorOut},
)
def mentorship_detail(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> dict[str, Any]:
    """Members: the people (contact, time zone, highlights) and the figures. Coordinators:
    the figures only."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    mentorship = _load(access, mentorship_id)
    if rules.is_member(access, mentorship) and access.membership is not None:
        member = next(
            m for m in mentorship.members.all() if m.membership_id == access.membership.pk
        )
        return _detail(mentorship, member)
    if rules.can_oversee_mentorships(access):
        return _figures(mentorship)
    raise Http404("No such mentorship.")


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}/messages",
    response={200: MessagePageOut, 403: ErrorOut, 404: ErrorOut},
)
def message_list(
    request: HttpRequest, org: str, program: str, mentorship_id: int, page: int = 1
) -> dict[str, Any]:
    """The conversation, a page at a time (page 1: the newest). Reading it does not mark it
    read: POST …/messages/read does."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    paginator = Paginator(
        Message.objects.filter(mentorship=mentorship)
        .select_related("author__user")
        .order_by("-created_at", "-id"),
        PAGE_SIZE,
    )
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "unread": message_services.unread_count(member),
        "items": [_message_out(m, member) for m in list(current.object_list)[::-1]],
    }


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/messages",
    response={201: MessageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def message_post(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """Write in the conversation (markdown; refused once the mentorship is not live)."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    message = message_services.post_message(mentorship, by=member.membership, body=payload.body)
    message = Message.objects.select_related("author__user").get(pk=message.pk)
    member.refresh_from_db(fields=["last_read_at"])
    return Status(201, _message_out(message, member))


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/messages/read",
    response={200: ReadOut, 403: ErrorOut, 404: ErrorOut},
)
def message_read(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> dict[str, int]:
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    return {"marked_read": message_services.mark_read(mentorship, by=member.membership)}


def _answer(mentorship_id: int, member: MentorshipMember) -> dict[str, Any]:
    status = Mentorship.objects.values_list("status", flat=True).get(pk=mentorship_id)
    member.refresh_from_db(fields=["confirmed_at", "declined_at"])
    return {
        "mentorship_id": mentorship_id,
        "status": status,
        "confirmed_at": member.confirmed_at,
        "declined_at": member.declined_at,
        "left": False,
    }


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/confirm",
    response={200: AnswerOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def mentorship_confirm(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> dict[str, Any]:
    """Confirm a proposed match; it starts when every member has (confirming twice is fine)."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    confirmation.confirm_match(mentorship, by=member.membership)
    return _answer(mentorship.pk, member)


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/decline",
    response={200: AnswerOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def mentorship_decline(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: DeclineIn
) -> dict[str, Any]:
    """Decline a proposed match with a reason (for the coordinators only)."""
    access = program_access(request, org, program)
    mentorship, member = _mine(access, mentorship_id)
    confirmation.decline_match(mentorship, by=member.membership, note=payload.note)
    if MentorshipMember.objects.filter(pk=member.pk).exists():
        return _answer(mentorship.pk, member)
    # A group mentee who declines leaves the group, which carries on without them.
    ended_at = (
        Relationship.objects.filter(mentorship=mentorship, mentee_id=member.membership_id)
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )
    return {
        "mentorship_id": mentorship.pk,
        "status": Mentorship.objects.values_list("status", flat=True).get(pk=mentorship.pk),
        "confirmed_at": None,
        "declined_at": ended_at,
        "left": True,
    }
