"""axe-core (WCAG 2 A and AA rules) finds no violation on the pages people use most."""

from __future__ import annotations

import os
from importlib import resources
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.factories import InvitationFactory, ObjectiveFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = resources.files("pytest_playwright_axe").joinpath("resources/axe.min.js").read_text()


def axe_violations(page: Page) -> list[str]:
    # Evaluated by Playwright, not added as an inline <script> the page's CSP would block.
    page.evaluate(f"() => {{ {AXE_SOURCE}\n }}")
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{violation['id']}: {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
    ]


def test_coordinator_pages_have_no_accessibility_violations(
    world: World, live_server: Any, page: Page
) -> None:
    ObjectiveFactory(program=world.program)
    InvitationFactory(program=world.program)
    log_in(page, live_server.url, world.coordinator.email)
    for path in [
        "/",
        world.url(),
        world.url("members/"),
        world.url("settings/"),
        world.url("audit/"),
        "/notifications/",
        "/me/profile/",
        "/me/tokens/",
        "/me/notifications/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path


def test_public_and_participant_pages_have_no_accessibility_violations(
    world: World, live_server: Any, page: Page
) -> None:
    page.goto(f"{live_server.url}/")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(page) == []
    log_in(page, live_server.url, world.mentee.email)
    page.goto(f"{live_server.url}{world.url()}")
    assert axe_violations(page) == []


def test_axe_check_catches_a_real_violation(world: World, live_server: Any, page: Page) -> None:
    """The checker itself works: an input without a label is reported."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<input type="text" name="unlabelled">\')'
    )
    assert any(violation.startswith("label:") for violation in axe_violations(page))
