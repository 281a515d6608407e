"""Real Chromium, real server: participants are told the truth at each stage of their way.

A ready mentee of a choosing program reads "choose your mentors", chooses one in the directory
and sends the request from the same panel; their pages then say the request is on its way. The
mentor's dashboard card says a mentee asked them, and leads to the answer; once accepted, both
read that they are matched. After the program closes, the mentee's program home says the
mentorship is complete, and no page says "not matched yet" above it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.mentoring.services.mentorships import complete_relationships
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Program
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.matches.test_requests import make_cascade

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def standing(page: Page, headline: str) -> None:
    expect(page.locator("#standing-heading")).to_have_text(headline)


def test_participants_read_the_truth_from_choosing_to_closure(
    world: World, live_server: Any, page: Page, matching_kernels: None
) -> None:
    base = live_server.url
    make_cascade(world, mentors=1, with_choices=False)
    page.on("dialog", lambda dialog: dialog.accept())

    # The ready mentee is asked to choose, and chooses where the mentors are listed.
    log_in(page, base, world.mentee.email)
    page.goto(base + world.url())
    standing(page, "You are ready: choose your mentors")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Choose your mentors").first.click()
    expect(page.get_by_role("heading", name="Choose your mentors", level=1)).to_be_visible()
    expect(page.get_by_text("Skills they can offer").first).to_be_visible()
    page.get_by_role("button", name=f"Add {world.mentor.display_name} to my choices").click()
    choices = page.locator("#my-choices")
    expect(choices.get_by_text(f"{world.mentor.display_name} is asked first.")).to_be_visible()
    assert axe_violations(page) == []
    choices.get_by_role("button", name="Send my requests").click()
    standing(page, "Your requests are with your mentors")
    page.goto(base + world.url())
    standing(page, "Your requests are with your mentors")
    page.goto(base + world.url("mentors/"))
    standing(page, "Your requests are with your mentors")
    expect(page.get_by_role("button", name="Send my requests")).to_have_count(0)
    log_out(page)

    # The mentor's dashboard says a mentee asked, and leads to the answer.
    log_in(page, base, world.mentor.email)
    page.goto(base + "/")
    card = page.locator(".card").filter(has_text=world.program.name)
    expect(card.get_by_text("A mentee has asked you to be their mentor")).to_be_visible()
    card.get_by_role("link", name="Answer the request").click()
    with page.expect_response(lambda r: r.request.method == "POST" and "accept" in r.url):
        page.get_by_role("button", name=f"Accept {world.mentee.display_name}").click()
    page.goto(base + world.url())
    standing(page, "You are matched")
    log_out(page)

    # The mentee is matched: no page tells them to get ready any more.
    log_in(page, base, world.mentee.email)
    for suffix in ("", "match/", "getting-ready/"):
        page.goto(base + world.url(suffix))
        standing(page, "You are matched")
        expect(page.get_by_text("Getting ready to be matched")).to_have_count(0)
    assert axe_violations(page) == []

    # After closure: the past mentorship, never "not matched yet".
    program = Program.objects.get(pk=world.program.pk)
    complete_relationships(program, by=world.coordinator)
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.CLOSED)
    for suffix in ("", "match/"):
        page.goto(base + world.url(suffix))
        standing(page, "You completed your mentorship")
        expect(page.get_by_text("not matched yet")).to_have_count(0)
    page.goto(base + "/")
    expect(
        page.locator(".card")
        .filter(has_text=world.program.name)
        .get_by_text("You completed your mentorship")
    ).to_be_visible()
