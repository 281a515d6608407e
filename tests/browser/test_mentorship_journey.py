"""Issue #13's "done when", in a real Chromium: the mentor opens the workspace and schedules a
monthly series; the mentee's e-mail carries an invitation that ``icalendar`` parses (REQUEST,
the stable UID, the right UTC times); moving one occurrence sends SEQUENCE+1 with RECURRENCE-ID;
cancelling sends CANCEL; after meeting 1 the mentor writes the record with two action items and
the next meeting set; the mentee ticks one and submits the meeting-1 preparation; the
coordinator sees the counts and gets 404 on the notes."""

from __future__ import annotations

import datetime as dt
import email
import os
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import ActionItem, Assignment, Meeting, MeetingSeries, Mentorship
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.mentoring import factories
from tests.mentoring.factories import Pair

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pair = factories.pair
BERLIN = ZoneInfo("Europe/Berlin")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def invitations_to(address: str) -> list[Calendar]:
    calendars = []
    for message in mail.outbox:
        if message.to != [address]:
            continue
        parsed = email.message_from_bytes(message.message().as_bytes())
        for part in parsed.walk():
            if part.get_content_type() == "text/calendar" and not part.get_filename():
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                calendars.append(Calendar.from_ical(payload))
    return calendars


def test_mentorship_from_first_series_to_the_coordinators_figures(
    world: World, pair: Pair, live_server: Any, page: Page
) -> None:
    mentorship = pair.mentorship
    first_day = timezone.localdate() + dt.timedelta(days=7)
    page.on("dialog", lambda dialog: dialog.accept())

    # The mentor opens the workspace and schedules a monthly series.
    log_in(page, live_server.url, world.mentor.email)
    page.goto(live_server.url + mentorship.get_absolute_url())
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Date").fill(first_day.isoformat())
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Place or video link").fill("https://meet.example.org/ana-bo")
    page.get_by_label("Every month").check()
    page.get_by_label("Until").fill(mentorship.ends_on.isoformat())  # type: ignore[union-attr]
    page.get_by_role("button", name="Schedule and send the invitations").click()
    expect(page.get_by_text("meetings are scheduled")).to_be_visible()
    series = MeetingSeries.objects.get()
    occurrences = list(series.occurrences.order_by("start"))
    assert len(occurrences) >= 5

    (invite,) = invitations_to(world.mentee.email)
    assert invite["METHOD"] == "REQUEST"
    (event,) = invite.walk("VEVENT")
    assert str(event["UID"]) == series.uid
    start = event.decoded("DTSTART")
    assert start.astimezone(dt.UTC) == dt.datetime.combine(
        first_day, dt.time(10), tzinfo=BERLIN
    ).astimezone(dt.UTC)
    assert start.astimezone(dt.UTC) == occurrences[0].start

    # Moving the second occurrence: SEQUENCE+1 with its RECURRENCE-ID.
    second = occurrences[1]
    mail.outbox.clear()
    page.goto(live_server.url + second.get_absolute_url())
    page.get_by_role("link", name="Change the time").click()
    page.get_by_label("Time", exact=True).fill("15:00")
    page.get_by_label("This meeting only").check()
    page.get_by_role("button", name="Move the meeting").click()
    expect(page.get_by_text("The meeting has its new time")).to_be_visible()
    (update,) = invitations_to(world.mentee.email)
    (moved,) = update.walk("VEVENT")
    assert str(moved["UID"]) == series.uid
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("RECURRENCE-ID").astimezone(dt.UTC) == second.recurrence_id

    # Cancelling the third: METHOD:CANCEL.
    third = occurrences[2]
    mail.outbox.clear()
    page.goto(live_server.url + third.get_absolute_url())
    page.get_by_label("Cancel").select_option("this")
    page.get_by_role("button", name="Cancel the meeting").click()
    expect(page.get_by_text("Cancelled. Everyone's calendar is updated.")).to_be_visible()
    (cancel,) = invitations_to(world.mentee.email)
    assert cancel["METHOD"] == "CANCEL"
    assert Meeting.objects.get(pk=third.pk).status == MeetingStatus.CANCELLED

    # Meeting 1 has happened (time passes: it moves to yesterday).
    first = occurrences[0]
    Meeting.objects.filter(pk=first.pk).update(start=timezone.now() - dt.timedelta(days=1))
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    page.goto(live_server.url + first.get_absolute_url())
    page.get_by_label("Notes").fill("We talked about your career so far. **Good start.**")
    page.get_by_label("Action item 1").fill("Write how you will use this mentorship")
    page.get_by_label("Who does item 1").select_option(label=world.mentee.display_name)
    page.get_by_label("Item 1 by when").fill(due)
    page.get_by_label("Action item 2").fill("Send two articles on negotiation")
    page.get_by_label("Who does item 2").select_option(label=world.mentor.display_name)
    page.get_by_label("Item 2 by when").fill(due)
    page.get_by_label("The next meeting is set").check()
    page.get_by_label("Each action item has an owner and a delivery date").check()
    page.get_by_role("button", name="Save and share the record").click()
    expect(page.get_by_text("Record saved and shared with your mentorship.")).to_be_visible()
    assert ActionItem.objects.filter(mentorship=mentorship).count() == 2
    log_out(page)

    # The mentee ticks one item and submits the meeting-1 preparation.
    log_in(page, live_server.url, world.mentee.email)
    page.goto(live_server.url + first.get_absolute_url())
    page.get_by_label("Send two articles on negotiation").check()
    expect(page.locator("#actions").get_by_text("done", exact=True)).to_be_visible()
    page.get_by_label("Your answer").fill("I want to negotiate my next project's budget.")
    page.get_by_role("button", name="Submit to your mentor").click()
    expect(page.get_by_text("Submitted — your mentor can read it now.")).to_be_visible()
    assert Assignment.objects.get(mentorship=mentorship).submitted_at is not None
    log_out(page)

    # The coordinator sees the figures, never the notes.
    log_in(page, live_server.url, world.coordinator.email)
    figures = Mentorship.objects.get(pk=mentorship.pk)
    assert (figures.meetings_held, figures.action_items_open, figures.action_items_done) == (
        1,
        1,
        1,
    )
    page.goto(live_server.url + world.url("mentorships/"))
    row = page.get_by_role("row").filter(has_text=world.mentee.display_name)
    cells = row.locator("td")
    expect(cells.nth(4)).to_have_text("1")  # held
    expect(cells.nth(10)).to_have_text("1")  # action items open
    expect(cells.nth(11)).to_have_text("1")  # done
    response = page.goto(live_server.url + first.get_absolute_url())
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text("Good start")).to_have_count(0)
