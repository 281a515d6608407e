"""Real Chromium, real server: a coordinator and a mentee log in and reach their program."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import PASSWORD, ObjectiveFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # the log-in answers before the next step navigates (a goto would race the POST)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_coordinator_logs_in_and_manages_the_program(
    world: World, live_server: Any, page: Page
) -> None:
    # A new program: a draft, which only its coordinators see.
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.DRAFT)
    ObjectiveFactory(program=world.program, statement="Pairs keep meeting monthly")
    log_in(page, live_server.url, world.coordinator.email)
    expect(page.get_by_role("heading", name="Your programs")).to_be_visible()
    page.get_by_role("link", name="Spring").first.click()
    expect(page.get_by_role("heading", name="Spring", exact=True)).to_be_visible()
    expect(page.get_by_text("Members by role and status")).to_be_visible()
    expect(page.get_by_role("cell", name="Pairs keep meeting monthly", exact=True)).to_be_visible()

    # Add an objective through htmx: the list updates in place, the page does not reload.
    page.get_by_text("Add an objective").click()
    page.get_by_label("Statement").fill("Mentees step into leadership")
    page.get_by_label("Metric").fill("mentees leading a project")
    page.get_by_label("Target").fill("15")
    page.get_by_label("Unit").fill("people")
    page.get_by_label("Deadline").fill("2027-12-31")
    page.get_by_role("button", name="Add objective").click()
    expect(
        page.get_by_role("cell", name="Mentees step into leadership", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("cell", name="15 people", exact=True)).to_be_visible()

    page.get_by_role("button", name="Open enrolment").click()
    expect(page.get_by_text("Spring is now Enrolling.")).to_be_visible()


def test_mentee_logs_in_and_sees_only_the_participant_view(
    world: World, live_server: Any, page: Page
) -> None:
    log_in(page, live_server.url, world.mentee.email)
    page.get_by_role("link", name="Spring").first.click()
    expect(page.get_by_text("You take part as mentee.")).to_be_visible()
    expect(page.get_by_text("Members by role and status")).to_have_count(0)
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    response = page.goto(f"{live_server.url}{world.url('members/')}")
    assert response is not None
    assert response.status == 403


def test_outsider_gets_not_found_for_another_program(
    world: World, live_server: Any, page: Page
) -> None:
    log_in(page, live_server.url, world.outsider.email)
    response = page.goto(f"{live_server.url}{world.url()}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
