"""Meetings of a mentorship: schedule one or a series (an RRULE expanded with ``dateutil`` in
the organiser's time zone), reschedule or cancel one occurrence or the rest of a series, answer
(RSVP), propose another time. Every change stores the iCalendar object it sends on the meetings
it concerns (``Meeting.ics``) and e-mails it to the attendees from the worker."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import formats, timezone
from icalendar import vRecur

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import InviteMethod, MeetingStatus, ProposalStatus, Rsvp
from tandem.mentoring.models import (
    LIVE_STATUSES,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
    Mentorship,
    MentorshipMember,
    TimeProposal,
)
from tandem.mentoring.services import calendars
from tandem.mentoring.services.activity import refresh_activity
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Membership

MIN_DURATION = 10
MAX_DURATION = 8 * 60
MAX_OCCURRENCES = 120
#: Frequencies a mentoring series may have (the program cadences, and daily for intensives).
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}
#: RRULE parts we accept (the rest of RFC 5545 is refused with a message naming the part).
RRULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"}
#: A start this far in the past is still "now" (a form filled slowly).
PAST_GRACE = dt.timedelta(minutes=10)


class Scope:
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"
    CHOICES = (THIS, FOLLOWING, ALL)


# --- validation -----------------------------------------------------------------------------


def zone_or_error(name: str) -> ZoneInfo:
    name = (name or "").strip()
    if not name or name not in _zone_names():
        raise ServiceError(
            f"“{name}” is not a time zone we know: use a name such as Europe/Berlin or "
            "America/New_York.",
            field="timezone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"“{name}” is not a time zone we know.", field="timezone") from None


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def mentorship_window(mentorship: Mentorship) -> tuple[dt.date, dt.date]:
    """The first and last day meetings may be on."""
    program = mentorship.program
    first = program.starts_on
    if mentorship.started_at is not None:
        first = min(first, timezone.localdate(mentorship.started_at))
    last = mentorship.ends_on or program.ends_on
    return first, last


def _check_duration(minutes: int) -> None:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ServiceError(
            f"A meeting lasts between {MIN_DURATION} minutes and {MAX_DURATION // 60} hours "
            f"(you gave {minutes} minutes).",
            field="duration_minutes",
        )


def _check_start(start: dt.datetime, *, allow_past: bool = False) -> None:
    if timezone.is_naive(start):
        raise ServiceError(
            "The start needs a time zone offset (e.g. 2027-03-01T10:00:00+01:00).", field="start"
        )
    if not allow_past and start < timezone.now() - PAST_GRACE:
        raise ServiceError(
            "This time has passed. To record a meeting you already had, log it instead.",
            field="start",
        )


def _check_in_window(mentorship: Mentorship, starts: Sequence[dt.datetime], zone: ZoneInfo) -> None:
    first, last = mentorship_window(mentorship)
    for start in starts:
        day = start.astimezone(zone).date()
        if day > last:
            raise ServiceError(
                f"{formats.date_format(day)} is after the mentorship ends on "
                f"{formats.date_format(last)}.",
                field="rrule" if len(starts) > 1 else "start",
            )
        if day < first:
            raise ServiceError(
                f"{formats.date_format(day)} is before the mentorship starts on "
                f"{formats.date_format(first)}.",
                field="start",
            )


def _check_live(mentorship: Mentorship) -> None:
    if mentorship.status not in LIVE_STATUSES:
        raise ServiceError(
            "Meetings can be arranged while the mentorship is active: this one is "
            f"{mentorship.get_status_display().lower()}.",
        )


def _member(mentorship: Mentorship, membership: Membership) -> MentorshipMember:
    member = mentorship.members.filter(membership=membership).first()
    if member is None:
        raise ServiceError("Only the mentorship's members arrange its meetings.")
    return member


def normalise_rrule(text: str, *, start: dt.datetime, zone: ZoneInfo) -> str:
    """The RRULE as stored: the parts we accept, an end (UNTIL in UTC, or COUNT) required."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    try:
        parts = vRecur.from_ical(text)
    except (ValueError, TypeError):
        raise ServiceError(
            f"“{text}” is not an RRULE (e.g. FREQ=MONTHLY;UNTIL=20270630T235959Z).",
            field="rrule",
        ) from None
    if "FREQ" not in parts:
        raise ServiceError(
            f"“{text}” is not an RRULE (e.g. FREQ=MONTHLY;UNTIL=20270630T235959Z).",
            field="rrule",
        )
    unknown = set(parts) - RRULE_PARTS
    if unknown:
        raise ServiceError(
            f"The RRULE part {', '.join(sorted(unknown))} is not supported here.", field="rrule"
        )
    frequency = (parts.get("FREQ") or [""])[0]
    if frequency not in FREQUENCIES:
        raise ServiceError(
            "A series repeats DAILY, WEEKLY or MONTHLY (FREQ=…).",
            field="rrule",
        )
    if "UNTIL" not in parts and "COUNT" not in parts:
        raise ServiceError(
            "A series needs an end: add UNTIL=<last day> or COUNT=<number of meetings>.",
            field="rrule",
        )
    if "UNTIL" in parts:
        until = parts["UNTIL"][0]
        if isinstance(until, dt.datetime):
            if until.tzinfo is None:
                until = until.replace(tzinfo=zone)
        else:  # a date: the end of that day where the series is held
            until = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone)
        parts["UNTIL"] = [until.astimezone(dt.UTC)]
        if until < start:
            raise ServiceError("The series ends before its first meeting.", field="rrule")
    return str(vRecur(parts).to_ical().decode())


def expand(rrule: str, *, start: dt.datetime, zone: ZoneInfo) -> list[dt.datetime]:
    """Occurrence starts (aware, UTC) keeping ``start``'s wall-clock time in ``zone``."""
    local = start.astimezone(zone)
    occurrences: list[dt.datetime] = []
    for moment in rrulestr(rrule, dtstart=local):
        occurrences.append(moment.astimezone(dt.UTC))
        if len(occurrences) > MAX_OCCURRENCES:
            raise ServiceError(f"A series has at most {MAX_OCCURRENCES} meetings.", field="rrule")
    if not occurrences:
        raise ServiceError("This RRULE gives no meeting at all.", field="rrule")
    return occurrences


def cadence_rrule(cadence: str, *, until: dt.date, zone: ZoneInfo) -> str:
    """The RRULE for a program cadence (weekly, every two weeks, monthly) until a day."""
    base = {"weekly": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2"}.get(
        cadence, "FREQ=MONTHLY"
    )
    end = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)
    return f"{base};UNTIL={end:%Y%m%dT%H%M%SZ}"


# --- what the calendars receive -------------------------------------------------------------


def summary_of(mentorship: Mentorship) -> str:
    if mentorship.is_group:
        return f"{mentorship.name or 'Mentoring group'} — {mentorship.program.name}"
    names = [m.membership.user.display_name for m in mentorship.members.all()]
    return f"Mentoring: {' & '.join(names)}"


def _description(meeting: Meeting) -> str:
    from django.conf import settings

    lines = []
    if meeting.template is not None:
        lines.append(f"Agenda: {meeting.template.title}")
    lines.append(f"Your shared space: {settings.SITE_URL}{meeting.mentorship.get_absolute_url()}")
    return "\n".join(lines)


def _people(meeting: Meeting) -> list[calendars.Person]:
    return [
        calendars.Person(
            name=attendee.membership.user.display_name,
            email=attendee.membership.user.email,
            rsvp=attendee.rsvp,
        )
        for attendee in meeting.attendees.select_related("membership__user")
    ]


def _occurrence_spec(meeting: Meeting, *, status: str | None = None) -> calendars.EventSpec:
    series = meeting.series
    return calendars.EventSpec(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.start,
        duration_minutes=meeting.duration_minutes,
        summary=summary_of(meeting.mentorship),
        description=_description(meeting),
        location=meeting.location,
        status=status or meeting.status,
        timezone=meeting.timezone if series is not None else "",
        recurrence_id=meeting.recurrence_id if series is not None else None,
    )


def _series_specs(series: MeetingSeries, first: Meeting) -> list[calendars.EventSpec]:
    """The series' master and every occurrence that differs from the rule."""
    occurrences = list(series.occurrences.order_by("recurrence_id"))
    exdates = [m.recurrence_id for m in occurrences if m.status == MeetingStatus.CANCELLED]
    master = calendars.EventSpec(
        uid=series.uid,
        sequence=series.sequence,
        start=series.first_start,
        duration_minutes=series.duration_minutes,
        summary=summary_of(series.mentorship),
        description=_description(first),
        location=series.location,
        status=series.status,
        rrule=series.rrule,
        timezone=series.timezone,
        exdates=[d for d in exdates if d is not None],
    )
    overrides = [
        _occurrence_spec(m)
        for m in occurrences
        if m.status != MeetingStatus.CANCELLED
        and (
            m.start != m.recurrence_id
            or m.duration_minutes != series.duration_minutes
            or m.location != series.location
        )
    ]
    return [master, *overrides]


def _scheduler(membership: Membership) -> calendars.Person:
    return calendars.Person(name=membership.user.display_name, email=membership.user.email)


def _send(
    meetings: Sequence[Meeting],
    events: Sequence[calendars.EventSpec],
    *,
    method: InviteMethod,
    by: Membership,
    change: str,
) -> str:
    """Build the iTIP object, store it on ``meetings`` and e-mail it once the transaction
    commits. Returns the object."""
    lead = meetings[0]
    ics = calendars.invitation(
        events, method=method, attendees=_people(lead), scheduled_by=_scheduler(by)
    )
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(ics=ics, ics_method=method)
    for meeting in meetings:
        meeting.ics, meeting.ics_method = ics, method
    from tandem.mentoring.tasks import send_invitation

    lead_id = lead.pk
    transaction.on_commit(lambda: send_invitation.enqueue(lead_id, ics, change))
    return ics


# --- scheduling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a person asks for: one meeting, or a series when ``rrule`` is given."""

    start: dt.datetime
    duration_minutes: int
    timezone: str
    location: str = ""
    rrule: str = ""


def _attach_attendees(meetings: Sequence[Meeting], mentorship: Mentorship, by: Membership) -> None:
    members = list(mentorship.members.all())
    rows = [
        MeetingAttendee(
            meeting=meeting,
            membership_id=member.membership_id,
            rsvp=Rsvp.ACCEPTED if member.membership_id == by.pk else Rsvp.NEEDS_ACTION,
            responded_at=timezone.now() if member.membership_id == by.pk else None,
        )
        for meeting in meetings
        for member in members
    ]
    MeetingAttendee.objects.bulk_create(rows)


def _after_change(mentorship: Mentorship) -> None:
    from tandem.mentoring.services import assignments, guides

    guides.assign_agendas(mentorship)
    assignments.refresh_assignment_due_dates(mentorship)
    refresh_activity(mentorship.pk)


def schedule(mentorship: Mentorship, plan: Plan, *, by: Membership) -> Meeting:
    """Schedule one meeting or a series; returns the (first) meeting. A form submitted twice
    finds the meeting the first one made and sends nothing again."""
    zone = zone_or_error(plan.timezone)
    _check_duration(plan.duration_minutes)
    _check_start(plan.start)
    location = plan.location.strip()
    if len(location) > 500:
        raise ServiceError("A place or link has at most 500 characters.", field="location")
    with transaction.atomic():
        mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
        _check_live(mentorship)
        _member(mentorship, by)
        existing = (
            Meeting.objects.filter(mentorship=mentorship, start=plan.start)
            .exclude(status=MeetingStatus.CANCELLED)
            .first()
        )
        if existing is not None:
            return existing
        if plan.rrule:
            rrule = normalise_rrule(plan.rrule, start=plan.start, zone=zone)
            starts = expand(rrule, start=plan.start, zone=zone)
            _check_in_window(mentorship, starts, zone)
            series = MeetingSeries.objects.create(
                mentorship=mentorship,
                rrule=rrule,
                timezone=zone.key,
                first_start=starts[0],
                duration_minutes=plan.duration_minutes,
                location=location,
                created_by=by.user,
            )
            Meeting.objects.bulk_create(
                [
                    Meeting(
                        mentorship=mentorship,
                        series=series,
                        uid=series.uid,
                        recurrence_id=start,
                        start=start,
                        duration_minutes=plan.duration_minutes,
                        timezone=zone.key,
                        location=location,
                        created_by=by.user,
                    )
                    for start in starts
                ]
            )
            meetings = list(series.occurrences.order_by("start"))
            _attach_attendees(meetings, mentorship, by)
            _after_change(mentorship)
            first = Meeting.objects.select_related("template", "mentorship__program").get(
                pk=meetings[0].pk
            )
            _send(
                meetings,
                _series_specs(series, first),
                method=InviteMethod.REQUEST,
                by=by,
                change="new",
            )
            record_audit(
                by.user,
                "meeting_series.scheduled",
                series,
                changes={"rrule": rrule, "meetings": len(meetings), "timezone": zone.key},
            )
            return first
        _check_in_window(mentorship, [plan.start], zone)
        meeting = Meeting.objects.create(
            mentorship=mentorship,
            start=plan.start,
            duration_minutes=plan.duration_minutes,
            timezone=zone.key,
            location=location,
            created_by=by.user,
        )
        _attach_attendees([meeting], mentorship, by)
        _after_change(mentorship)
        meeting.refresh_from_db()
        _send(
            [meeting],
            [_occurrence_spec(meeting)],
            method=InviteMethod.REQUEST,
            by=by,
            change="new",
        )
        record_audit(by.user, "meeting.scheduled", meeting, changes={"start": str(plan.start)})
        return meeting


def _editable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError(
            "This meeting was cancelled, so it cannot be changed: schedule a new one instead."
        )
    if meeting.status == MeetingStatus.HELD or meeting.logged:
        raise ServiceError("This meeting has been held: its record can still be edited.")


def _lock(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("mentorship__program", "series", "template")
        .get(pk=meeting.pk)
    )


def reschedule(
    meeting: Meeting,
    *,
    by: Membership,
    start: dt.datetime,
    duration_minutes: int | None = None,
    location: str | None = None,
    scope: str = Scope.THIS,
) -> Meeting:
    """Move one meeting (or one occurrence), or this and the following occurrences of its
    series (the series is ended before it and a new series starts at the new time)."""
    if scope not in (Scope.THIS, Scope.FOLLOWING):
        raise ServiceError("The scope is “this” or “following”.", field="scope")
    _check_start(start)
    with transaction.atomic():
        meeting = _lock(meeting)
        mentorship = meeting.mentorship
        _check_live(mentorship)
        _member(mentorship, by)
        _editable(meeting)
        duration = duration_minutes if duration_minutes is not None else meeting.duration_minutes
        _check_duration(duration)
        new_location = meeting.location if location is None else location.strip()
        zone = zone_or_error(meeting.timezone)
        if scope == Scope.FOLLOWING and meeting.series is not None:
            return _reschedule_following(
                meeting, by=by, start=start, duration=duration, location=new_location, zone=zone
            )
        _check_in_window(mentorship, [start], zone)
        time_changed = start != meeting.start or duration != meeting.duration_minutes
        place_changed = new_location != meeting.location
        meeting.start = start
        meeting.duration_minutes = duration
        meeting.location = new_location
        if time_changed or place_changed:
            meeting.sequence += 1
        meeting.save(update_fields=["start", "duration_minutes", "location", "sequence"])
        if time_changed:  # everyone answers again; the person who moved it has accepted
            MeetingAttendee.objects.filter(meeting=meeting).exclude(membership=by).update(
                rsvp=Rsvp.NEEDS_ACTION, responded_at=None
            )
            MeetingAttendee.objects.filter(meeting=meeting, membership=by).update(
                rsvp=Rsvp.ACCEPTED, responded_at=timezone.now()
            )
        _after_change(mentorship)
        meeting.refresh_from_db()
        _send(
            [meeting],
            [_occurrence_spec(meeting)],
            method=InviteMethod.REQUEST,
            by=by,
            change="moved",
        )
        record_audit(by.user, "meeting.rescheduled", meeting, changes={"start": str(start)})
        return meeting


def _remaining(meeting: Meeting) -> list[Meeting]:
    """This occurrence and the later ones of its series that have not been held."""
    assert meeting.series is not None
    return list(
        meeting.series.occurrences.filter(recurrence_id__gte=meeting.recurrence_id)
        .exclude(status__in=[MeetingStatus.HELD])
        .order_by("recurrence_id")
    )


def _truncate(series: MeetingSeries, before: dt.datetime) -> None:
    """End ``series`` just before the occurrence that started at ``before``."""
    zone = ZoneInfo(series.timezone)
    parts = vRecur.from_ical(series.rrule)
    parts.pop("COUNT", None)
    parts["UNTIL"] = [(before - dt.timedelta(seconds=1)).astimezone(dt.UTC)]
    series.rrule = normalise_rrule(
        vRecur(parts).to_ical().decode(), start=series.first_start, zone=zone
    )
    series.sequence += 1
    series.save(update_fields=["rrule", "sequence"])


def _reschedule_following(
    meeting: Meeting,
    *,
    by: Membership,
    start: dt.datetime,
    duration: int,
    location: str,
    zone: ZoneInfo,
) -> Meeting:
    old = meeting.series
    assert old is not None
    assert meeting.recurrence_id is not None
    mentorship = meeting.mentorship
    remaining = _remaining(meeting)
    shift = start - meeting.start
    # The new series repeats the same rule from the new start, to the same end.
    parts = vRecur.from_ical(old.rrule)
    if "COUNT" in parts:
        parts["COUNT"] = [len(remaining)]
    new_rule = normalise_rrule(vRecur(parts).to_ical().decode(), start=start, zone=zone)
    starts = expand(new_rule, start=start, zone=zone)
    _check_in_window(mentorship, starts, zone)
    is_whole_series = meeting.recurrence_id == old.first_start
    if is_whole_series:
        old.rrule, old.first_start = new_rule, starts[0]
        old.duration_minutes, old.location = duration, location
        old.sequence += 1
        old.save(update_fields=["rrule", "first_start", "duration_minutes", "location", "sequence"])
        new = old
    else:
        _truncate(old, meeting.recurrence_id)
        new = MeetingSeries.objects.create(
            mentorship=mentorship,
            rrule=new_rule,
            timezone=zone.key,
            first_start=starts[0],
            duration_minutes=duration,
            location=location,
            created_by=by.user,
        )
    # Reuse the remaining rows (their agenda items stay) for the new occurrences, in order.
    reused: list[Meeting] = []
    for row, occurrence in zip(remaining, starts, strict=False):
        row.series, row.uid = new, new.uid
        row.recurrence_id = occurrence
        row.start, row.duration_minutes, row.location = occurrence, duration, location
        row.status = MeetingStatus.SCHEDULED
        row.sequence = new.sequence
        reused.append(row)
    # Two passes: park the rows on temporary recurrence ids so the unique (series,
    # recurrence_id) constraint never sees two rows at one moment mid-update.
    for index, row in enumerate(reused):
        Meeting.objects.filter(pk=row.pk).update(
            series=new,
            recurrence_id=dt.datetime(1900, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index),
        )
    Meeting.objects.bulk_update(
        reused,
        [
            "series",
            "uid",
            "recurrence_id",
            "start",
            "duration_minutes",
            "location",
            "status",
            "sequence",
        ],
    )
    extra_rows = remaining[len(starts) :]
    if extra_rows:
        Meeting.objects.filter(pk__in=[m.pk for m in extra_rows]).delete()
    if len(starts) > len(remaining):
        Meeting.objects.bulk_create(
            [
                Meeting(
                    mentorship=mentorship,
                    series=new,
                    uid=new.uid,
                    recurrence_id=occurrence,
                    start=occurrence,
                    duration_minutes=duration,
                    timezone=zone.key,
                    location=location,
                    sequence=new.sequence,
                    created_by=by.user,
                )
                for occurrence in starts[len(remaining) :]
            ]
        )
        added = list(new.occurrences.filter(recurrence_id__in=starts[len(remaining) :]))
        _attach_attendees(added, mentorship, by)
    if shift:
        MeetingAttendee.objects.filter(meeting__series=new).exclude(membership=by).update(
            rsvp=Rsvp.NEEDS_ACTION, responded_at=None
        )
    _after_change(mentorship)
    new_rows = list(new.occurrences.select_related("template").order_by("start"))
    if not is_whole_series:
        kept = list(old.occurrences.select_related("template").order_by("start"))
        if kept:
            _send(
                kept,
                _series_specs(old, kept[0]),
                method=InviteMethod.REQUEST,
                by=by,
                change="moved",
            )
    _send(
        new_rows,
        _series_specs(new, new_rows[0]),
        method=InviteMethod.REQUEST,
        by=by,
        change="moved" if is_whole_series else "new",
    )
    record_audit(
        by.user,
        "meeting_series.rescheduled",
        new,
        changes={"from": str(meeting.recurrence_id), "start": str(start)},
    )
    return Meeting.objects.get(pk=new_rows[0].pk)


def cancel(meeting: Meeting, *, by: Membership, scope: str = Scope.THIS) -> Meeting:
    """Cancel one meeting or occurrence, this and the following ones, or the whole series."""
    if scope not in Scope.CHOICES:
        raise ServiceError("The scope is “this”, “following” or “all”.", field="scope")
    with transaction.atomic():
        meeting = _lock(meeting)
        mentorship = meeting.mentorship
        _member(mentorship, by)
        _editable(meeting)
        series = meeting.series
        if series is None or scope == Scope.THIS:
            meeting.status = MeetingStatus.CANCELLED
            meeting.sequence += 1
            meeting.save(update_fields=["status", "sequence"])
            _after_change(mentorship)
            _send(
                [meeting],
                [_occurrence_spec(meeting)],
                method=InviteMethod.CANCEL,
                by=by,
                change="cancelled",
            )
            record_audit(by.user, "meeting.cancelled", meeting)
            return meeting
        assert meeting.recurrence_id is not None
        whole = scope == Scope.ALL or meeting.recurrence_id == series.first_start
        if whole:
            rows = list(series.occurrences.exclude(status=MeetingStatus.HELD))
        else:
            rows = _remaining(meeting)
        cancelled_ids = [m.pk for m in rows]
        Meeting.objects.filter(pk__in=cancelled_ids).update(
            status=MeetingStatus.CANCELLED, sequence=series.sequence + 1
        )
        first = series.occurrences.select_related("template").order_by("start").first()
        assert first is not None
        if whole:
            series.status = MeetingStatus.CANCELLED
            series.sequence += 1
            series.save(update_fields=["status", "sequence"])
            _after_change(mentorship)
            master = _series_specs(series, first)[0]
            _send(
                list(Meeting.objects.filter(pk__in=cancelled_ids).order_by("start")),
                [master],
                method=InviteMethod.CANCEL,
                by=by,
                change="cancelled",
            )
        else:
            _truncate(series, meeting.recurrence_id)
            _after_change(mentorship)
            affected = list(series.occurrences.order_by("start"))
            _send(
                affected,
                _series_specs(series, first),
                method=InviteMethod.REQUEST,
                by=by,
                change="cancelled",
            )
        record_audit(by.user, "meeting_series.cancelled", series, changes={"meetings": len(rows)})
        return Meeting.objects.get(pk=meeting.pk)


# --- answers and other times ----------------------------------------------------------------


def respond(meeting: Meeting, *, by: Membership, rsvp: str) -> MeetingAttendee:
    """Accept, decline or answer maybe (RSVP happens in Tandem, not by calendar replies)."""
    if rsvp not in (Rsvp.ACCEPTED, Rsvp.DECLINED, Rsvp.TENTATIVE):
        raise ServiceError("Answer accepted, declined or tentative.", field="rsvp")
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.status == MeetingStatus.CANCELLED:
            raise ServiceError("This meeting was cancelled.")
        attendee = MeetingAttendee.objects.filter(meeting=meeting, membership=by).first()
        if attendee is None:
            raise ServiceError("Only the people invited answer.")
        attendee.rsvp = rsvp
        attendee.responded_at = timezone.now()
        attendee.save(update_fields=["rsvp", "responded_at"])
        return attendee


def propose_time(
    meeting: Meeting,
    *,
    by: Membership,
    start: dt.datetime,
    duration_minutes: int | None = None,
    note: str = "",
) -> TimeProposal:
    _check_start(start)
    with transaction.atomic():
        meeting = _lock(meeting)
        _member(meeting.mentorship, by)
        _editable(meeting)
        duration = duration_minutes or meeting.duration_minutes
        _check_duration(duration)
        _check_in_window(meeting.mentorship, [start], zone_or_error(meeting.timezone))
        if len(note) > 500:
            raise ServiceError("A note has at most 500 characters.", field="note")
        TimeProposal.objects.filter(
            meeting=meeting, proposed_by=by, status=ProposalStatus.OPEN
        ).update(status=ProposalStatus.WITHDRAWN)
        proposal = TimeProposal.objects.create(
            meeting=meeting, proposed_by=by, start=start, duration_minutes=duration, note=note
        )
        MeetingAttendee.objects.filter(meeting=meeting, membership=by).update(
            rsvp=Rsvp.TENTATIVE, responded_at=timezone.now()
        )
        for member in meeting.mentorship.members.select_related("membership__user"):
            if member.membership_id == by.pk:
                continue
            user = member.membership.user
            notify(
                user,
                kind=NotificationKind.TIME_PROPOSED,
                program=meeting.mentorship.program,
                context={
                    "proposer": by.user,
                    "title": summary_of(meeting.mentorship),
                    "old_start": local_label(meeting.start, user.time_zone),
                    "new_start": local_label(start, user.time_zone),
                    "timezone": user.time_zone,
                    "note": note,
                },
                url=meeting.get_absolute_url(),
            )
        return proposal


def answer_proposal(proposal: TimeProposal, *, by: Membership, accept: bool) -> TimeProposal:
    with transaction.atomic():
        proposal = (
            TimeProposal.objects.select_for_update()
            .select_related("meeting", "proposed_by__user")
            .get(pk=proposal.pk)
        )
        if proposal.status != ProposalStatus.OPEN:
            raise ServiceError("This proposal has already been answered.")
        if proposal.proposed_by_id == by.pk:
            raise ServiceError("The other side answers your proposal.")
        meeting = proposal.meeting
        _member(meeting.mentorship, by)
        old_start = meeting.start
        if accept:
            reschedule(
                meeting, by=by, start=proposal.start, duration_minutes=proposal.duration_minutes
            )
            MeetingAttendee.objects.filter(
                meeting=meeting, membership_id=proposal.proposed_by_id
            ).update(rsvp=Rsvp.ACCEPTED, responded_at=timezone.now())
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
        proposal.responded_by = by
        proposal.responded_at = timezone.now()
        proposal.save(update_fields=["status", "responded_by", "responded_at"])
        proposer = proposal.proposed_by.user
        notify(
            proposer,
            kind=NotificationKind.TIME_ANSWERED,
            program=meeting.mentorship.program,
            context={
                "responder": by.user,
                "accepted": accept,
                "title": summary_of(meeting.mentorship),
                "old_start": local_label(old_start, proposer.time_zone),
                "new_start": local_label(proposal.start, proposer.time_zone),
                "timezone": proposer.time_zone,
            },
            url=meeting.get_absolute_url(),
        )
        return proposal


def local_label(moment: dt.datetime, zone_name: str) -> str:
    """“Tuesday 2 March 2027, 10:00” in the reader's time zone."""
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{formats.date_format(local, 'l j F Y')}, {local:%H:%M}"
