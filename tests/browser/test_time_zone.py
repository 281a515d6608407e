"""The static JS offers the browser's time zone first and picks it while the account is on UTC."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_login_journeys import log_in
from tests.conftest import World

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_page_picks_the_browsers_time_zone(
    world: World, live_server: Any, browser: Browser
) -> None:
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    log_in(page, live_server.url, world.mentor.email)
    page.goto(f"{live_server.url}/me/profile/")
    select = page.locator("select[name=time_zone]")
    expect(select).to_have_value("Asia/Tokyo")
    assert select.locator("optgroup").first.get_attribute("label") == "Likely"
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your details were saved.")).to_be_visible()
    world.mentor.refresh_from_db()
    assert world.mentor.time_zone == "Asia/Tokyo"
    context.close()


def test_account_page_leaves_a_chosen_zone_alone(
    world: World, live_server: Any, browser: Browser
) -> None:
    world.mentor.time_zone = "Europe/Paris"
    world.mentor.save(update_fields=["time_zone"])
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    log_in(page, live_server.url, world.mentor.email)
    page.goto(f"{live_server.url}/me/profile/")
    expect(page.locator("select[name=time_zone]")).to_have_value("Europe/Paris")
    context.close()
