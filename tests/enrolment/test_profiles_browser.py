"""Real Chromium: a coordinator reorders questions, a mentee fills the profile and ranks mentors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.enrolment.models import MentorChoice
from tandem.enrolment.starter import install_starter_questions
from tandem.programs.enums import MatchingMode, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import PASSWORD, MembershipFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Set TANDEM_SCREENSHOTS=<dir> to keep screenshots of the pages for a visual check.
SCREENSHOTS = os.environ.get("TANDEM_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_coordinator_reorders_questions_with_htmx(
    world: World, live_server: Any, page: Page
) -> None:
    install_starter_questions(world.program, by=world.coordinator)
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url('questions/')}")
    shot(page, "questions")
    page.get_by_role("button", name="Move “Skills I want to grow” up").click()
    first_row = page.locator("#question-table tbody tr").first
    expect(first_row).to_contain_text("Skills I want to grow")
    assert world.program.questions.first().key == "skills_wanted"


def test_mentee_fills_profile_and_ranks_mentors(world: World, live_server: Any, page: Page) -> None:
    install_starter_questions(world.program, by=world.coordinator)
    world.program.matching_mode = MatchingMode.SELF_SELECT
    world.program.save()
    mentors = Membership.objects.filter(program=world.program, role=Role.MENTOR)
    # Both mentors speak the mentee's language: a pair that breaks "must share a language"
    # cannot be chosen (the directory says why instead of offering the button).
    mentors.update(
        answers={"industry": "software", "experience": "Ten years of SQL", "languages": ["French"]}
    )
    MembershipFactory(
        program=world.program,
        role=Role.MENTOR,
        user=UserFactory(full_name="Ada Abebe"),
        answers={
            "industry": "healthcare",
            "experience": "Clinical research lead",
            "languages": ["French"],
        },
    )
    log_in(page, live_server.url, world.mentee.email)
    page.goto(f"{live_server.url}{world.url('profile/')}")
    expect(page.get_by_text("Profile 0% complete")).to_be_visible()
    page.get_by_role("group", name="Skills I want to grow (required)").get_by_label(
        "negotiation"
    ).check()
    page.get_by_label("What do you want to achieve in this program? (required)").fill("Lead a team")
    page.get_by_label("Time zone (required)").select_option("Europe/Paris")
    page.get_by_label("Wednesday evening").check()
    page.get_by_role("group", name="Languages you can mentor in (required)").get_by_label(
        "French"
    ).check()
    page.get_by_label("Years of work experience").fill("99")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("99 is outside the allowed range 0 to 60.")).to_be_visible()
    expect(page.get_by_label("Wednesday evening")).to_be_checked()
    page.get_by_label("Years of work experience").fill("4")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Profile saved. It is complete.")).to_be_visible()
    shot(page, "profile")

    page.goto(f"{live_server.url}{world.url('mentors/')}")
    page.get_by_label("Search").fill("clinical")
    expect(page.locator("#directory-results .card")).to_have_count(1)
    page.get_by_role("button", name="Add Ada Abebe to my choices").click()
    expect(page.locator("#my-choices")).to_contain_text("Ada Abebe")
    page.get_by_label("Search").fill("")
    page.get_by_role("button", name=f"Add {world.mentor.display_name} to my choices").click()
    page.get_by_role("button", name=f"Move {world.mentor.display_name} up").click()
    expect(page.locator("#my-choices li").first).to_contain_text(world.mentor.display_name)
    shot(page, "directory")
    ranked = list(MentorChoice.objects.order_by("rank").values_list("mentor__user", flat=True))
    assert ranked[0] == world.mentor.pk
