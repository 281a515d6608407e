"""Real Chromium, real server: one mentor and one mentee go from applying to ready to match.

The coordinator publishes the agreement and a training module with a quiz; each participant
applies, is approved, fills in the profile, accepts the agreement, fails the quiz once, passes
it, and sees "You are ready to be matched"; the coordinator's funnel then counts both as ready.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.accounts.models import User
from tandem.enrolment.enums import QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.programs.enums import EnrolmentAccess, ProgramStatus
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def publish_agreement_and_training(page: Page, base: str, world: World) -> None:
    log_in(page, base, world.coordinator.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="Enrolment", exact=True).click()
    page.get_by_role("link", name="Confidentiality agreement").click()
    expect(page.get_by_label("Agreement text")).to_contain_text("No-fault ending")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publish the agreement").click()
    expect(page.get_by_text("Version 1 is now in force.")).to_be_visible()

    page.goto(base + world.url("training/manage/"))
    page.get_by_role("link", name="Add a module").click()
    page.get_by_label("Title").fill("What stays between us")
    page.locator("#id_body").fill(
        "# Confidentiality\n\nWhat you discuss **stays between the two of you**."
    )
    page.get_by_label("Mentors").check()
    page.get_by_label("Mentees").check()
    page.get_by_label("Pass mark (%)").fill("100")
    page.locator("#id_quiz-0-question").fill("What stays between the pair?")
    page.locator("#id_quiz-0-options").fill("* Everything we discuss\nOnly the boring parts")
    page.locator("#id_quiz-1-question").fill("Who may end the relationship?")
    page.locator("#id_quiz-1-options").fill("Only the mentor\n* Either of us, without blame")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save module").click()
    expect(page.get_by_text("“What stays between us” saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="quiz of 2, pass 100%")).to_be_visible()
    log_out(page)


def apply(page: Page, base: str, person: User, role_label: str) -> None:
    log_in(page, base, person.email)
    page.goto(f"{base}/join/northwind/spring/")
    page.get_by_label(role_label).check()
    page.get_by_label("Why do you want to take part?").fill("To grow and help others grow.")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("your application to Spring is sent")).to_be_visible()
    log_out(page)


def approve_both(page: Page, base: str, world: World, people: list[User]) -> None:
    log_in(page, base, world.coordinator.email)
    page.goto(base + world.url("applications/"))
    for person in people:
        row = page.get_by_role("row").filter(has_text=person.email)
        row.get_by_role("button", name="Approve").click()
        expect(row.get_by_text("Decision saved: approved.")).to_be_visible()
    log_out(page)


def get_ready(page: Page, base: str, world: World, person: User) -> None:
    log_in(page, base, person.email)
    page.goto(base + world.url())
    page.get_by_role("link", name="Getting ready").first.click()
    expect(page.get_by_role("heading", name="Your checklist")).to_be_visible()
    expect(page.get_by_text("1 of 4 steps done")).to_be_visible()
    assert axe_violations(page) == []

    # Profile (another part of the app, linked from the checklist).
    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_label("What do you hope to get from mentoring?").fill("Confidence as a leader")
    page.get_by_role("button", name="Save my profile").click()
    page.goto(base + world.url("getting-ready/"))
    expect(page.get_by_text("2 of 4 steps done")).to_be_visible()

    # Agreement.
    page.get_by_role("link", name="Read and accept the agreement").click()
    expect(page.get_by_text("What my mentoring partner and I discuss")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Accept the agreement").click()
    expect(page.get_by_text("Tick the box to accept the agreement.")).to_be_visible()
    page.get_by_label("I have read and accept this confidentiality agreement").check()
    page.get_by_role("button", name="Accept the agreement").click()
    expect(page.get_by_text("Thank you: you accepted the agreement.")).to_be_visible()
    expect(page.get_by_text("3 of 4 steps done")).to_be_visible()

    # Training: a failed quiz first, then a pass.
    page.get_by_role("link", name="Do the training").click()
    expect(page.get_by_text("0 of 1 done")).to_be_visible()
    page.get_by_role("link", name="What stays between us").click()
    expect(page.get_by_role("heading", name="Confidentiality")).to_be_visible()
    page.get_by_label("Everything we discuss").check()
    page.get_by_label("Only the mentor").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("You scored 50%; 100% is needed to pass.")).to_be_visible()
    expect(page.get_by_text("Not right yet: question 2.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Everything we discuss").check()
    page.get_by_label("Either of us, without blame").check()
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("You passed with 100%. Module completed.")).to_be_visible()
    expect(page.get_by_text("1 of 1 done")).to_be_visible()

    page.get_by_role("link", name="Back to your checklist").click()
    expect(page.get_by_role("heading", name="You are ready to be matched")).to_be_visible()
    log_out(page)


def test_mentor_and_mentee_walk_from_applying_to_ready(
    world: World, live_server: Any, page: Page
) -> None:
    program = world.program
    program.status = ProgramStatus.ENROLLING
    program.enrolment_access = EnrolmentAccess.PUBLIC
    program.save()
    ProfileQuestion.objects.create(
        program=program,
        key="hopes",
        label="What do you hope to get from mentoring?",
        kind=QuestionKind.TEXT,
        required=True,
    )
    mentor = UserFactory(full_name="Maria Mentor")
    mentee = UserFactory(full_name="Theo Mentee")
    base = live_server.url

    publish_agreement_and_training(page, base, world)
    apply(page, base, mentor, "Mentor — I want to help someone grow")
    apply(page, base, mentee, "Mentee — I want to learn and grow")
    approve_both(page, base, world, [mentor, mentee])
    get_ready(page, base, world, mentor)
    get_ready(page, base, world, mentee)

    log_in(page, base, world.coordinator.email)
    page.goto(base + world.url("funnel/"))
    ready_row = page.get_by_role("row").filter(has_text="Ready to be matched: every step")
    # The world's own mentor and mentee have no profile yet: only the two newcomers are ready.
    expect(ready_row.get_by_role("cell").nth(0)).to_have_text("2")
    assert axe_violations(page) == []
    ready_row.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Ready to be matched")).to_be_visible()
    expect(page.get_by_role("cell", name="Maria Mentor")).to_be_visible()
    expect(page.get_by_role("cell", name="Theo Mentee")).to_be_visible()
