"""Real Chromium: a person applies, a coordinator decides in place; a coordinator imports a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import PASSWORD, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Set to a folder to keep screenshots of the pages (for reviewing them by eye).
SCREENSHOTS = os.environ.get("TANDEM_SCREENSHOTS", "")


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def log_in(page: Page, base_url: str, email: str, next_path: str = "/") -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_person_applies_and_coordinator_approves_in_place(
    world: World, live_server: Any, page: Page
) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.ENROLLING, enrolment_access=EnrolmentAccess.PUBLIC
    )
    person = UserFactory(full_name="Noor Haddad")
    log_in(page, live_server.url, person.email, "/join/northwind/spring/")
    expect(page.get_by_role("heading", name="Apply")).to_be_visible()
    page.get_by_label("Mentor — I want to help someone grow").check()
    page.get_by_label("Why do you want to take part?").fill("I have led teams for ten years.")
    snap(page, "join")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("your application to Spring is sent")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server.url, world.coordinator.email, "/o/northwind/p/spring/applications/")
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()
    expect(page.get_by_text("I have led teams for ten years.")).to_be_visible()
    snap(page, "queue")
    page.get_by_label("Message to Noor Haddad (optional)").fill("Welcome aboard!")
    row = page.locator("tr", has_text="Noor Haddad")
    row.get_by_role("button", name="Approve").click()
    expect(row.get_by_text("Decision saved: approved.")).to_be_visible()
    membership = Membership.objects.get(user=person)
    assert membership.status == MembershipStatus.APPROVED
    assert membership.application.decision_message == "Welcome aboard!"


def test_coordinator_uploads_checks_and_imports_a_spreadsheet(
    world: World, live_server: Any, page: Page, tmp_path: Path
) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("Email,Name,Role\nana@example.org,Ana Lima,mentor\nbob@,Bob,mentee\n")
    log_in(page, live_server.url, world.coordinator.email, "/o/northwind/p/spring/import/")
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("cell", name="This is not a valid e-mail address.")).to_be_visible()
    snap(page, "import-problems")
    good = tmp_path / "people-fixed.csv"
    good.write_text(
        "Email,Name,Role\nana@example.org,Ana Lima,mentor\nbob@example.org,Bob,mentee\n"
    )
    page.get_by_role("link", name="← Imports and exports").click()
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    snap(page, "import-preview")
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_text("Imported: 2 created, 0 updated, 0 unchanged.")).to_be_visible()
    assert Membership.objects.filter(program=world.program, user__email="bob@example.org").exists()
