"""Real Chromium: a coordinator publishes a small scenario; the mentee and the mentor each find
their introduction in Notifications and on their match page, with each other's highlights and
why they were matched."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.matches import services
from tandem.mentoring.models import Relationship
from tandem.programs.models import Membership
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.matches.relationships_support import make_ready, ready_program

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("matching_kernels"),
]


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_published_pair_meets_through_notifications_and_the_match_page(
    world: World, live_server: Any, page: Page
) -> None:
    ready_program(world.program, world.coordinator)
    make_ready(Membership.objects.get(user=world.mentor), 1, capacity=1, industry="Logistics")
    make_ready(Membership.objects.get(user=world.mentee), 2, industry="Logistics")
    run = services.start_run(world.program, by=world.coordinator, name="First scenario")
    assert run.proposals.get().explanation

    log_in(page, live_server.url, world.coordinator.email)
    page.goto(f"{live_server.url}{world.url(f'matching/{run.pk}/')}")
    page.get_by_role("link", name="Publish this scenario…").click()
    page.get_by_role("button", name="Publish and introduce everyone").click()
    expect(page.get_by_text("First scenario is published")).to_be_visible()
    page.goto(f"{live_server.url}{world.url('relationships/')}")
    expect(page.get_by_role("cell", name=world.mentee.display_name, exact=True)).to_be_visible()
    log_out(page)
    # The pair read the explanation written to them, not the coordinator's review text.
    explanation = Relationship.objects.get(program=world.program).explanation
    assert explanation

    for me, partner, role in (
        (world.mentee, world.mentor, "mentor"),
        (world.mentor, world.mentee, "mentee"),
    ):
        log_in(page, live_server.url, me.email)
        page.get_by_role("link", name="Notifications").click()
        introduction = page.get_by_text(f"You have been matched with {partner.display_name}")
        expect(introduction.first).to_be_visible()
        page.goto(f"{live_server.url}{world.url()}")
        page.get_by_role("link", name="My match").click()
        expect(
            page.get_by_role("heading", name=f"Your {role}: {partner.display_name}")
        ).to_be_visible()
        expect(page.get_by_text("Why you were matched")).to_be_visible()
        expect(page.get_by_text(explanation)).to_be_visible()
        expect(page.get_by_text("Industry: Logistics")).to_be_visible()
        expect(page.get_by_role("link", name=partner.email)).to_be_visible()
        log_out(page)
