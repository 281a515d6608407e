"""Arranging meetings from the workspace and the meeting page: schedule one or a series, move,
cancel, answer, propose another time; the invitation as a file; the personal calendar feed."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import MeetingStatus, ProposalStatus, Rsvp
from tandem.mentoring.forms.meetings import (
    CancelForm,
    ProposeForm,
    Repeat,
    RescheduleForm,
    ScheduleForm,
)
from tandem.mentoring.models import CalendarFeed, Meeting, Mentorship, TimeProposal
from tandem.mentoring.queries import meetings as meeting_queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import calendars, feeds
from tandem.mentoring.services import meetings as meeting_services
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"
MEETING = MENTORSHIP + "meetings/<int:meeting_id>/"
#: A built feed is reused while nothing in it changed, at most this long (names can change).
FEED_CACHE_SECONDS = 3600
#: A feed fetched more often than this does not write its last use again.
FEED_TOUCH = dt.timedelta(minutes=10)


def _meeting(mentorship: Mentorship, meeting_id: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("series", "template", "mentorship__program"),
        pk=meeting_id,
        mentorship=mentorship,
    )


def _user_zone(request: TenantRequest) -> str:
    zone = getattr(request.user, "time_zone", "") or "UTC"
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):
        return "UTC"
    return zone


def _time_initial(meeting: Meeting, zone: ZoneInfo) -> dict[str, Any]:
    """A meeting's time as the time fields show it, in the viewer's zone."""
    local = meeting.start.astimezone(zone)
    return {
        "date": local.date(),
        "time": local.time(),
        "timezone": zone.key,
        "duration_minutes": meeting.duration_minutes,
    }


def _suggested_start(request: TenantRequest, mentorship: Mentorship) -> dt.datetime:
    """?start=<ISO> (the record's "schedule it" link), else a week from now at 10:00."""
    asked = parse_datetime(request.GET.get("start", "") or "")
    zone = ZoneInfo(_user_zone(request))
    if asked is not None:
        return asked if timezone.is_aware(asked) else asked.replace(tzinfo=zone)
    day = timezone.localdate() + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(10), tzinfo=zone)


@requires(rules.can_open_mentorship_pages)
def schedule_meeting(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    program = mentorship.program
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                meeting = meeting_services.schedule(mentorship, form.plan(), by=member.membership)
            except ServiceError as error:
                form.add_service_error(error)
            else:
                count = meeting.series.occurrences.count() if meeting.series else 1
                messages.success(
                    request,
                    "Your meeting is scheduled: everyone has an invitation by e-mail."
                    if count == 1
                    else f"{count} meetings are scheduled: everyone has the series by e-mail.",
                )
                return redirect(mentorship.get_absolute_url())
    else:
        start = _suggested_start(request, mentorship).astimezone(ZoneInfo(_user_zone(request)))
        has_meetings = mentorship.meetings.exclude(status=MeetingStatus.CANCELLED).exists()
        form = ScheduleForm(
            initial={
                "date": start.date(),
                "time": start.time().replace(second=0, microsecond=0),
                "timezone": _user_zone(request),
                "duration_minutes": 60,
                "repeat": Repeat.ONCE if has_meetings else program.meeting_cadence,
                "until": meeting_services.mentorship_window(mentorship)[1],
            }
        )
    return render(
        request,
        "mentoring/meetings/schedule.html",
        {
            "program": program,
            "mentorship": mentorship,
            "member": member,
            "form": form,
            "ends_on": meeting_services.mentorship_window(mentorship)[1],
        },
        status=422 if request.method == "POST" else 200,
    )


@requires(rules.can_open_mentorship_pages)
def reschedule_meeting(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    zone = ZoneInfo(_user_zone(request))
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                moved = meeting_services.reschedule(
                    meeting,
                    by=member.membership,
                    start=form.start(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    scope=form.cleaned_data.get("scope") or meeting_services.Scope.THIS,
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, "The meeting has its new time; invitations are updated.")
                return redirect(moved.get_absolute_url())
    else:
        form = RescheduleForm(initial=_time_initial(meeting, zone))
    return render(
        request,
        "mentoring/meetings/reschedule.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "meeting": meeting,
            "form": form,
            "is_series": meeting.series_id is not None,
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@requires(rules.can_open_mentorship_pages)
def cancel_meeting(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    form = CancelForm(request.POST)
    scope = form.cleaned_data.get("scope") if form.is_valid() else ""
    try:
        meeting_services.cancel(
            meeting, by=member.membership, scope=scope or meeting_services.Scope.THIS
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(meeting.get_absolute_url())
    messages.success(request, "Cancelled. Everyone's calendar is updated.")
    return redirect(mentorship.get_absolute_url())


@requires(rules.can_open_mentorship_pages)
def rsvp_meeting(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    """POST answers. GET (from an e-mail link with ?answer=…) shows the answer to confirm, so
    that nothing changes on a link preview."""
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    answer = (request.POST if request.method == "POST" else request.GET).get("answer", "")
    if request.method == "POST":
        try:
            meeting_services.respond(meeting, by=member.membership, rsvp=answer)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Your answer is saved: {Rsvp(answer).label.lower()}.")
        if request.htmx:
            return _actions(request, mentorship, member, meeting)
        return redirect(meeting.get_absolute_url())
    if answer not in (Rsvp.ACCEPTED, Rsvp.DECLINED, Rsvp.TENTATIVE):
        return redirect(meeting.get_absolute_url())
    return render(
        request,
        "mentoring/meetings/rsvp.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "meeting": meeting,
            "answer": Rsvp(answer),
            "viewer_zone": _user_zone(request),
        },
    )


def _actions(
    request: TenantRequest, mentorship: Mentorship, member: Any, meeting: Meeting
) -> HttpResponse:
    meeting = meeting_queries.with_attendees(Meeting.objects.filter(pk=meeting.pk)).get()
    return render(
        request,
        "mentoring/meetings/_schedule_actions.html",
        {
            "mentorship": mentorship,
            "member": member,
            "meeting": meeting,
            **schedule_actions_context(meeting, member),
        },
    )


def schedule_actions_context(meeting: Meeting, member: Any) -> dict[str, Any]:
    """What ``_schedule_actions.html`` needs about the meeting for the viewing member."""
    attendees = list(meeting.attendees.all())
    mine = next((a for a in attendees if a.membership_id == member.membership_id), None)
    proposals = getattr(meeting, "open_proposals", None)
    if proposals is None:
        proposals = list(
            meeting.proposals.filter(status=ProposalStatus.OPEN).select_related("proposed_by__user")
        )
    return {
        "attendees": attendees,
        "my_answer": mine,
        "open_proposals": proposals,
        "editable": meeting.status == MeetingStatus.SCHEDULED
        and not meeting.logged
        and meeting.mentorship.is_live,
        "answers": [
            (Rsvp.ACCEPTED, "Accept"),
            (Rsvp.TENTATIVE, "Maybe"),
            (Rsvp.DECLINED, "Decline"),
        ],
        "cancel_form": CancelForm(),
    }


@requires(rules.can_open_mentorship_pages)
def propose_time(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    zone = ZoneInfo(_user_zone(request))
    if request.method == "POST":
        form = ProposeForm(request.POST)
        if form.is_valid():
            try:
                meeting_services.propose_time(
                    meeting,
                    by=member.membership,
                    start=form.start(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    note=form.cleaned_data.get("note", ""),
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, "Your proposal is sent; you will hear when it is answered."
                )
                return redirect(meeting.get_absolute_url())
    else:
        form = ProposeForm(initial=_time_initial(meeting, zone))
    return render(
        request,
        "mentoring/meetings/propose.html",
        {"program": mentorship.program, "mentorship": mentorship, "meeting": meeting, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@requires(rules.can_open_mentorship_pages)
def answer_proposal(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, proposal_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    proposal = get_object_or_404(
        TimeProposal.objects.select_related("meeting"),
        pk=proposal_id,
        meeting__mentorship=mentorship,
    )
    accept = request.POST.get("accept") == "1"
    try:
        meeting_services.answer_proposal(proposal, by=member.membership, accept=accept)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Accepted: the meeting moved and everyone's invitation is updated."
            if accept
            else "Declined: the meeting keeps its time.",
        )
    return redirect(proposal.meeting.get_absolute_url())


@requires(rules.can_open_mentorship_pages)
def meeting_ics(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    """The invitation last sent for this meeting, to add it to a calendar by hand."""
    mentorship, _member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    if not meeting.ics:
        raise Http404("No invitation was sent for this meeting.")
    response = HttpResponse(
        meeting.ics, content_type=f"text/calendar; method={meeting.ics_method}; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response


# --- the personal calendar feed ---------------------------------------------------------------


@login_required
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        feed = feeds.renew_feed(user, by=user)  # type: ignore[arg-type]
        messages.success(
            request, "Your calendar link is new: the old one no longer works. Subscribe again."
        )
        return redirect("mentoring:calendar_feed_settings")
    feed = feeds.feed_of(user)  # type: ignore[arg-type]
    return render(
        request,
        "mentoring/meetings/calendar_feed.html",
        {"feed": feed, **feeds.feed_urls(feed, absolute=request.build_absolute_uri)},
    )


def _build_feed(
    specs: list[calendars.EventSpec], known: dict[str, str], *, now: dt.datetime
) -> tuple[str, dict[str, str]]:
    """The feed and its serialised events, serialising again only the events that changed
    since ``known`` (the last build's): a feed changes a meeting at a time, and ``icalendar``
    costs about 0.2 ms an event."""
    texts = {}
    for spec in specs:
        key = calendars.feed_event_key(spec)
        texts[key] = known.get(key) or calendars.feed_event(spec, stamp=now)
    return calendars.feed_from_events(texts.values(), name="Tandem meetings"), texts


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session, the secret in the URL is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > FEED_TOUCH:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    # Calendar apps poll the feed; rebuild it only when something it shows changed.
    fingerprint = meeting_queries.feed_fingerprint(feed.user, now=now)
    key = f"calendar-feed:{feed.pk}:{feed.token}"
    cached = cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        body = cached[1]
    else:
        known = cached[2] if cached is not None else {}
        specs = meeting_queries.feed_events(feed.user, now=now)
        body, texts = _build_feed(specs, known, now=now)
        cache.set(key, (fingerprint, body, texts), FEED_CACHE_SECONDS)
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["ETag"] = etag
    return response


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "meetings/new/", schedule_meeting, name="schedule_meeting"),
    path(MEETING + "move/", reschedule_meeting, name="reschedule_meeting"),
    path(MEETING + "cancel/", cancel_meeting, name="cancel_meeting"),
    path(MEETING + "rsvp/", rsvp_meeting, name="rsvp_meeting"),
    path(MEETING + "propose/", propose_time, name="propose_time"),
    path(MEETING + "invite.ics", meeting_ics, name="meeting_ics"),
    path(
        MENTORSHIP + "proposals/<int:proposal_id>/answer/",
        answer_proposal,
        name="answer_proposal",
    ),
    path("me/calendar/", calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
