"""Issue #14's "done when", in a real Chromium: the mentee drafts a goal and the SMART helper,
as they type, asks for the missing measure; once the measure is written the prompt goes. They
save the goal with a deadline, add three steps and link it to a program objective; the mentor,
in a browser of their own, comments on it; one step done moves the goal to 33% and both of them
find a notification about it. The mentee's private journal entry answers 404 to the mentor and
the coordinator, and the coordinator's alignment matrix counts the goal under its objective
without showing its text."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tandem.growth.enums import GoalStatus
from tandem.growth.models import Goal, GoalComment, JournalEntry, Milestone
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS, violations
from tests.browser.test_login_journeys import log_in
from tests.conftest import World
from tests.factories import ObjectiveFactory
from tests.mentoring import factories
from tests.mentoring.factories import Pair

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pair = factories.pair

STATEMENT = "Chair two committee meetings from agenda to minutes"
MEASURE = "The committee approves the minutes I wrote, with no more than small corrections"
NO_MEASURE = "How will you know you have got there?"
STEPS = (
    "Draft the agenda with the committee's secretary",
    "Chair the March meeting",
    "Send the minutes within two days",
)


def prompts(page: Page) -> Any:
    """The live region the SMART helper writes its prompts into."""
    return page.locator("#goal-prompts")


def named(action: str, thing: str) -> re.Pattern[str]:
    """The accessible name of a button or link that says which goal or step it acts on
    ("Done: Chair the March meeting", the second half visually hidden)."""
    return re.compile(rf"^{re.escape(action)}\W+{re.escape(thing)}$")


def new_page(browser: Browser, base: str, email: str) -> Page:
    """A browser context of its own (its own cookies), logged in as ``email``."""
    page = browser.new_context().new_page()
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, base, email)
    return page


def test_goal_from_draft_to_the_coordinators_alignment(
    world: World, pair: Pair, live_server: Any, page: Page, browser: Browser
) -> None:
    objective = ObjectiveFactory(
        program=world.program, statement="Mentees step into leadership", position=1
    )
    ObjectiveFactory(program=world.program, statement="Pairs keep meeting monthly", position=2)
    base = live_server.url
    mentorship = pair.mentorship
    workspace = base + mentorship.get_absolute_url()
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=90)

    # The mentee opens their goals page from the shared space and starts a goal: a statement
    # and a deadline, no measure. The SMART helper asks for one as they type.
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, base, world.mentee.email)
    page.goto(workspace)
    page.get_by_role("link", name="write your first goal").click()
    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible()
    page.get_by_label("Your goal").press_sequentially(STATEMENT, delay=5)
    page.get_by_label("Deadline").fill(deadline.isoformat())
    expect(prompts(page).get_by_role("status")).to_contain_text(NO_MEASURE)
    expect(prompts(page).get_by_text(NO_MEASURE)).to_be_visible()

    # They write the measure: the prompt goes, and the helper says the goal reads as SMART.
    page.get_by_label("How you will measure it").press_sequentially(MEASURE, delay=5)
    expect(prompts(page).get_by_text(NO_MEASURE)).to_have_count(0)
    expect(prompts(page).get_by_role("status")).to_have_text(
        "This reads as a SMART goal: specific, measured and dated."
    )
    assert violations(page) == []
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("Your goal is saved as a draft.")).to_be_visible()
    goal = Goal.objects.get()
    assert (goal.statement, goal.measure, goal.deadline, goal.status) == (
        STATEMENT,
        MEASURE,
        deadline,
        GoalStatus.DRAFT,
    )
    card = page.get_by_role("article", name=STATEMENT)
    expect(card.get_by_text(NO_MEASURE)).to_have_count(0)

    # Three steps, each with a date and an owner.
    for number, title in enumerate(STEPS, start=1):
        card.get_by_text("Add a step").click()
        card.get_by_role("textbox", name="Step").fill(title)
        card.get_by_label("By:", exact=True).fill(
            (today + dt.timedelta(days=20 * number)).isoformat()
        )
        card.get_by_role("combobox", name="Who does it").select_option(
            label=world.mentee.display_name
        )
        card.get_by_role("button", name="Add the step").click()
        expect(page.get_by_role("status")).to_contain_text(f"Step added: “{title}”.")
        expect(card.get_by_role("listitem").filter(has_text=title)).to_be_visible()
    expect(card.get_by_text("0% there — 0 of 3 steps done")).to_be_visible()
    assert list(Milestone.objects.filter(goal=goal).values_list("title", flat=True)) == list(STEPS)

    # They link it to the program objective it serves and start working on it.
    card.get_by_role("link", name=named("Edit the goal", STATEMENT)).click()
    assert axe_violations(page) == []
    page.get_by_label("The program objective it serves").select_option(
        label="Mentees step into leadership"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your goal is saved.")).to_be_visible()
    expect(card.get_by_text("serves “Mentees step into leadership”")).to_be_visible()
    card.get_by_role("button", name="Start working on it").click()
    expect(page.get_by_text("Your goal is set. Good luck!")).to_be_visible()
    goal.refresh_from_db()
    assert (goal.objective_id, goal.status) == (objective.pk, GoalStatus.ACTIVE)

    # The mentor, in a browser of their own, comments on the goal.
    mentor = new_page(browser, base, world.mentor.email)
    mentor.goto(workspace)
    mentor.get_by_role("link", name="All goals").click()
    mentor_card = mentor.get_by_role("article", name=STATEMENT)
    mentor_card.get_by_label("Your comment").fill("Send the agenda **two days** ahead.")
    mentor_card.get_by_role("button", name="Comment").click()
    expect(mentor.get_by_role("status")).to_contain_text("Your comment is posted.")
    comment = mentor_card.get_by_role("listitem").filter(has_text="Send the agenda")
    expect(comment).to_contain_text(f"{world.mentor.display_name}")
    expect(comment).to_contain_text("Send the agenda two days ahead.")
    assert GoalComment.objects.get(goal=goal).text == "Send the agenda **two days** ahead."
    told = Notification.objects.get(kind=NotificationKind.GOAL_COMMENTED)
    assert told.recipient == world.mentee

    assert violations(mentor) == []

    # The mentee sees the comment, and ticks the first step done: 33%.
    page.reload()
    assert axe_violations(page) == []
    expect(card.get_by_role("listitem").filter(has_text="Send the agenda")).to_contain_text(
        "Send the agenda two days ahead."
    )
    card.get_by_role("button", name=named("Done", STEPS[0])).click()
    expect(page.get_by_text(f"“{STEPS[0]}” is done — well done!")).to_be_visible()
    expect(card.get_by_text("33% there — 1 of 3 steps done")).to_be_visible()
    expect(card.get_by_role("progressbar")).to_have_attribute("value", "33")
    goal.refresh_from_db()
    assert goal.progress == 33
    assert violations(page) == []

    # Both of them have a notification about it: in the database and on their notifications
    # page, reached from the bell in the header.
    notified = Notification.objects.filter(kind=NotificationKind.MILESTONE_DONE)
    assert sorted(notified.values_list("recipient__email", flat=True)) == sorted(
        [world.mentee.email, world.mentor.email]
    )
    for viewer, person in ((page, world.mentee), (mentor, world.mentor)):
        viewer.goto(workspace)
        unread = Notification.objects.filter(recipient=person, read_at=None).count()
        bell = viewer.get_by_role("link", name=re.compile(rf"^Notifications\W+{unread} unread$"))
        bell.click()
        item = viewer.get_by_role("listitem").filter(
            has=viewer.get_by_role("heading", name="A milestone reached in Spring")
        )
        expect(item).to_contain_text(f"“{STEPS[0]}” is done")
        expect(item).to_contain_text("33% of the way there")

    # The mentee opens the notification, which leads back to the goal, and goes on from the
    # growth tools to their private journal, where they write an entry.
    page.get_by_role("button", name=named("Open", "A milestone reached in Spring")).click()
    expect(page.get_by_role("article", name=STATEMENT)).to_be_visible()
    assert page.url.endswith(f"goals/#goal-{goal.pk}")
    tools = page.get_by_role("navigation", name="Your growth tools")
    expect(tools.get_by_role("link", name="Goals")).to_have_attribute("aria-current", "page")
    tools.get_by_role("link", name="Journal").click()
    page.get_by_label("Your entry").fill("I froze when the treasurer challenged the budget.")
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_text("Saved in your journal.")).to_be_visible()
    entry = JournalEntry.objects.get()
    entry_url = f"{workspace}journal/{entry.pk}/"
    response = page.goto(entry_url)
    assert response is not None
    assert response.status == 200

    # Neither the mentor nor the coordinator can open it.
    coordinator = new_page(browser, base, world.coordinator.email)
    for viewer in (mentor, coordinator):
        response = viewer.goto(entry_url)
        assert response is not None
        assert response.status == 404
        expect(viewer.get_by_text("treasurer")).to_have_count(0)

    # The coordinator's alignment matrix counts the goal under its objective, without its text.
    coordinator.goto(base + world.url())
    coordinator.get_by_role("link", name="Goal alignment").first.click()
    expect(coordinator.get_by_role("heading", name="Goal alignment")).to_be_visible()
    matrix = coordinator.get_by_role("table")
    headers = matrix.get_by_role("columnheader")
    expect(headers).to_have_text(
        ["Mentorship", "Mentees step into leadership", "Pairs keep meeting monthly", "No objective"]
    )
    row = matrix.get_by_role("row").filter(has_text=world.mentee.display_name)
    cells = row.get_by_role("cell")
    expect(cells).to_have_text(
        ["1 goal 33% average progress", "— no goals", "— no goals"], use_inner_text=True
    )
    totals = matrix.get_by_role("row").filter(has_text="All mentorships").get_by_role("cell")
    expect(totals.first).to_contain_text("1 goal")
    expect(coordinator.get_by_text("Chair two committee meetings")).to_have_count(0)
    assert axe_violations(coordinator) == []
    assert violations(coordinator) == []
    assert STATEMENT not in coordinator.content()
    assert MEASURE not in coordinator.content()
