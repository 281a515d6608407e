"""Meetings of a mentorship: schedule one or a series, reschedule and cancel (this or the
following), answer, propose another time, the invitation last sent, the personal calendar feed.

Members only; a coordinator lists a mentorship's meetings as dates and statuses (metadata),
never places, agendas or answers. Everyone else gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access, request_user
from tandem.api.schemas import ErrorOut, Schema
from tandem.mentoring.enums import MeetingStatus, ProposalStatus, Rsvp
from tandem.mentoring.models import Meeting, Mentorship, MentorshipMember, TimeProposal
from tandem.mentoring.queries import meetings as meeting_queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import feeds
from tandem.mentoring.services import meetings as meeting_services
from tandem.programs.access import Access

router = Router(tags=["meetings"])

PROGRAM = "/organizations/{org}/programs/{program}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AttendeeOut(Schema):
    membership_id: int
    name: str
    rsvp: Rsvp
    invited_at: dt.datetime | None
    #: Why no invitation could be sent (e.g. no e-mail address); blank when it was.
    invite_skipped: str


class MeetingOut(Schema):
    id: int
    mentorship_id: int
    series_id: int | None
    uid: str
    recurrence_id: dt.datetime | None
    start: dt.datetime
    end: dt.datetime
    duration_minutes: int
    timezone: str
    location: str
    status: MeetingStatus
    sequence: int
    logged: bool
    agenda_title: str
    attendees: list[AttendeeOut]
    url: str


class MeetingDatesOut(Schema):
    """What a coordinator sees of a meeting: that it happens, when."""

    id: int
    start: dt.datetime
    duration_minutes: int
    status: MeetingStatus


class SeriesOut(Schema):
    id: int
    uid: str
    rrule: str
    timezone: str
    status: MeetingStatus
    sequence: int
    occurrences: list[MeetingOut]


class ScheduledOut(Schema):
    """The meeting, or the series with its occurrences (``series`` is null for one meeting)."""

    kind: Literal["meeting", "series"]
    meeting: MeetingOut
    series: SeriesOut | None


class ScheduleIn(Schema):
    #: ISO 8601 with an offset, e.g. 2027-03-01T10:00:00+01:00.
    start: dt.datetime
    duration_minutes: int = Field(
        ge=meeting_services.MIN_DURATION, le=meeting_services.MAX_DURATION
    )
    #: An IANA time zone name, e.g. Europe/Berlin.
    timezone: str = Field(min_length=1, max_length=64)
    #: RFC 5545 RRULE text, e.g. FREQ=MONTHLY;UNTIL=20270630T235959Z (an end is required).
    rrule: str | None = Field(default=None, max_length=500)
    location: str = Field(default="", max_length=500)


class RescheduleIn(Schema):
    start: dt.datetime
    duration_minutes: int | None = Field(
        default=None, ge=meeting_services.MIN_DURATION, le=meeting_services.MAX_DURATION
    )
    location: str | None = Field(default=None, max_length=500)
    scope: Literal["this", "following"] = "this"


class CancelIn(Schema):
    scope: Literal["this", "following", "all"] = "this"


class RsvpIn(Schema):
    rsvp: Literal["accepted", "declined", "tentative"]


class ProposalIn(Schema):
    start: dt.datetime
    duration_minutes: int | None = Field(
        default=None, ge=meeting_services.MIN_DURATION, le=meeting_services.MAX_DURATION
    )
    note: str = Field(default="", max_length=500)


class ProposalOut(Schema):
    id: int
    meeting_id: int
    proposed_by: int
    start: dt.datetime
    duration_minutes: int
    note: str
    status: ProposalStatus


class AnswerIn(Schema):
    accept: bool


class FeedOut(Schema):
    url: str
    webcal_url: str
    last_used_at: dt.datetime | None


# --- lookups --------------------------------------------------------------------------------


def _mentorship(access: Access, mentorship_id: int) -> Mentorship:
    mentorship = (
        Mentorship.objects.select_related("program__organization")
        .filter(pk=mentorship_id, program=access.program_or_404)
        .first()
    )
    if mentorship is None:
        raise _missing()
    return mentorship


def _missing(what: str = "No such mentorship.") -> Http404:
    return Http404(what)


def _member(access: Access, mentorship: Mentorship) -> MentorshipMember:
    membership = access.membership
    member = (
        mentorship.members.filter(membership=membership).first() if membership is not None else None
    )
    if member is None:
        raise _missing()
    return member


def _meeting(access: Access, meeting_id: int) -> tuple[Meeting, MentorshipMember]:
    meeting = (
        Meeting.objects.select_related("mentorship__program__organization", "template", "series")
        .filter(pk=meeting_id, mentorship__program=access.program_or_404)
        .first()
    )
    if meeting is None:
        raise _missing()
    return meeting, _member(access, meeting.mentorship)


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "mentorship_id": meeting.mentorship_id,
        "series_id": meeting.series_id,
        "uid": meeting.uid,
        "recurrence_id": meeting.recurrence_id,
        "start": meeting.start,
        "end": meeting.end,
        "duration_minutes": meeting.duration_minutes,
        "timezone": meeting.timezone,
        "location": meeting.location,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "logged": meeting.logged,
        "agenda_title": meeting.template.title if meeting.template else "",
        "attendees": [
            {
                "membership_id": a.membership_id,
                "name": a.membership.user.display_name,
                "rsvp": a.rsvp,
                "invited_at": a.invited_at,
                "invite_skipped": a.invite_skipped,
            }
            for a in meeting.attendees.all()
        ],
        "url": meeting.get_absolute_url(),
    }


def _loaded(meeting_id: int) -> Meeting:
    return meeting_queries.with_attendees(
        Meeting.objects.select_related("mentorship__program__organization")
    ).get(pk=meeting_id)


def _scheduled_out(meeting: Meeting) -> dict[str, Any]:
    series = meeting.series
    if series is None:
        return {"kind": "meeting", "meeting": meeting_out(meeting), "series": None}
    occurrences = meeting_queries.with_attendees(
        series.occurrences.select_related("mentorship__program__organization")
    ).order_by("start")
    return {
        "kind": "series",
        "meeting": meeting_out(meeting),
        "series": {
            "id": series.pk,
            "uid": series.uid,
            "rrule": series.rrule,
            "timezone": series.timezone,
            "status": series.status,
            "sequence": series.sequence,
            "occurrences": [meeting_out(m) for m in occurrences],
        },
    }


# --- endpoints ------------------------------------------------------------------------------


@router.get(
    PROGRAM + "/mentorships/{mentorship_id}/meetings",
    response={200: list[MeetingOut] | list[MeetingDatesOut], **ERRORS},
)
def meeting_list(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    """Members: every meeting with place, agenda title and answers. Coordinators: dates and
    statuses only."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    mentorship = _mentorship(access, mentorship_id)
    if not rules.is_member(access, mentorship):
        if not rules.can_oversee_mentorships(access):
            raise _missing()
        return [
            {"id": pk, "start": start, "duration_minutes": minutes, "status": status}
            for pk, start, minutes, status in mentorship.meetings.order_by("start").values_list(
                "pk", "start", "duration_minutes", "status"
            )
        ]
    meetings = meeting_queries.meetings_of(mentorship).select_related(
        "mentorship__program__organization"
    )
    return [meeting_out(m) for m in meetings]


@router.post(
    PROGRAM + "/mentorships/{mentorship_id}/meetings",
    response={201: ScheduledOut, **ERRORS},
)
def meeting_schedule(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: ScheduleIn
) -> Status[dict[str, Any]]:
    """Schedule one meeting, or a series when ``rrule`` is given; invitations go to everyone."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    mentorship = _mentorship(access, mentorship_id)
    member = _member(access, mentorship)
    meeting = meeting_services.schedule(
        mentorship,
        meeting_services.Plan(
            start=payload.start,
            duration_minutes=payload.duration_minutes,
            timezone=payload.timezone,
            location=payload.location,
            rrule=payload.rrule or "",
        ),
        by=member.membership,
    )
    return Status(201, _scheduled_out(_loaded(meeting.pk)))


@router.get(PROGRAM + "/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS})
def meeting_detail(request: HttpRequest, org: str, program: str, meeting_id: int) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, _member_row = _meeting(access, meeting_id)
    return meeting_out(_loaded(meeting.pk))


@router.patch(PROGRAM + "/meetings/{meeting_id}", response={200: ScheduledOut, **ERRORS})
def meeting_reschedule(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: RescheduleIn
) -> dict[str, Any]:
    """Move this meeting (``scope=this``) or this and the following of its series."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, member = _meeting(access, meeting_id)
    moved = meeting_services.reschedule(
        meeting,
        by=member.membership,
        start=payload.start,
        duration_minutes=payload.duration_minutes,
        location=payload.location,
        scope=payload.scope,
    )
    return _scheduled_out(_loaded(moved.pk))


@router.post(PROGRAM + "/meetings/{meeting_id}/cancel", response={200: MeetingOut, **ERRORS})
def meeting_cancel(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: CancelIn
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, member = _meeting(access, meeting_id)
    cancelled = meeting_services.cancel(meeting, by=member.membership, scope=payload.scope)
    return meeting_out(_loaded(cancelled.pk))


@router.get(PROGRAM + "/meetings/{meeting_id}/invite.ics", response={200: str, **ERRORS})
def meeting_invite(request: HttpRequest, org: str, program: str, meeting_id: int) -> HttpResponse:
    """Exactly the iCalendar object last sent to the attendees (REQUEST or CANCEL)."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, _member_row = _meeting(access, meeting_id)
    if not meeting.ics:
        raise _missing("No invitation has been sent for this meeting (it was logged).")
    return HttpResponse(
        meeting.ics, content_type=f"text/calendar; method={meeting.ics_method}; charset=utf-8"
    )


@router.post(PROGRAM + "/meetings/{meeting_id}/rsvp", response={200: MeetingOut, **ERRORS})
def meeting_rsvp(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: RsvpIn
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, member = _meeting(access, meeting_id)
    meeting_services.respond(meeting, by=member.membership, rsvp=payload.rsvp)
    return meeting_out(_loaded(meeting.pk))


def _proposal_out(proposal: TimeProposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "meeting_id": proposal.meeting_id,
        "proposed_by": proposal.proposed_by_id,
        "start": proposal.start,
        "duration_minutes": proposal.duration_minutes,
        "note": proposal.note,
        "status": proposal.status,
    }


@router.post(PROGRAM + "/meetings/{meeting_id}/proposals", response={201: ProposalOut, **ERRORS})
def meeting_propose(
    request: HttpRequest, org: str, program: str, meeting_id: int, payload: ProposalIn
) -> Status[dict[str, Any]]:
    """Propose another time; the other side accepts or declines."""
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, member = _meeting(access, meeting_id)
    proposal = meeting_services.propose_time(
        meeting,
        by=member.membership,
        start=payload.start,
        duration_minutes=payload.duration_minutes,
        note=payload.note,
    )
    return Status(201, _proposal_out(proposal))


@router.post(
    PROGRAM + "/meetings/{meeting_id}/proposals/{proposal_id}/answer",
    response={200: ProposalOut, **ERRORS},
)
def meeting_proposal_answer(
    request: HttpRequest,
    org: str,
    program: str,
    meeting_id: int,
    proposal_id: int,
    payload: AnswerIn,
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    meeting, member = _meeting(access, meeting_id)
    proposal = TimeProposal.objects.filter(pk=proposal_id, meeting=meeting).first()
    if proposal is None:
        raise _missing()
    answered = meeting_services.answer_proposal(
        proposal, by=member.membership, accept=payload.accept
    )
    return _proposal_out(answered)


def _feed_out(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    feed = feeds.feed_of(user)
    return {
        **feeds.feed_urls(feed, absolute=request.build_absolute_uri),
        "last_used_at": feed.last_used_at,
    }


@router.get("/me/calendar-feed", response=FeedOut, tags=["people"])
def my_calendar_feed(request: HttpRequest) -> dict[str, Any]:
    """Your secret calendar URL (it serves ``text/calendar`` without a session)."""
    return _feed_out(request)


@router.post("/me/calendar-feed/renew", response=FeedOut, tags=["people"])
def renew_my_calendar_feed(request: HttpRequest) -> dict[str, Any]:
    """A new secret URL; the old one stops working at once."""
    user = request_user(request)
    feeds.renew_feed(user, by=user)
    return _feed_out(request)
