"""Scheduling meetings and series, rescheduling and cancelling them, and the iCalendar objects
and e-mails each change sends: the rules that Outlook, Google and Apple calendars enforce."""

from __future__ import annotations

import datetime as dt
import email
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.utils import timezone
from icalendar import Calendar

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import MeetingStatus, ProposalStatus, Rsvp
from tandem.mentoring.models import Meeting, MeetingAttendee, MeetingSeries
from tandem.mentoring.services import meetings
from tandem.mentoring.services.calendars import vtimezone
from tandem.mentoring.services.meetings import Plan, Scope
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.mentoring.factories import Pair

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_at_once")]

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = timezone.localdate().year + 1


@pytest.fixture
def long_program(world: World, pair: Pair) -> Pair:
    """The program runs the whole of next year, so a monthly series crosses both DST changes."""
    program = world.program
    program.starts_on = dt.date(YEAR - 1, 12, 1)
    program.ends_on = dt.date(YEAR, 12, 31)
    program.save()
    pair.mentorship.ends_on = program.ends_on
    pair.mentorship.save(update_fields=["ends_on"])
    return pair


def at(month: int, day: int, hour: int = 10, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime(YEAR, month, day, hour, 0, tzinfo=zone)


def monthly(pair: Pair, **overrides: Any) -> Meeting:
    plan = Plan(
        start=overrides.pop("start", at(1, 15)),
        duration_minutes=60,
        timezone="Europe/Berlin",
        location="https://meet.example.org/ana-bo",
        rrule=overrides.pop("rrule", f"FREQ=MONTHLY;UNTIL={YEAR}1231T235959Z"),
    )
    return meetings.schedule(pair.mentorship, plan, by=pair.mentor)


def parts(message: Any) -> list[Message]:
    parsed = email.message_from_bytes(message.message().as_bytes())
    return list(parsed.walk())


def calendar_text(message: Any) -> str:
    for part in parts(message):
        if part.get_content_type() == "text/calendar" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text/calendar part")


def calendar_of(message: Any) -> Calendar:
    return Calendar.from_ical(calendar_text(message))


def events(calendar: Calendar) -> list[Any]:
    return [c for c in calendar.walk("VEVENT")]


# --- a single meeting ------------------------------------------------------------------------


def test_schedule_one_meeting_invites_everyone_in_utc(pair: Pair, mailoutbox: list[Any]) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    meeting = meetings.schedule(
        pair.mentorship,
        Plan(start=start, duration_minutes=45, timezone="Europe/Berlin", location="Room 4"),
        by=pair.mentor,
    )
    assert meeting.series is None
    assert sorted(meeting.attendees.values_list("membership_id", "rsvp")) == sorted(
        [(pair.mentor.pk, Rsvp.ACCEPTED), (pair.mentee.pk, Rsvp.NEEDS_ACTION)]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [pair.mentor.user.email, pair.mentee.user.email]
    )
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "REQUEST"
    (event,) = events(calendar)
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").tzinfo in (dt.UTC, ZoneInfo("UTC"))
    assert event.decoded("DTEND") == start + dt.timedelta(minutes=45)
    assert "DTSTAMP" in event
    assert str(event["LOCATION"]) == "Room 4"
    assert "Room 4" in str(event["DESCRIPTION"])
    organizer = event["ORGANIZER"]
    assert organizer.params["SENT-BY"] == f"mailto:{pair.mentor.user.email}"
    attendees = {str(a).removeprefix("mailto:"): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {pair.mentor.user.email, pair.mentee.user.email}
    assert all(params["RSVP"] == "TRUE" for params in attendees.values())
    meeting.refresh_from_db()
    assert calendar_text(mailoutbox[0]).replace("\r\n", "\n") == meeting.ics.replace("\r\n", "\n")
    assert meeting.ics_method == "REQUEST"


def test_invitation_email_is_multipart_alternative_with_calendar_part_and_attachment(
    pair: Pair, mailoutbox: list[Any]
) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    meetings.schedule(
        pair.mentorship,
        Plan(start=start, duration_minutes=60, timezone="Europe/Berlin"),
        by=pair.mentor,
    )
    message = next(m for m in mailoutbox if m.to == [pair.mentee.user.email])
    types = [(p.get_content_type(), p.get_filename()) for p in parts(message)]
    assert types[0] == ("multipart/mixed", None)
    assert ("multipart/alternative", None) in types
    assert ("text/plain", None) in types
    assert ("text/html", None) in types
    assert ("text/calendar", None) in types
    assert ("text/calendar", "invite.ics") in types
    calendar_part = next(p for p in parts(message) if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    assert "Accept, decline or propose another time" in message.body


def test_rescheduling_raises_sequence_and_keeps_uid(pair: Pair, mailoutbox: list[Any]) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    meeting = meetings.schedule(
        pair.mentorship, Plan(start=start, duration_minutes=60, timezone="UTC"), by=pair.mentor
    )
    uid = meeting.uid
    mailoutbox.clear()
    moved = meetings.reschedule(meeting, by=pair.mentee, start=start + dt.timedelta(days=1))
    assert moved.uid == uid
    assert moved.sequence == 1
    (event,) = events(calendar_of(mailoutbox[0]))
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == start + dt.timedelta(days=1)
    # The mentor answers again; the mentee who moved it has accepted.
    assert dict(moved.attendees.values_list("membership_id", "rsvp")) == {
        pair.mentor.pk: Rsvp.NEEDS_ACTION,
        pair.mentee.pk: Rsvp.ACCEPTED,
    }


def test_cancel_sends_method_cancel_with_status_cancelled_and_higher_sequence(
    pair: Pair, mailoutbox: list[Any]
) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    meeting = meetings.schedule(
        pair.mentorship, Plan(start=start, duration_minutes=60, timezone="UTC"), by=pair.mentor
    )
    mailoutbox.clear()
    cancelled = meetings.cancel(meeting, by=pair.mentor)
    assert cancelled.status == MeetingStatus.CANCELLED
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "CANCEL"
    (event,) = events(calendar)
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == meeting.uid
    cancelled.refresh_from_db()
    assert cancelled.ics_method == "CANCEL"
    with pytest.raises(ServiceError, match="cancelled"):
        meetings.reschedule(cancelled, by=pair.mentor, start=start)


# --- a series ------------------------------------------------------------------------------


def test_monthly_series_keeps_local_time_across_dst(
    long_program: Pair, mailoutbox: list[Any]
) -> None:
    first = monthly(long_program)
    assert first.series is not None
    assert first.series.occurrences.count() == 12
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "REQUEST"
    (event,) = events(calendar)
    assert str(event["UID"]) == first.series.uid
    start = event.decoded("DTSTART")
    assert start == at(1, 15)
    assert str(start.tzinfo) == "Europe/Berlin"
    expanded = list(rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
    april = next(d for d in expanded if d.month == 4)
    november = next(d for d in expanded if d.month == 11)
    assert (april.hour, november.hour) == (10, 10)
    assert april.astimezone(dt.UTC).hour == 8
    assert november.astimezone(dt.UTC).hour == 9
    stored = list(first.series.occurrences.order_by("start").values_list("start", flat=True))
    assert [d.astimezone(BERLIN).hour for d in stored] == [10] * 12
    # The VTIMEZONE is in the RRULE form, never a list of RDATEs.
    (zone,) = calendar.walk("VTIMEZONE")
    text = zone.to_ical().decode()
    assert "RDATE" not in text
    assert text.count("RRULE:FREQ=YEARLY") == 2


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
)
def test_vtimezone_rules_give_the_same_offsets_as_the_zone(name: str) -> None:
    zone = ZoneInfo(name)
    component = vtimezone(name, YEAR)
    rules = []
    for part in component.subcomponents:
        begin = part.decoded("DTSTART")
        offset = part.decoded("TZOFFSETTO")
        if "RRULE" in part:
            for change in rrulestr(part["RRULE"].to_ical().decode(), dtstart=begin):
                if change.year > YEAR + 1:
                    break
                rules.append((change - part.decoded("TZOFFSETFROM"), offset))
        else:
            rules.append((begin - offset, offset))
    rules.sort()
    for month in range(1, 13):
        moment = dt.datetime(YEAR, month, 10, 12, 0)
        expected = moment.replace(tzinfo=dt.UTC).astimezone(zone).utcoffset()
        applying = [offset for change, offset in rules if change <= moment]
        assert applying[-1] == expected, (name, month)


def test_moving_one_occurrence_gives_recurrence_id_and_sequence_plus_one(
    long_program: Pair, mailoutbox: list[Any]
) -> None:
    first = monthly(long_program)
    third = first.series.occurrences.order_by("start")[2]  # type: ignore[union-attr]
    mailoutbox.clear()
    moved = meetings.reschedule(third, by=long_program.mentee, start=at(3, 16, 15))
    assert moved.sequence == 1
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "REQUEST"
    (event,) = events(calendar)
    assert str(event["UID"]) == first.uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("RECURRENCE-ID") == at(3, 15)
    assert event.decoded("DTSTART") == at(3, 16, 15)
    assert "RECURRENCE-ID" in moved.ics
    assert calendar_text(mailoutbox[0]).replace("\r\n", "\n") == moved.ics.replace("\r\n", "\n")


def test_cancelling_one_occurrence_cancels_only_it(
    long_program: Pair, mailoutbox: list[Any]
) -> None:
    first = monthly(long_program)
    second = first.series.occurrences.order_by("start")[1]  # type: ignore[union-attr]
    mailoutbox.clear()
    meetings.cancel(second, by=long_program.mentor, scope=Scope.THIS)
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "CANCEL"
    (event,) = events(calendar)
    assert event["STATUS"] == "CANCELLED"
    assert event.decoded("RECURRENCE-ID") == at(2, 15)
    assert event["SEQUENCE"] == 1
    statuses = list(first.series.occurrences.order_by("start").values_list("status", flat=True))  # type: ignore[union-attr]
    assert statuses.count(MeetingStatus.CANCELLED) == 1


def test_cancelling_a_whole_series_sends_cancel_for_the_master(
    long_program: Pair, mailoutbox: list[Any]
) -> None:
    first = monthly(long_program)
    mailoutbox.clear()
    meetings.cancel(first, by=long_program.mentor, scope=Scope.ALL)
    calendar = calendar_of(mailoutbox[0])
    assert calendar["METHOD"] == "CANCEL"
    (event,) = events(calendar)
    assert "RECURRENCE-ID" not in event
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    series = MeetingSeries.objects.get()
    assert series.status == MeetingStatus.CANCELLED
    assert set(series.occurrences.values_list("status", flat=True)) == {MeetingStatus.CANCELLED}
    assert set(series.occurrences.values_list("ics_method", flat=True)) == {"CANCEL"}


def test_moving_the_following_occurrences_ends_the_series_and_starts_a_new_one(
    long_program: Pair, mailoutbox: list[Any]
) -> None:
    first = monthly(long_program)
    old_uid = first.uid
    sixth = first.series.occurrences.order_by("start")[5]  # type: ignore[union-attr]
    mailoutbox.clear()
    moved = meetings.reschedule(
        sixth, by=long_program.mentor, start=at(6, 17, 9), scope=Scope.FOLLOWING
    )
    assert moved.uid != old_uid
    old = MeetingSeries.objects.get(uid=old_uid)
    assert old.occurrences.count() == 5
    assert old.sequence == 1
    assert moved.series is not None
    assert moved.series.occurrences.count() == 7
    local_hours = {m.start.astimezone(BERLIN).hour for m in moved.series.occurrences.all()}
    assert local_hours == {9}
    methods = {str(calendar_of(m)["METHOD"]) for m in mailoutbox}
    assert methods == {"REQUEST"}
    uids = {str(events(calendar_of(m))[0]["UID"]) for m in mailoutbox}
    assert uids == {old_uid, moved.uid}
    assert Meeting.objects.filter(mentorship=long_program.mentorship).count() == 12


# --- refused input ---------------------------------------------------------------------------


def plan(**fields: Any) -> Plan:
    values: dict[str, Any] = {
        "start": timezone.now() + dt.timedelta(days=20),
        "duration_minutes": 60,
        "timezone": "Europe/Berlin",
    }
    values.update(fields)
    return Plan(**values)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "not a time zone"),
        ({"duration_minutes": 0}, "duration_minutes", "between"),
        ({"duration_minutes": 600}, "duration_minutes", "between"),
        ({"start": dt.datetime(2030, 1, 1, 10)}, "start", "offset"),
        ({"start": timezone.now() - dt.timedelta(days=2)}, "start", "passed"),
        ({"start": timezone.now() + dt.timedelta(days=900)}, "start", "after the mentorship"),
        ({"rrule": "FREQ=MONTHLY"}, "rrule", "needs an end"),
        ({"rrule": "FREQ=SECONDLY;COUNT=3"}, "rrule", "DAILY, WEEKLY or MONTHLY"),
        ({"rrule": "FREQ=WEEKLY;COUNT=100"}, "rrule", "after the mentorship"),
        ({"rrule": "FREQ=WEEKLY;BYHOUR=3;COUNT=2"}, "rrule", "BYHOUR"),
        ({"rrule": "nonsense"}, "rrule", "not an RRULE"),
    ],
)
def test_schedule_refuses_bad_input_naming_the_field(
    pair: Pair, fields: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        meetings.schedule(pair.mentorship, plan(**fields), by=pair.mentor)
    assert refused.value.field == field
    assert words in refused.value.message
    assert Meeting.objects.count() == 0
    assert MeetingSeries.objects.count() == 0


def test_schedule_twice_with_the_same_start_makes_one_meeting(
    pair: Pair, mailoutbox: list[Any]
) -> None:
    same = plan(start=timezone.now().replace(microsecond=0) + dt.timedelta(days=3))
    first = meetings.schedule(pair.mentorship, same, by=pair.mentor)
    again = meetings.schedule(pair.mentorship, same, by=pair.mentor)
    assert first.pk == again.pk
    assert Meeting.objects.count() == 1
    assert len(mailoutbox) == 2


def test_only_members_schedule(pair: Pair) -> None:
    stranger = pair.other.members.first()
    assert stranger is not None
    with pytest.raises(ServiceError, match="members"):
        meetings.schedule(pair.mentorship, plan(), by=stranger.membership)


def test_a_person_without_email_is_skipped_and_shown(pair: Pair, mailoutbox: list[Any]) -> None:
    user = pair.mentee.user
    type(user).objects.filter(pk=user.pk).update(email="")
    meeting = meetings.schedule(pair.mentorship, plan(), by=pair.mentor)
    assert [m.to for m in mailoutbox] == [[pair.mentor.user.email]]
    skipped = MeetingAttendee.objects.get(meeting=meeting, membership=pair.mentee)
    assert skipped.invite_skipped == "no e-mail address"
    assert skipped.invited_at is None


# --- answers and other times -----------------------------------------------------------------


def test_rsvp_and_time_proposal_accepted_moves_the_meeting(
    pair: Pair, mailoutbox: list[Any]
) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    meeting = meetings.schedule(
        pair.mentorship, Plan(start=start, duration_minutes=60, timezone="UTC"), by=pair.mentor
    )
    attendee = meetings.respond(meeting, by=pair.mentee, rsvp=Rsvp.DECLINED)
    assert attendee.rsvp == Rsvp.DECLINED
    proposal = meetings.propose_time(
        meeting, by=pair.mentee, start=start + dt.timedelta(hours=3), note="After lunch?"
    )
    assert Notification.objects.filter(recipient=pair.mentor.user, kind="time_proposed").exists()
    with pytest.raises(ServiceError, match="other side"):
        meetings.answer_proposal(proposal, by=pair.mentee, accept=True)
    mailoutbox.clear()
    answered = meetings.answer_proposal(proposal, by=pair.mentor, accept=True)
    assert answered.status == ProposalStatus.ACCEPTED
    meeting.refresh_from_db()
    assert meeting.start == start + dt.timedelta(hours=3)
    assert meeting.sequence == 1
    assert meeting.attendees.get(membership=pair.mentee).rsvp == Rsvp.ACCEPTED
    invites = [m for m in mailoutbox if m.attachments]
    assert len(invites) == 2
    assert {str(calendar_of(m)["METHOD"]) for m in invites} == {"REQUEST"}
    with pytest.raises(ServiceError, match="already"):
        meetings.answer_proposal(proposal, by=pair.mentor, accept=False)
