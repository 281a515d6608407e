"""Real Chromium: a mentee writes a private journal entry the mentor cannot open, shares it
(htmx) and takes it back; the skills chart (inline SVG) and the other growth pages load under
the Content-Security-Policy without one violation."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.growth.models import JournalEntry
from tandem.growth.services import assessments
from tandem.growth.services.vocabulary import starter_skills
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS, violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.mentoring import factories
from tests.mentoring.factories import Pair

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pair = factories.pair


def test_journal_privacy_and_the_chart_under_csp(
    world: World, pair: Pair, live_server: Any, page: Page
) -> None:
    skills = starter_skills(world.program)
    assessments.submit_assessment(
        pair.mentorship,
        by=pair.mentee,
        subject=pair.mentee,
        stage="start",
        scores={s.pk: 2 + (i % 3) for i, s in enumerate(skills)},
    )
    page.add_init_script(COLLECT_VIOLATIONS)
    base = live_server.url
    space = f"{base}{world.url(f'mentorships/{pair.mentorship.pk}/')}"
    log_in(page, base, world.mentee.email)
    page.goto(space)
    expect(page.get_by_role("heading", name="Your growth")).to_be_visible()
    page.get_by_role("link", name="Your private journal").click()
    page.get_by_label("Your entry").fill("I dodged the budget question again.")
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_text("Saved in your journal.")).to_be_visible()
    entry = JournalEntry.objects.get()
    entry_url = f"{space}journal/{entry.pk}/"
    page.goto(entry_url)
    page.get_by_role("button", name="Share it with my mentorship").click()
    expect(page.get_by_role("button", name="Make it private again")).to_be_visible()
    assert JournalEntry.objects.get().shared_at is not None
    page.get_by_role("button", name="Make it private again").click()
    expect(page.get_by_role("button", name="Share it with my mentorship")).to_be_visible()
    assert violations(page) == []
    for suffix in ("skills/", "plan/", "swot/", "journal/", f"journal/{entry.pk}/", "feedback/"):
        page.goto(space + suffix)
        assert violations(page) == [], suffix
        assert axe_violations(page) == [], suffix
    page.goto(space + "skills/")
    chart = page.locator("figure.skills-chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Clarity")

    page.context.clear_cookies()
    log_in(page, base, world.mentor.email)
    response = page.goto(entry_url)
    assert response is not None
    assert response.status == 404
    page.context.clear_cookies()
    log_in(page, base, world.coordinator.email)
    response = page.goto(entry_url)
    assert response is not None
    assert response.status == 404
