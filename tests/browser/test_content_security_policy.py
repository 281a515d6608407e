"""Real Chromium: the main pages load under the Content-Security-Policy without one violation
(an inline script, style or handler the policy blocks would be reported here)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.factories import InvitationFactory, ObjectiveFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Injected by Playwright before any page script runs (not by the page, so the policy allows it).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


def violations(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    found: list[str] = page.evaluate("window.__cspViolations")
    return found


def visit(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"], url
    return violations(page)


def test_main_pages_load_without_a_policy_violation(
    world: World, live_server: Any, page: Page
) -> None:
    page.add_init_script(COLLECT_VIOLATIONS)
    ObjectiveFactory(program=world.program)
    InvitationFactory(program=world.program)
    base = live_server.url
    for path in ["/", "/accounts/login/", "/admin/login/"]:
        assert visit(page, f"{base}{path}") == [], path
    log_in(page, base, world.coordinator.email)
    for path in [
        "/",
        world.url(),
        world.url("members/"),
        world.url("settings/"),
        world.url("audit/"),
        world.url("profiles/"),
        world.url("relationships/"),
        world.url("matching/"),
        world.url("mentors/"),
        "/notifications/",
        "/me/profile/",
        "/me/tokens/",
        "/me/notifications/",
        "/api/v1/docs",
    ]:
        assert visit(page, f"{base}{path}") == [], path
    # An htmx request (the member filter) swaps content in without a violation either.
    page.goto(f"{base}{world.url('members/')}")
    with page.expect_response(lambda response: "q=nobody" in response.url):
        page.locator("input[name=q]").fill("nobody")
    expect(page.get_by_text("0 members")).to_be_visible()
    assert violations(page) == []


def test_the_violation_listener_reports_an_inline_script(
    world: World, live_server: Any, page: Page
) -> None:
    page.add_init_script(COLLECT_VIOLATIONS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    page.wait_for_timeout(100)
    assert any("script-src" in violation for violation in violations(page))
