"""The meetings API contract: schedule one or a series, reschedule and cancel with a scope, the
invitation last sent, the calendar feed — and who may reach each endpoint."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from tandem.accounts.models import User
from tandem.mentoring.models import Meeting
from tests.api.test_api import api
from tests.conftest import World
from tests.mentoring.factories import Pair, everyone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_at_once")]

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


def soon(days: int = 10, hour: int = 10) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00:00+01:00"


def schedule(user: User, pair: Pair, **fields: Any) -> Any:
    body = {"start": soon(), "duration_minutes": 60, "timezone": "Europe/Berlin", **fields}
    return api(user).post(f"{PROGRAM}/mentorships/{pair.mentorship.pk}/meetings", body)


def test_schedule_one_meeting_returns_it_with_attendees(pair: Pair, world: World) -> None:
    response = schedule(world.mentor, pair, location="https://meet.example.org/x")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "meeting"
    assert body["series"] is None
    meeting = body["meeting"]
    assert meeting["duration_minutes"] == 60
    assert meeting["location"] == "https://meet.example.org/x"
    assert meeting["sequence"] == 0
    assert dt.datetime.fromisoformat(meeting["start"]) == dt.datetime.fromisoformat(soon())
    assert {a["membership_id"] for a in meeting["attendees"]} == {pair.mentor.pk, pair.mentee.pk}


def test_schedule_a_series_returns_its_occurrences(pair: Pair, world: World) -> None:
    response = schedule(world.mentee, pair, rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=4")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "series"
    assert body["series"]["rrule"] == "FREQ=WEEKLY;COUNT=4;INTERVAL=2"
    starts = [dt.datetime.fromisoformat(o["start"]) for o in body["series"]["occurrences"]]
    assert [b - a for a, b in itertools.pairwise(starts)] == [dt.timedelta(days=14)] * 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Nowhere/Atlantis"}, "timezone"),
        ({"rrule": "FREQ=WEEKLY"}, "rrule"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"start": "2027-03-01T10:00:00"}, "start"),
        ({"location": "x" * 501}, "location"),
    ],
)
def test_schedule_refuses_bad_input_with_422_naming_the_field(
    pair: Pair, world: World, fields: dict[str, Any], field: str
) -> None:
    response = schedule(world.mentor, pair, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert Meeting.objects.count() == 0


def test_reschedule_this_and_cancel_following_through_the_api(pair: Pair, world: World) -> None:
    created = schedule(world.mentor, pair, rrule="FREQ=WEEKLY;COUNT=4").json()
    occurrences = created["series"]["occurrences"]
    second = occurrences[1]["id"]
    moved = api(world.mentee).patch(
        f"{PROGRAM}/meetings/{second}", {"start": soon(days=18, hour=15), "scope": "this"}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["meeting"]["sequence"] == 1
    ics = api(world.mentee).get(f"{PROGRAM}/meetings/{second}/invite.ics")
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert "RECURRENCE-ID" in event
    assert ics.content.decode() == Meeting.objects.get(pk=second).ics
    third = occurrences[2]["id"]
    cancelled = api(world.mentor).post(f"{PROGRAM}/meetings/{third}/cancel", {"scope": "following"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    statuses = list(
        Meeting.objects.filter(series_id=created["series"]["id"])
        .order_by("start")
        .values_list("status", flat=True)
    )
    # The series now ends before the third; the rows stay, cancelled, for the record.
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled"]
    first = occurrences[0]["id"]
    whole = api(world.mentor).post(f"{PROGRAM}/meetings/{first}/cancel", {"scope": "all"})
    assert whole.status_code == 200
    ics = api(world.mentor).get(f"{PROGRAM}/meetings/{first}/invite.ics")
    assert Calendar.from_ical(ics.content)["METHOD"] == "CANCEL"


def test_meeting_endpoints_privacy_matrix(pair: Pair, world: World) -> None:
    meeting_id = schedule(world.mentor, pair).json()["meeting"]["id"]
    people = everyone(world, pair)
    content_paths = [
        f"{PROGRAM}/meetings/{meeting_id}",
        f"{PROGRAM}/meetings/{meeting_id}/invite.ics",
    ]
    for who, user in people.items():
        for path in content_paths:
            status = api(user).get(path).status_code
            expected = 200 if who == "member" else 404
            assert status == expected, (who, path, status)
        listing = api(user).get(f"{PROGRAM}/mentorships/{pair.mentorship.pk}/meetings")
        if who == "member":
            assert listing.status_code == 200
            assert "location" in listing.json()[0]
        elif who == "coordinator":
            assert listing.status_code == 200
            assert set(listing.json()[0]) == {"id", "start", "duration_minutes", "status"}
        else:
            assert listing.status_code in (403, 404), who
        for write in (
            lambda u: api(u).patch(f"{PROGRAM}/meetings/{meeting_id}", {"start": soon(days=12)}),
            lambda u: api(u).post(f"{PROGRAM}/meetings/{meeting_id}/cancel", {}),
            lambda u: schedule(u, pair, start=soon(days=15)),
        ):
            if who != "member":
                assert write(user).status_code in (403, 404), who
    assert Meeting.objects.count() == 1
    assert Meeting.objects.get().status == "scheduled"


def test_calendar_feed_url_serves_text_calendar_without_a_session(pair: Pair, world: World) -> None:
    schedule(world.mentor, pair, location="Secret café")
    feed = api(world.mentee).get("/api/v1/me/calendar-feed").json()
    assert feed["webcal_url"].startswith("webcal://")
    response = Client().get(feed["url"].split("testserver", 1)[1])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Mentoring with {world.mentor.display_name}"
    assert "LOCATION" not in event
    assert "DESCRIPTION" not in event
    renewed = api(world.mentee).post("/api/v1/me/calendar-feed/renew").json()
    assert renewed["url"] != feed["url"]
    assert Client().get(feed["url"].split("testserver", 1)[1]).status_code == 404
