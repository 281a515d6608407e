"""Real Chromium, the coordinator's whole matching session: adjust a criterion, run two
scenarios, compare them, lock two pairs, publish — and a mentee finds the introduction."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.matches.enums import PairRuleKind
from tandem.matches.models import MatchRun, PairRule
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.programs.enums import Role
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.matches.relationships_support import person, ready_program

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("matching_kernels"),
]


def test_coordinator_runs_compares_locks_and_publishes(
    world: World, live_server: Any, page: Page
) -> None:
    ready_program(world.program, world.coordinator)
    mentees = [person(world.program, Role.MENTEE, index) for index in range(4)]
    for index in range(4):
        person(world.program, Role.MENTOR, index, capacity=1)
    base = f"{live_server.url}{world.url()}"
    log_in(page, live_server.url, world.coordinator.email)

    # Criteria: the defaults are there; give the first one more weight.
    page.goto(f"{base}matching/criteria/")
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Weight").fill("5")
    page.get_by_role("button", name="Save criterion").click()
    expect(page.get_by_text("saved.")).to_be_visible()

    # Two scenarios with different objectives.
    page.goto(f"{base}matching/")
    page.get_by_label("Scenario name").fill("Best fit")
    page.get_by_label("Best total fit").check()
    page.get_by_role("button", name="Run the matching").click()
    expect(page.get_by_role("heading", name="Best fit")).to_be_visible()
    page.goto(f"{base}matching/")
    page.get_by_label("Scenario name").fill("Fairest")
    page.get_by_label("Fairest: raise the worst match first").check()
    page.get_by_role("button", name="Run the matching").click()
    expect(page.get_by_role("heading", name="Fairest")).to_be_visible()
    assert MatchRun.objects.filter(program=world.program, status="done").count() == 2

    page.goto(f"{base}matching/")
    page.get_by_role("button", name="Compare").click()
    assert "/matching/compare/" in page.url
    expect(page.get_by_role("heading", name="Best fit").first).to_be_visible()
    expect(page.get_by_role("heading", name="Fairest").first).to_be_visible()

    # Lock two pairs of the fairest scenario, then publish it.
    fairest = MatchRun.objects.get(name="Fairest")
    page.goto(f"{base}matching/{fairest.pk}/")
    # "Forbid" asks first: dismissing keeps the pair, accepting forbids it.
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Forbid").first.click()
    expect(page.get_by_role("button", name="Forbid").first).to_be_visible()
    assert len(questions) == 1
    assert questions[0].startswith("Never pair ")
    assert not PairRule.objects.filter(kind=PairRuleKind.FORBID).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Forbid").last.click()
    expect(page.get_by_text("forbidden", exact=False).first).to_be_visible()
    assert PairRule.objects.filter(kind=PairRuleKind.FORBID).count() == 1
    page.goto(f"{base}matching/{fairest.pk}/")
    for _ in range(2):
        page.get_by_role("button", name="Lock").first.click()
        expect(page.get_by_text("locked", exact=False).first).to_be_visible()
    assert PairRule.objects.filter(kind=PairRuleKind.LOCK).count() == 2
    page.get_by_role("link", name="Publish this scenario…").click()
    page.get_by_role("button", name="Publish and introduce everyone").click()
    expect(page.get_by_text("Fairest is published")).to_be_visible()
    assert (
        Relationship.objects.filter(program=world.program, status=RelationshipStatus.ACTIVE).count()
        == fairest.proposals.count()
        == 3  # four proposed, one forbidden above
    )

    # A mentee sees the introduction, with the reasons.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, mentees[0].user.email)
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("You have been matched with").first).to_be_visible()
    expect(page.get_by_text("Why you were matched").first).to_be_visible()
