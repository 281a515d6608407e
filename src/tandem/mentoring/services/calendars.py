"""iCalendar objects for meetings, built with the ``icalendar`` library: invitations and
cancellations (RFC 5546 iTIP: METHOD REQUEST / CANCEL) and a person's calendar feed.

The rules calendars enforce, each tested: a UID that never changes, SEQUENCE raised on every
change of time and on cancel, DTSTAMP, ORGANIZER with SENT-BY, every ATTENDEE with RSVP, the
video link in LOCATION and DESCRIPTION. One-off meetings are written in UTC. A series is written
in its time zone (DTSTART;TZID + RRULE) with a VTIMEZONE in the RRULE form — Outlook misreads the
long RDATE-list form that ``icalendar`` generates — so that a 10:00 Europe/Berlin series stays at
10:00 across daylight-saving changes.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
)

from tandem.mentoring.enums import InviteMethod, MeetingStatus, Rsvp

PRODID = "-//Tandem//Mentoring meetings//EN"

_PARTSTAT = {
    Rsvp.NEEDS_ACTION: "NEEDS-ACTION",
    Rsvp.ACCEPTED: "ACCEPTED",
    Rsvp.DECLINED: "DECLINED",
    Rsvp.TENTATIVE: "TENTATIVE",
}


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    rsvp: str = Rsvp.NEEDS_ACTION


@dataclass(frozen=True)
class EventSpec:
    """One VEVENT: a one-off meeting, a series' master, or one occurrence of a series."""

    uid: str
    sequence: int
    start: dt.datetime
    duration_minutes: int
    summary: str
    description: str = ""
    location: str = ""
    status: str = MeetingStatus.SCHEDULED
    #: For a series' master: the RRULE text and the zone its wall-clock time follows.
    rrule: str = ""
    timezone: str = ""
    #: For one occurrence of a series: its original start (RECURRENCE-ID).
    recurrence_id: dt.datetime | None = None
    #: For a master: starts of cancelled occurrences (EXDATE).
    exdates: Sequence[dt.datetime] = ()


def organizer_address(scheduled_by: Person | None) -> vCalAddress:
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = "Tandem"
    if scheduled_by is not None and scheduled_by.email:
        organizer.params["SENT-BY"] = f"mailto:{scheduled_by.email}"
    return organizer


def _attendee(person: Person) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["CN"] = person.name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = _PARTSTAT.get(Rsvp(person.rsvp), "NEEDS-ACTION")
    attendee.params["RSVP"] = "TRUE"
    return attendee


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


def _event(
    spec: EventSpec,
    *,
    stamp: dt.datetime,
    organizer: vCalAddress | None,
    attendees: Iterable[Person],
) -> Event:
    event = Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("sequence", spec.sequence)
    end = spec.start + dt.timedelta(minutes=spec.duration_minutes)
    zoned = bool(spec.timezone) and (bool(spec.rrule) or spec.recurrence_id is not None)
    if zoned:
        event.add("dtstart", _local(spec.start, spec.timezone))
        event.add("dtend", _local(end, spec.timezone))
    else:
        event.add("dtstart", spec.start.astimezone(dt.UTC))
        event.add("dtend", end.astimezone(dt.UTC))
    if spec.recurrence_id is not None:
        event.add("recurrence-id", _local(spec.recurrence_id, spec.timezone))
    if spec.rrule:
        event.add("rrule", vRecur.from_ical(spec.rrule))
    for excluded in spec.exdates:
        event.add("exdate", _local(excluded, spec.timezone))
    event.add("summary", spec.summary)
    description = spec.description
    if spec.location:
        event.add("location", spec.location)
        if spec.location not in description:
            description = f"{description}\n\n{spec.location}".strip()
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if spec.status == MeetingStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if organizer is not None:
        event.add("organizer", organizer)
    for person in attendees:
        if person.email:
            event.add("attendee", _attendee(person), encode=False)
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invitation(
    events: Sequence[EventSpec],
    *,
    method: InviteMethod,
    attendees: Sequence[Person],
    scheduled_by: Person | None,
    stamp: dt.datetime | None = None,
) -> str:
    """The iTIP object e-mailed to attendees: REQUEST to invite or update, CANCEL to cancel."""
    stamp = stamp or timezone.now()
    calendar = _calendar(method)
    zones = sorted(
        {e.timezone for e in events if e.timezone and (e.rrule or e.recurrence_id is not None)}
    )
    years = [e.start.year for e in events]
    for zone in zones:
        calendar.add_component(vtimezone(zone, min(years)))
    organizer = organizer_address(scheduled_by)
    for spec in events:
        calendar.add_component(_event(spec, stamp=stamp, organizer=organizer, attendees=attendees))
    return calendar.to_ical().decode()


def _feed_calendar(name: str) -> Calendar:
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    return calendar


def feed(events: Iterable[EventSpec], *, name: str, stamp: dt.datetime | None = None) -> str:
    """A published calendar (no METHOD): titles and times only, in UTC."""
    stamp = stamp or timezone.now()
    calendar = _feed_calendar(name)
    for spec in events:
        calendar.add_component(_event(spec, stamp=stamp, organizer=None, attendees=()))
    return calendar.to_ical().decode()


def feed_event(spec: EventSpec, *, stamp: dt.datetime | None = None) -> str:
    """One VEVENT of a feed, serialised by ``icalendar`` (kept to build later feeds with)."""
    event = _event(spec, stamp=stamp or timezone.now(), organizer=None, attendees=())
    return event.to_ical().decode()


def feed_from_events(event_texts: Iterable[str], *, name: str) -> str:
    """The feed from VEVENTs serialised by :func:`feed_event`: the same calendar as
    :func:`feed` builds, without serialising again what did not change."""
    shell = _feed_calendar(name).to_ical().decode()
    end = "END:VCALENDAR\r\n"
    assert shell.endswith(end)
    return shell[: -len(end)] + "".join(event_texts) + end


def feed_event_key(spec: EventSpec) -> str:
    """Everything a feed's VEVENT shows, as a cache key."""
    summary = hashlib.sha256(spec.summary.encode()).hexdigest()[:16]
    return (
        f"feed-event:{spec.uid}:{spec.sequence}:{spec.status}:{spec.start.timestamp():.0f}:"
        f"{spec.duration_minutes}:{summary}"
    )


# --- VTIMEZONE in the RRULE form ----------------------------------------------------------------


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """The UTC-offset changes of ``zone`` in ``year``: (local wall time just before the change,
    offset before, offset after), found hour by hour and refined to the minute."""
    found = []
    moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(hours=1)
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        after_moment = moment + step
        after = after_moment.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, after_moment
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            assert before is not None
            assert after is not None
            local_before = (high + before).replace(tzinfo=None)
            found.append((local_before, before, after))
            before = after
        moment = after_moment
    return found


def _byday(local: dt.datetime) -> str:
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local.weekday()]
    days_in_month = calendar_module.monthrange(local.year, local.month)[1]
    if local.day + 7 > days_in_month:
        return f"-1{weekday}"
    return f"{(local.day - 1) // 7 + 1}{weekday}"


def vtimezone(name: str, year: int) -> Timezone:
    """A VTIMEZONE for ``name`` with one STANDARD and one DAYLIGHT rule (FREQ=YEARLY), from the
    zone's changes in ``year`` — or a single fixed STANDARD where the zone has no DST."""
    zone = ZoneInfo(name)
    component = Timezone()
    component.add("tzid", name)
    changes = _transitions(zone, year)
    if len(changes) != 2:
        offset = dt.datetime(year, 1, 1, tzinfo=dt.UTC).astimezone(zone).utcoffset()
        standard = TimezoneStandard()
        standard.add("dtstart", dt.datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", dt.datetime(year, 1, 1, tzinfo=zone).tzname() or name)
        component.add_component(standard)
        return component
    for local_before, offset_from, offset_to in changes:
        part: TimezoneStandard | TimezoneDaylight
        part = TimezoneDaylight() if offset_to > offset_from else TimezoneStandard()
        # DTSTART is the local time the change happens at, written in the old offset.
        part.add("dtstart", local_before.replace(year=1970, day=_day_in_1970(local_before)))
        part.add("tzoffsetfrom", offset_from)
        part.add("tzoffsetto", offset_to)
        part.add(
            "tzname",
            (local_before + dt.timedelta(hours=3)).replace(tzinfo=zone).tzname() or name,
        )
        part.add(
            "rrule",
            vRecur.from_ical(
                f"FREQ=YEARLY;BYMONTH={local_before.month};BYDAY={_byday(local_before)}"
            ),
        )
        component.add_component(part)
    return component


def _day_in_1970(local: dt.datetime) -> int:
    """The day of ``local``'s month in 1970 that matches its BYDAY rule (so DTSTART is itself
    an occurrence of the rule, as RFC 5545 asks)."""
    rule = _byday(local)
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].index(rule[-2:])
    ordinal = int(rule[:-2])
    days = [
        day
        for day in range(1, calendar_module.monthrange(1970, local.month)[1] + 1)
        if dt.date(1970, local.month, day).weekday() == weekday
    ]
    return days[ordinal - 1] if ordinal > 0 else days[ordinal]
