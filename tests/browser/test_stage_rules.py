"""Real Chromium: the program's stages hold. Publishing before the matching stage is refused
(and allowed once the coordinator switches on early publishing), going back to draft with
mentorships under way is refused with the reason, closing early shows its numbers and
completes the mentorships once confirmed — and every destructive button on the coordinator's
pages asks before it acts."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tandem.accounts.services import create_api_token
from tandem.enrolment.models import ProfileQuestion, TrainingModule
from tandem.enrolment.services.onboarding import create_module
from tandem.matches import services
from tandem.matches.models import MatchingCriterion, MatchRun, ProposedMatch
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import MeetingTemplate, Mentorship, Relationship
from tandem.mentoring.services.guides import ensure_guide
from tandem.programs.enums import MembershipStatus, ProgramStatus
from tandem.programs.models import Invitation, Membership, Objective, Program
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.factories import InvitationFactory, ObjectiveFactory
from tests.matches.runs_support import pool
from tests.mentoring.factories import make_pair

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("matching_kernels"),
]


def _at(program: Program, status: ProgramStatus, **fields: Any) -> None:
    Program.objects.filter(pk=program.pk).update(status=status, **fields)
    program.refresh_from_db()


def _scenario(world: World) -> MatchRun:
    pool(world.program, world.coordinator, mentees=2, mentors=2)
    return services.start_run(world.program, by=world.coordinator, name="First scenario")


def test_publishing_while_enrolling_is_refused_until_early_publishing_is_on(
    world: World, live_server: Any, page: Page
) -> None:
    scenario = _scenario(world)
    _at(world.program, ProgramStatus.ENROLLING)
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url(f'matching/{scenario.pk}/')}")
    page.get_by_role("link", name="Publish this scenario…").click()
    expect(page.get_by_role("alert")).to_contain_text("Spring is still enrolling")
    expect(page.get_by_role("button", name="Publish and introduce everyone")).to_have_count(0)

    page.get_by_role("link", name="Program settings").click()
    page.get_by_label("Publish matches during enrolment").check()
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server.url}{world.url(f'matching/{scenario.pk}/publish/')}")
    expect(page.get_by_text("This starts 2 relationships and notifies 4 people.")).to_be_visible()
    page.get_by_role("button", name="Publish and introduce everyone").click()
    expect(page.get_by_text("First scenario is published")).to_be_visible()
    assert Relationship.objects.filter(program=world.program).count() == 2
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING


def test_publishing_in_the_matching_stage_says_it_starts_the_program(
    world: World, live_server: Any, page: Page
) -> None:
    scenario = _scenario(world)
    _at(world.program, ProgramStatus.MATCHING)
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url(f'matching/{scenario.pk}/publish/')}")
    expect(page.get_by_text("Spring moves from matching to active")).to_be_visible()
    page.get_by_role("button", name="Publish and introduce everyone").click()
    expect(page.get_by_text("First scenario is published")).to_be_visible()
    expect(page.locator(".program-nav .status")).to_have_text("Active")


def test_back_to_draft_is_refused_with_mentorships_and_explained_without(
    world: World, live_server: Any, page: Page
) -> None:
    _at(world.program, ProgramStatus.ENROLLING)
    mentor = Membership.objects.get(user=world.mentor)
    mentee = Membership.objects.get(user=world.mentee)
    mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url()}")
    page.get_by_role("button", name="Back to draft").click()
    expect(
        page.get_by_text("Spring cannot go back to draft: 1 mentorship is under way")
    ).to_be_visible()
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING

    Mentorship.objects.filter(pk=mentorship.pk).delete()
    Relationship.objects.filter(program=world.program).delete()
    page.get_by_role("button", name="Back to draft").click()
    expect(page.get_by_role("heading", name="Back to draft?")).to_be_visible()
    expect(
        page.get_by_text("The 2 mentors and mentees in it will no longer see the program")
    ).to_be_visible()
    page.get_by_role("button", name="Yes, back to draft").click()
    expect(page.get_by_text("Spring is now Draft.")).to_be_visible()
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.DRAFT


def test_closing_early_shows_the_numbers_and_completes_after_confirming(
    world: World, live_server: Any, page: Page
) -> None:
    _at(world.program, ProgramStatus.CLOSING)
    make_pair(
        world.program,
        mentor=Membership.objects.get(user=world.mentor),
        mentee=Membership.objects.get(user=world.mentee),
    )
    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url()}")
    page.get_by_role("button", name="Close the program").click()
    expect(page.get_by_role("heading", name="Close the program?")).to_be_visible()
    expect(page.get_by_text("This completes 1 mentorship and notifies 2 people.")).to_be_visible()
    expect(page.get_by_text("closing it now ends it early")).to_be_visible()
    assert axe_violations(page) == []
    assert Mentorship.objects.get().status == RelationshipStatus.ACTIVE
    page.get_by_role("button", name="Yes, close the program").click()
    expect(page.get_by_text("Spring is now Closed.")).to_be_visible()
    assert Mentorship.objects.get().status == RelationshipStatus.COMPLETED


def _asks(page: Page, button: Locator, expected: str) -> None:
    """Click ``button``, see the confirmation, say no."""
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    button.click()
    page.wait_for_timeout(150)
    assert len(asked) == 1, f"no confirmation for {expected!r}"
    assert expected in asked[0]


def test_every_destructive_button_of_the_coordinator_asks_first(
    world: World, live_server: Any, page: Page
) -> None:
    ObjectiveFactory(program=world.program, statement="Pairs keep meeting monthly")
    InvitationFactory(program=world.program, email="ada@example.org", invited_by=world.coordinator)
    create_module(world.program, by=world.coordinator, title="Your role", body="Welcome.")
    ensure_guide(world.program)
    create_api_token(world.coordinator, by=world.coordinator, name="Reports")
    scenario = _scenario(world)
    url = live_server.url
    log_in(page, url, world.coordinator.email)
    pages: list[tuple[str, Callable[[], Locator], str]] = [
        (
            "",
            lambda: page.get_by_role("button", name="Remove Pairs keep"),
            "Remove this objective?",
        ),
        (
            "members/",
            lambda: page.get_by_role("button", name="Withdraw invitation to ada@example.org"),
            "Withdraw the invitation to ada@example.org?",
        ),
        (
            "applications/",
            lambda: page.get_by_role("button", name="Decline").first,
            f"Decline {world.applicant.display_name}'s application?",
        ),
        (
            "questions/",
            lambda: page.get_by_role("button", name="Delete").first,
            "and everybody's answers to it?",
        ),
        (
            "training/manage/",
            lambda: page.get_by_role("button", name="Delete Your role"),
            "Delete “Your role” and everyone's completion of it?",
        ),
        (
            "matching/criteria/",
            lambda: page.get_by_role("button", name="Delete").first,
            "Delete the criterion",
        ),
        (
            f"matching/{scenario.pk}/",
            lambda: page.get_by_role("button", name="Forbid").first,
            "Never pair",
        ),
        (
            f"matching/{scenario.pk}/",
            lambda: page.get_by_role("button", name="Unassign").first,
            "without a mentor in this scenario?",
        ),
        (
            "funnel/",
            lambda: page.get_by_role("button", name="Remind everyone stuck at").first,
            "Each gets an e-mail.",
        ),
        (
            "guide/",
            lambda: page.get_by_role("button", name="Remove").first,
            "from the meeting guide?",
        ),
        (
            "guide/",
            lambda: page.get_by_role("button", name="Reset to the starter guide"),
            "Replace every template of the meeting guide",
        ),
    ]
    for suffix, button, expected in pages:
        page.goto(f"{url}{world.url(suffix)}")
        _asks(page, button(), expected)
    page.goto(f"{url}/me/tokens/")
    _asks(page, page.get_by_role("button", name="Revoke Reports"), "Revoke Reports?")

    # Saying no did nothing.
    assert Objective.objects.filter(program=world.program).count() == 1
    assert Invitation.objects.get(email="ada@example.org").revoked_at is None
    assert Membership.objects.get(user=world.applicant).status == MembershipStatus.APPLIED
    assert ProfileQuestion.objects.filter(program=world.program).count() > 0
    assert TrainingModule.objects.filter(program=world.program).count() == 1
    assert MatchingCriterion.objects.filter(program=world.program).count() > 0
    assert ProposedMatch.objects.filter(run=scenario).count() == 2
    assert MeetingTemplate.objects.filter(program=world.program).count() == len(
        ensure_guide(world.program)
    )
