"""The meeting pages: schedule, move, cancel, answer, propose a time, the .ics, the calendar
feed — for members, and the same 404 for everyone else."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from tandem.mentoring.enums import MeetingStatus, ProposalStatus, Rsvp
from tandem.mentoring.models import CalendarFeed, Meeting, MeetingSeries, TimeProposal
from tandem.mentoring.services import meetings
from tandem.mentoring.services.meetings import Plan
from tests.conftest import World
from tests.mentoring.factories import Pair, everyone, workspace_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_at_once")]

BERLIN = ZoneInfo("Europe/Berlin")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def next_week() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


def form(**fields: Any) -> dict[str, Any]:
    return {
        "date": next_week().isoformat(),
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": "60",
        "location": "https://meet.example.org/us",
        "repeat": "once",
        "until": "",
        **fields,
    }


@pytest.fixture
def meeting(pair: Pair) -> Meeting:
    start = dt.datetime.combine(next_week(), dt.time(9), tzinfo=dt.UTC)
    return meetings.schedule(
        pair.mentorship,
        Plan(start=start, duration_minutes=60, timezone="Europe/Berlin", location="Room 2"),
        by=pair.mentor,
    )


def test_schedule_page_prefills_the_programs_cadence(world: World, pair: Pair) -> None:
    response = client_for(world.mentor).get(workspace_url(world, pair.mentorship, "meetings/new/"))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["repeat"] == world.program.meeting_cadence
    assert initial["until"] == pair.mentorship.ends_on


def test_schedule_a_series_from_the_form(world: World, pair: Pair, mailoutbox: list[Any]) -> None:
    until = next_week() + dt.timedelta(days=14)
    response = client_for(world.mentee).post(
        workspace_url(world, pair.mentorship, "meetings/new/"),
        form(repeat="weekly", until=until.isoformat()),
    )
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    assert series.rrule.startswith("FREQ=WEEKLY;UNTIL=")
    assert series.occurrences.count() == 3
    assert {m.to[0] for m in mailoutbox} == {world.mentor.email, world.mentee.email}


def test_schedule_form_comes_back_filled_with_the_error_on_its_field(
    world: World, pair: Pair
) -> None:
    far = pair.mentorship.ends_on + dt.timedelta(days=30)  # type: ignore[operator]
    response = client_for(world.mentor).post(
        workspace_url(world, pair.mentorship, "meetings/new/"),
        form(date=far.isoformat(), location="Café Blue"),
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "after the mentorship ends" in errors["date"][0]
    assert 'value="Café Blue"' in response.content.decode()
    assert Meeting.objects.count() == 0


def test_a_series_without_an_end_day_is_refused_on_until(world: World, pair: Pair) -> None:
    response = client_for(world.mentor).post(
        workspace_url(world, pair.mentorship, "meetings/new/"), form(repeat="weekly")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["until"] == ["Choose the last day of the series."]


def test_rsvp_link_confirms_before_saving(world: World, pair: Pair, meeting: Meeting) -> None:
    url = workspace_url(world, pair.mentorship, f"meetings/{meeting.pk}/rsvp/")
    mentee = client_for(world.mentee)
    page = mentee.get(url, {"answer": "declined"})
    assert page.status_code == 200
    assert meeting.attendees.get(membership=pair.mentee).rsvp == Rsvp.NEEDS_ACTION
    assert mentee.post(url, {"answer": "declined"}).status_code == 302
    assert meeting.attendees.get(membership=pair.mentee).rsvp == Rsvp.DECLINED


def test_propose_and_accept_another_time(world: World, pair: Pair, meeting: Meeting) -> None:
    later = next_week() + dt.timedelta(days=1)
    response = client_for(world.mentee).post(
        workspace_url(world, pair.mentorship, f"meetings/{meeting.pk}/propose/"),
        {
            "date": later.isoformat(),
            "time": "16:30",
            "timezone": "Europe/Berlin",
            "duration_minutes": "45",
            "note": "Later suits me",
        },
    )
    assert response.status_code == 302
    proposal = TimeProposal.objects.get()
    accepted = client_for(world.mentor).post(
        workspace_url(world, pair.mentorship, f"proposals/{proposal.pk}/answer/"), {"accept": "1"}
    )
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    meeting.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert meeting.duration_minutes == 45
    assert meeting.start == dt.datetime.combine(later, dt.time(16, 30), tzinfo=BERLIN)


def test_cancel_from_the_page(world: World, pair: Pair, meeting: Meeting) -> None:
    response = client_for(world.mentor).post(
        workspace_url(world, pair.mentorship, f"meetings/{meeting.pk}/cancel/"), {"scope": "this"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_meeting_urls_privacy_matrix(world: World, pair: Pair, meeting: Meeting) -> None:
    """Members reach every meeting page; another participant, a coordinator and an outsider
    get the same 404 (coordinators see meeting dates on the coordinator's pages only)."""
    gets = [
        "meetings/new/",
        f"meetings/{meeting.pk}/move/",
        f"meetings/{meeting.pk}/propose/",
        f"meetings/{meeting.pk}/rsvp/?answer=accepted",
        f"meetings/{meeting.pk}/invite.ics",
    ]
    posts = [
        (f"meetings/{meeting.pk}/cancel/", {"scope": "this"}),
        (f"meetings/{meeting.pk}/rsvp/", {"answer": "declined"}),
        ("meetings/new/", form()),
    ]
    for who, user in everyone(world, pair).items():
        client = client_for(user)
        for suffix in gets:
            status = client.get(workspace_url(world, pair.mentorship, suffix)).status_code
            assert status == (200 if who == "member" else 404), (who, suffix, status)
        if who == "member":
            continue
        for suffix, data in posts:
            status = client.post(workspace_url(world, pair.mentorship, suffix), data).status_code
            assert status == 404, (who, suffix, status)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert Meeting.objects.count() == 1


def test_invite_ics_is_the_object_last_sent(world: World, pair: Pair, meeting: Meeting) -> None:
    response = client_for(world.mentee).get(
        workspace_url(world, pair.mentorship, f"meetings/{meeting.pk}/invite.ics")
    )
    assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    assert response.content.decode() == meeting.ics


def test_calendar_feed_page_and_feed(world: World, pair: Pair, meeting: Meeting) -> None:
    client = client_for(world.mentor)
    page = client.get("/me/calendar/")
    assert page.status_code == 200
    feed = CalendarFeed.objects.get(user=world.mentor)
    assert f"/calendar/{feed.token}.ics" in page.content.decode()
    response = Client().get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("DTSTART") == meeting.start
    assert "Room 2" not in response.content.decode()
    assert client.post("/me/calendar/").status_code == 302
    assert Client().get(f"/calendar/{feed.token}.ics").status_code == 404
    assert Client().get("/me/calendar/").status_code == 302  # to the login


def test_feed_with_many_meetings_takes_a_constant_number_of_queries(
    world: World, pair: Pair
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feed = CalendarFeed.objects.create(user=world.mentor, token="t" * 40)
    start = timezone.now() + dt.timedelta(days=1)

    def fetch_with(count: int) -> tuple[int, int]:
        Meeting.objects.filter(mentorship=pair.mentorship).delete()
        Meeting.objects.bulk_create(
            Meeting(
                mentorship=pair.mentorship,
                start=start + dt.timedelta(hours=i),
                duration_minutes=30,
                timezone="UTC",
            )
            for i in range(count)
        )
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=None)
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(f"/calendar/{feed.token}.ics")
        return len(queries), len(Calendar.from_ical(response.content).walk("VEVENT"))

    few, few_events = fetch_with(2)
    many, many_events = fetch_with(40)
    assert (few_events, many_events) == (2, 40)
    assert few == many


def test_calendar_feed_is_rebuilt_when_a_meeting_moves_or_is_cancelled(
    world: World, pair: Pair, meeting: Meeting
) -> None:
    feed = CalendarFeed.objects.create(user=world.mentee, token="f" * 40)
    url = f"/calendar/{feed.token}.ics"
    first = Client().get(url)
    etag = first["ETag"]
    assert Client().get(url, headers={"If-None-Match": etag}).status_code == 304
    moved_to = meeting.start + dt.timedelta(hours=2)
    meetings.reschedule(meeting, by=pair.mentor, start=moved_to)
    (event,) = Calendar.from_ical(Client().get(url).content).walk("VEVENT")
    assert event.decoded("DTSTART") == moved_to
    # A bulk cancel (as a whole series' cancel does) changes SEQUENCE, not updated_at.
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED, sequence=5)
    again = Client().get(url)
    (event,) = Calendar.from_ical(again.content).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert again["ETag"] != etag


def test_a_changed_feed_serialises_only_the_meetings_that_changed(
    world: World, pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tandem.mentoring.services import calendars

    feed = CalendarFeed.objects.create(user=world.mentor, token="c" * 40)
    start = timezone.now() + dt.timedelta(days=1)
    made = Meeting.objects.bulk_create(
        Meeting(
            mentorship=pair.mentorship,
            start=start + dt.timedelta(hours=i),
            duration_minutes=30,
            timezone="UTC",
        )
        for i in range(10)
    )
    first = Client().get(f"/calendar/{feed.token}.ics").content
    serialised: list[str] = []
    real = calendars.feed_event
    monkeypatch.setattr(
        calendars, "feed_event", lambda spec, **kw: serialised.append(spec.uid) or real(spec, **kw)
    )
    Meeting.objects.filter(pk=made[3].pk).update(sequence=1, status=MeetingStatus.CANCELLED)
    second = Client().get(f"/calendar/{feed.token}.ics").content
    assert serialised == [f"meeting-{made[3].pk}@tandem"]
    assert len(Calendar.from_ical(second).walk("VEVENT")) == 10
    assert second.count(b"STATUS:CANCELLED") == 1
    assert first.count(b"STATUS:CANCELLED") == 0
