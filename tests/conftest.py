"""Shared fixtures: a program with one person in every role, plus an outsider.

Like healthchecks' test base, every test can reach for an allowed and a denied person at once.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Organization, Program
from tests.factories import (
    MembershipFactory,
    OrganizationAdminFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")


@dataclass
class World:
    organization: Organization
    program: Program
    org_admin: User
    coordinator: User
    mentor: User
    mentee: User
    applicant: User
    outsider: User
    other_program: Program

    def url(self, suffix: str = "", program: Program | None = None) -> str:
        program = program or self.program
        return f"/o/{program.organization.slug}/p/{program.slug}/{suffix}"


@pytest.fixture
def world(db: Any) -> World:
    organization = OrganizationFactory(name="Northwind", slug="northwind")
    # Active, started a week ago: participants see it and matches can be published in it.
    program = ProgramFactory(organization=organization, name="Spring", slug="spring", active=True)
    org_admin = OrganizationAdminFactory(organization=organization).user
    people = {}
    for role, status in [
        (Role.COORDINATOR, MembershipStatus.APPROVED),
        (Role.MENTOR, MembershipStatus.APPROVED),
        (Role.MENTEE, MembershipStatus.APPROVED),
        (Role.MENTEE, MembershipStatus.APPLIED),
    ]:
        membership = MembershipFactory(program=program, role=role, status=status)
        people[(role, status)] = membership.user
    # An outsider: coordinator of a program in another organization.
    other_program = ProgramFactory(name="Elsewhere", slug="elsewhere")
    outsider = MembershipFactory(program=other_program, role=Role.COORDINATOR).user
    return World(
        organization=organization,
        program=program,
        org_admin=org_admin,
        coordinator=people[(Role.COORDINATOR, MembershipStatus.APPROVED)],
        mentor=people[(Role.MENTOR, MembershipStatus.APPROVED)],
        mentee=people[(Role.MENTEE, MembershipStatus.APPROVED)],
        applicant=people[(Role.MENTEE, MembershipStatus.APPLIED)],
        outsider=outsider,
        other_program=other_program,
    )


@pytest.fixture
def login(client: Client) -> Any:
    def as_user(user: User) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def user(db: Any) -> User:
    return UserFactory()


# --- browser tests -----------------------------------------------------------------------


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_available():
        return
    if os.environ.get("TANDEM_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"Browser tests are required (TANDEM_REQUIRE_BROWSER=1) but no Chromium was found "
            f"at {CHROMIUM}: install it with `apt-get install -y chromium`."
        )
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: install Debian's chromium to run browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# --- matching ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def matching_kernels() -> None:
    """The engine's kernels loaded in this process, as in `tandem serve` once its start-up
    warm-up has finished: small runs are then matched inside the request."""
    from tandem.matching.warmup import warm_up

    warm_up()


@pytest.fixture
def commit_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``on_commit`` would do after each service's transaction: run the callback now (a
    test's own transaction never commits). For tests that read what a service sends."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
