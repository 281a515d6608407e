"""axe-core (WCAG 2 A and AA rules) finds no violation on the pages people use most."""

from __future__ import annotations

import os
from importlib import resources
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from tandem.accounts.models import User
from tandem.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from tandem.enrolment.services.imports import import_file
from tandem.matches.services import start_run
from tests.browser.routes import (
    API_EXPLORER,
    CANNOT_RENDER,
    all_routes,
    fill,
    parameters,
    queries,
)
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.enrolment.factories_onboarding import TrainingModuleFactory
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


def _log_in_as(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.usefixtures("matching_kernels")
def test_every_page_of_the_product_has_no_accessibility_violations(
    live_server: Any, browser: Browser
) -> None:
    """Every route of the URL configuration: a page (200, HTML) for one of the demo's logins or
    a visitor passes axe; an action answers GET with 405; anything else must be listed, with
    why, in tests/browser/routes.py's CANNOT_RENDER — so a new page cannot go unchecked."""
    demo = seed_demo(participants=40, seed=7)
    coordinator = User.objects.get(email=DEMO_LOGINS["coordinator"])
    # What the demo does not hold yet: a training module, two matching scenarios, an import.
    for name in ("Scenario A", "Scenario B"):
        start_run(demo.program, by=coordinator, name=name)
    TrainingModuleFactory(program=demo.program, required_for=[])
    import_file(demo.program, file_name="people.csv", content=b"email,role\n", by=coordinator)
    values = parameters(demo)
    query_strings = queries(demo)
    roles = ["coordinator", "mentor", "mentee", "visitor"]
    clients: dict[str, Client] = {}
    pages: dict[str, Page] = {}
    for role in roles:
        clients[role] = Client()
        context = browser.new_context()
        pages[role] = context.new_page()
        if role != "visitor":
            clients[role].force_login(User.objects.get(email=DEMO_LOGINS[role]))
            _log_in_as(pages[role], live_server.url, DEMO_LOGINS[role])

    checked: list[str] = []
    actions: list[str] = []
    problems: dict[str, str] = {}
    for route in all_routes():
        if route.name in CANNOT_RENDER:
            continue
        path = fill(route, values)
        if path is None:
            problems[route.name] = "a parameter tests/browser/routes.py does not know"
            continue
        path += query_strings.get(route.name, lambda: "")()
        statuses = {}
        for role in roles:
            response = clients[role].get(path)
            statuses[role] = response.status_code
            is_html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code == 200 and is_html:
                pages[role].goto(f"{live_server.url}{path}")
                violations = axe_violations(pages[role])
                if violations:
                    problems[route.name] = f"{path} as {role}: {violations}"
                checked.append(route.name)
                break
        else:
            # An action: every logged-in role is refused GET (a visitor is sent to log in).
            if {status for role, status in statuses.items() if role != "visitor"} == {405}:
                actions.append(route.name)
            else:
                problems[route.name] = f"{path}: no page for any role ({statuses})"

    pages["visitor"].goto(f"{live_server.url}{API_EXPLORER}")
    assert pages["visitor"].locator("html").get_attribute("lang") == "en"
    assert pages["visitor"].get_by_role("link", name="Back to Tandem").is_visible()
    # Swagger UI read its settings and drew the operations.
    pages["visitor"].locator(".swagger-ui .info .title").first.wait_for()

    assert problems == {}, "\n".join(f"{name}: {why}" for name, why in problems.items())
    assert set(CANNOT_RENDER) <= {route.name for route in all_routes()}  # no stale excuse
    assert len(checked) > 60
    assert len(actions) > 60
