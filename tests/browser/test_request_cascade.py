"""Real Chromium, real server: a mentee's three ranked requests cascade to the third choice.

The mentee sends their requests; the 1st mentor declines with a reason, the 2nd declines, the
3rd sees the request (it reached them automatically) and accepts; the mentee sees the match.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.accounts.models import User
from tandem.mentoring.models import Relationship
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.matches.test_requests import make_cascade

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TANDEM_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def decline(page: Page, base: str, world: World, mentor: User, reason: str, note: str) -> None:
    log_in(page, base, mentor.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="Mentoring requests").click()
    card = page.get_by_role("article").filter(has_text=world.mentee.display_name)
    expect(card).to_be_visible()
    card.get_by_label("Reason", exact=True).select_option(label=reason)
    card.get_by_label("A word for the mentee").fill(note)
    # Declining asks first (the mentee is told); say yes.
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("passes to their next choice")).to_be_visible()
    expect(page.get_by_text("No requests are waiting for you.")).to_be_visible()
    page.context.clear_cookies()


def test_three_ranked_requests_cascade_to_the_third_choice(
    world: World, live_server: Any, page: Page
) -> None:
    setup = make_cascade(world)
    first, second, third = (m.user for m in setup.mentors)
    base = live_server.url

    # The mentee sends their three ranked requests, with a note to the first.
    log_in(page, base, world.mentee.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="My requests").click()
    page.get_by_label(f"Note to {first.display_name}").fill("Your talk on hiring inspired me.")
    assert axe_violations(page) == []
    shot(page, "mentee-send")
    page.get_by_role("button", name="Send my requests").click()
    expect(page.get_by_text(f"Requests sent. {first.display_name} is asked first")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=first.display_name)).to_contain_text(
        "Waiting for the mentor"
    )
    page.context.clear_cookies()

    # The first mentor sees the note and declines with a reason; so does the second.
    log_in(page, base, first.email)
    page.goto(base + world.url("requests/inbox/"))
    expect(page.get_by_text("Your talk on hiring inspired me.")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "mentor-inbox")
    page.context.clear_cookies()
    decline(page, base, world, first, "I do not have the time for another mentee right now", "")
    decline(page, base, world, second, "What they want to grow is not my area", "Ask Cem!")

    # The third mentor received the request automatically and accepts.
    log_in(page, base, third.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="Mentoring requests").click()
    card = page.get_by_role("article").filter(has_text=world.mentee.display_name)
    expect(card).to_contain_text("You are their choice #3")
    card.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(f"You are now {world.mentee.display_name}'s mentor")).to_be_visible()
    page.context.clear_cookies()

    # The mentee sees the match and how the cascade went.
    log_in(page, base, world.mentee.email)
    page.goto(base + world.url("requests/"))
    expect(page.get_by_role("heading", name="You have a mentor")).to_be_visible()
    expect(page.get_by_text(f"{third.display_name} is your mentor")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text=first.display_name)).to_contain_text("Declined")
    expect(rows.filter(has_text=second.display_name)).to_contain_text("Ask Cem!")
    expect(rows.filter(has_text=third.display_name)).to_contain_text("Accepted")
    assert axe_violations(page) == []
    shot(page, "mentee-matched")
    page.context.clear_cookies()

    relationship = Relationship.objects.get(mentee=setup.mentee)
    assert relationship.mentor == setup.mentors[2]
    assert relationship.source == Relationship.Source.REQUEST

    # The coordinator's overview shows the cascade.
    log_in(page, base, world.coordinator.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="Mentee requests").click()
    row = page.get_by_role("row").filter(has_text=f"with {third.display_name}")
    expect(row).to_contain_text("Matched")
    assert axe_violations(page) == []
    shot(page, "coordinator-overview")
