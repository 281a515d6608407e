"""At 375 px (a small phone) the coordinator's tables stack into cards with every row action on
screen and clickable, and both navigation bars collapse behind a menu button."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tandem.matches.enums import RunStatus
from tandem.matches.services import start_run
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import PASSWORD, MembershipFactory
from tests.matches.runs_support import pool

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 740})
    yield context.new_page()
    context.close()


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # the log-in answers before the next step navigates (a goto would race the POST)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.get_by_role("button", name="Menu")).to_be_visible()


def assert_no_sideways_scrolling(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def assert_reachable(action: Locator) -> None:
    """On screen once scrolled to, and clickable (nothing covers it)."""
    action.scroll_into_view_if_needed()
    expect(action).to_be_visible()
    expect(action).to_be_in_viewport()
    box = action.bounding_box()
    assert box is not None
    assert 0 <= box["x"] <= box["x"] + box["width"] <= WIDTH
    action.click(trial=True)  # Playwright's actionability checks, without clicking


def row_actions(rows: Locator) -> list[Locator]:
    actions = []
    for index in range(rows.count()):
        controls = rows.nth(index).locator("button, a, select")
        assert controls.count() > 0, f"row {index} has no action"
        actions.extend(controls.nth(n) for n in range(controls.count()))
    return actions


def test_people_page_reaches_every_row_action_at_375px(
    world: World, live_server: Any, phone: Page
) -> None:
    MembershipFactory.create_batch(3, program=world.program, role=Role.MENTEE)
    log_in(phone, live_server.url, world.coordinator.email)
    phone.goto(f"{live_server.url}{world.url('members/')}")
    rows = phone.locator("#member-table tbody tr")
    assert rows.count() == 7  # coordinator, mentor, mentee, applicant and the three above
    actions = row_actions(rows)
    assert len(actions) == 7 * 4  # a mailto link, two selects and "Save" on each row
    for action in actions:
        assert_reachable(action)
    # Each stacked cell says which column it is.
    expect(rows.first.locator("td").nth(2)).to_have_attribute("data-label", "Role and status")
    assert_no_sideways_scrolling(phone)


@pytest.mark.usefixtures("matching_kernels")
def test_match_run_page_reaches_every_row_action_at_375px(
    world: World, live_server: Any, phone: Page
) -> None:
    pool(world.program, world.coordinator, mentees=3, mentors=3)
    run = start_run(world.program, by=world.coordinator, name="Phone run")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    log_in(phone, live_server.url, world.coordinator.email)
    phone.goto(f"{live_server.url}{world.url(f'matching/{run.pk}/')}")
    rows = phone.locator("#proposal-table tbody tr")
    assert rows.count() == run.proposals.count() == 3
    actions = row_actions(rows)
    # Lock, Forbid, Other mentor, Swap, Unassign on each row.
    assert len(actions) == 3 * 5
    for action in actions:
        assert_reachable(action)
    assert_no_sideways_scrolling(phone)


def test_both_navigation_bars_collapse_at_375px(
    world: World, live_server: Any, phone: Page
) -> None:
    log_in(phone, live_server.url, world.coordinator.email)
    phone.goto(f"{live_server.url}{world.url()}")
    people = phone.get_by_role("link", name="People", exact=True)
    notifications = phone.get_by_role("link", name="Notifications")
    expect(people).to_be_hidden()
    expect(notifications).to_be_hidden()
    site_menu = phone.get_by_role("button", name="Menu", exact=True)
    site_menu.click()
    expect(site_menu).to_have_attribute("aria-expanded", "true")
    expect(notifications).to_be_visible()
    program_menu = phone.get_by_role("button", name="Program menu")
    program_menu.click()
    expect(program_menu).to_have_attribute("aria-expanded", "true")
    people.click()
    expect(phone.get_by_role("heading", name="Members")).to_be_visible()
    assert_no_sideways_scrolling(phone)


def test_navigation_is_not_collapsed_on_a_wide_screen(
    world: World, live_server: Any, page: Page
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(world.coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{world.url()}")
    expect(page.get_by_role("link", name="People", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
