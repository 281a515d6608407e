"""The first hour: the demo's printed logins land in a live mentorship. The mentee and the
mentor each log in with the password the demo prints and reach their shared space with the
other's name, a next meeting, goals with progress and messages; the coordinator lands in an
active program whose mentorships page lists the published pairs."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from tandem.mentoring.models import Mentorship
from tests.browser.test_login_journeys import log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("login", "partner"), [("mentee", "Malik Mensah"), ("mentor", "Priya Patel")]
)
def test_demo_login_lands_in_a_live_mentorship(
    live_server: Any, page: Page, login: str, partner: str
) -> None:
    seed_demo(participants=60, seed=7)
    log_in(page, live_server.url, DEMO_LOGINS[login], DEMO_PASSWORD)

    page.get_by_role("link", name="Open your shared space").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your shared space")
    main = page.locator("main")
    expect(main).to_contain_text(f"With {partner}")
    expect(main).to_contain_text(re.compile(r"Next: \w+day \d+ \w+ \d{4}, \d\d:\d\d"))
    expect(main).to_contain_text(re.compile(r"\d+% · \d of \d steps done"))
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    expect(main).to_contain_text(partner.split()[0])


def test_demo_coordinator_lands_in_an_active_program_with_its_pairs(
    live_server: Any, page: Page
) -> None:
    report = seed_demo(participants=60, seed=7)
    active = Mentorship.objects.filter(program=report.program, status="active").count()
    assert active > 10
    assert (
        not Mentorship.objects.filter(
            program=report.program, members__membership__user__full_name="Priya Patel"
        )
        .exclude(members__membership__user__email=DEMO_LOGINS["mentee"])
        .exists()
    )
    log_in(page, live_server.url, DEMO_LOGINS["coordinator"], DEMO_PASSWORD)
    page.get_by_role("link", name=report.program.name).first.click()
    expect(page.get_by_text("Stage: Active")).to_be_visible()
    page.get_by_role("link", name="Mentorships", exact=True).click()
    total = Mentorship.objects.filter(program=report.program).count()
    expect(page.locator("main")).to_contain_text(f"{total} mentorships")
    expect(
        page.get_by_role("row", name=re.compile("Malik Mensah with Priya Patel"))
    ).to_contain_text("Active")
