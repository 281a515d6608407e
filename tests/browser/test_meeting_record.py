"""Real Chromium: after meeting 1 the mentor writes the record with two action items; the
mentee sees it, ticks one (htmx) and submits the meeting-1 preparation; the mentor reads it.
axe finds no violation on the meeting page and the coordinator's meeting guide."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.mentoring.models import ActionItem, Assignment, MeetingRecord
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.mentoring import factories
from tests.mentoring.factories import Pair
from tests.mentoring.records_support import make_meeting

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The mentorship fixture.
pair = factories.pair


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_mentor_records_mentee_ticks_and_submits_preparation(
    world: World, pair: Pair, live_server: Any, page: Page
) -> None:
    first = make_meeting(pair.mentorship, days=-1)
    second = make_meeting(pair.mentorship, days=13)
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()

    log_in(page, live_server.url, world.mentor.email)
    page.goto(live_server.url + first.get_absolute_url())
    expect(
        page.get_by_role("heading", name="Meeting 1: Meeting 1 — Getting to know each other")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Notes").fill("We shared our stories. **Good start.**")
    page.get_by_label("Action item 1").fill("Write the development note")
    page.get_by_label("Who does item 1").select_option(label=world.mentee.display_name)
    page.get_by_label("Item 1 by when").fill(due)
    page.get_by_label("Action item 2").fill("Send the reading list")
    page.get_by_label("Who does item 2").select_option(label=world.mentor.display_name)
    page.get_by_label("Item 2 by when").fill(due)
    page.get_by_label("The next meeting is set").check()
    page.get_by_label("Each action item has an owner and a delivery date").check()
    page.get_by_role("button", name="Save and share the record").click()
    expect(page.get_by_text("Record saved and shared with your mentorship.")).to_be_visible()
    assert MeetingRecord.objects.get().notes.startswith("We shared")
    assert ActionItem.objects.count() == 2
    log_out(page)

    log_in(page, live_server.url, world.mentee.email)
    page.goto(live_server.url + first.get_absolute_url())
    expect(page.get_by_text("Good start.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Send the reading list").check()
    expect(page.locator("#actions").get_by_text("done", exact=True)).to_be_visible()
    assert ActionItem.objects.get(text="Send the reading list").done_at is not None
    page.get_by_label("Your answer").fill("I want to **grow** as a negotiator.")
    page.get_by_role("button", name="Submit to your mentor").click()
    expect(page.get_by_text("Submitted — your mentor can read it now.")).to_be_visible()
    assert Assignment.objects.get().submitted_at is not None
    log_out(page)

    log_in(page, live_server.url, world.mentor.email)
    page.goto(live_server.url + second.get_absolute_url())
    expect(page.get_by_role("heading", name="Preparation for this meeting")).to_be_visible()
    expect(page.locator("#assignment strong", has_text="grow")).to_be_visible()
    page.get_by_label("Your comment").fill("A clear aim — let us work on it.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added.")).to_be_visible()
    assert axe_violations(page) == []


def test_coordinator_reorders_the_guide_in_place(
    world: World, live_server: Any, page: Page
) -> None:
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(live_server.url + world.url("guide/"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Move “Meeting 2 — What you want to develop” up").click()
    rows = page.locator("#guide-table tbody tr")
    expect(rows.first).to_contain_text("Meeting 2 — What you want to develop")
    assert page.url.endswith("/guide/")
