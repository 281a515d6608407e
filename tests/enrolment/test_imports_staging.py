"""Batched imports: the file is checked outside any transaction, its rows staged in short
transactions that show nothing, then switched live in one step — all-or-nothing for the person
importing, and nobody's concurrent change is overwritten."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.enrolment.enums import ImportStatus, QuestionKind
from tandem.enrolment.models import ParticipantImport, ProfileQuestion, StagedImportRow
from tandem.enrolment.services import imports, staging
from tandem.enrolment.services.staging import CHANGED_WHILE_IMPORTING
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["email", "full name", "role"], *rows])
    return buffer.getvalue().encode()


def people(count: int) -> list[list[str]]:
    return [[f"p{n}@people.test", f"Person {n}", "mentee"] for n in range(count)]


def uploaded(world: World, rows: list[list[str]]) -> ParticipantImport:
    return imports.upload_import(
        world.program, file_name="p.csv", content=csv_bytes(rows), by=world.coordinator
    )


def imported_people(world: World) -> Any:
    return Membership.objects.filter(program=world.program, user__email__endswith="@people.test")


def test_import_checks_outside_a_transaction_and_stages_in_short_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "STAGE_BATCH", 7)
    participant_import = uploaded(world, people(30))
    seen: dict[str, Any] = {}
    plan_import, bulk_create = imports.plan_import, StagedImportRow.objects.bulk_create
    switch_live = staging.switch_live

    def checking(*args: Any, **kwargs: Any) -> Any:
        seen["checked in a transaction"] = connection.in_atomic_block
        return plan_import(*args, **kwargs)

    def staging_batch(rows: list[StagedImportRow], **kwargs: Any) -> Any:
        seen.setdefault("batches", []).append(len(rows))
        seen.setdefault("nested", []).append(len(connection.atomic_blocks))
        return bulk_create(rows, **kwargs)

    def switching(attempt: str, *args: Any) -> Any:
        # Everything is staged, and nothing of it is visible yet.
        seen["staged"] = StagedImportRow.objects.filter(attempt=attempt).count()
        seen["visible before the switch"] = User.objects.filter(email="p0@people.test").exists()
        return switch_live(attempt, *args)

    monkeypatch.setattr(imports, "plan_import", checking)
    monkeypatch.setattr(StagedImportRow.objects, "bulk_create", staging_batch)
    monkeypatch.setattr(staging, "switch_live", switching)
    plan = imports.run_import(participant_import, by=world.coordinator)
    assert plan.created == 30
    assert seen == {
        "checked in a transaction": False,
        "batches": [7, 7, 7, 7, 2],
        "nested": [1, 1, 1, 1, 1],  # each batch its own transaction, none around them
        "staged": 30,
        "visible before the switch": False,
    }
    assert imported_people(world).count() == 30
    assert EmailAddress.objects.filter(email="p29@people.test", verified=True).count() == 1
    membership = Membership.objects.select_related("user").get(user__email="p7@people.test")
    assert (membership.role, membership.status) == (Role.MENTEE, MembershipStatus.APPROVED)
    assert membership.user.full_name == "Person 7"
    assert not membership.user.has_usable_password()
    assert membership.user.is_active
    assert not StagedImportRow.objects.exists()  # discarded after the switch
    passwords = set(User.objects.filter(email__endswith="@people.test").values_list("password"))
    assert len(passwords) == 30  # unique and unusable


def test_someone_adding_one_of_the_people_meanwhile_leaves_nothing_imported(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    participant_import = uploaded(world, people(5))
    stage_plan = staging.stage_plan

    def racing(*args: Any) -> str:
        attempt = stage_plan(*args)
        UserFactory(email="p3@people.test")  # created between the check and the switch
        return attempt

    monkeypatch.setattr(staging, "stage_plan", racing)
    with pytest.raises(ServiceError) as raised:
        imports.run_import(participant_import, by=world.coordinator)
    assert raised.value.message == imports.SOMEONE_ADDED_PEOPLE
    assert imported_people(world).count() == 0
    emails = User.objects.filter(email__endswith="@people.test").values_list("email", flat=True)
    assert list(emails) == ["p3@people.test"]
    assert ParticipantImport.objects.get().status == ImportStatus.PREVIEWED
    assert not StagedImportRow.objects.exists()


def test_a_profile_changed_meanwhile_stops_the_import_and_keeps_the_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    imports.run_import(uploaded(world, people(3)), by=world.coordinator)
    ProfileQuestion.objects.create(
        program=world.program, key="team", label="Team", kind=QuestionKind.TEXT
    )
    changing = imports.upload_import(
        world.program,
        file_name="p.csv",
        content=b"email,role,team\np1@people.test,mentee,Blue\np2@people.test,mentee,Red\n",
        by=world.coordinator,
    )
    stage_plan = staging.stage_plan

    def racing(*args: Any) -> str:
        attempt = stage_plan(*args)
        # The person saves their profile between the check and the switch.
        Membership.objects.filter(user__email="p1@people.test").update(
            answers={"mine": True}, updated_at=timezone.now() + dt.timedelta(seconds=1)
        )
        return attempt

    monkeypatch.setattr(staging, "stage_plan", racing)
    with pytest.raises(ServiceError) as raised:
        imports.run_import(changing, by=world.coordinator)
    assert raised.value.message == CHANGED_WHILE_IMPORTING
    assert answers_of(["p1@people.test", "p2@people.test"]) == {
        "p1@people.test": {"mine": True},
        "p2@people.test": {},
    }
    assert not StagedImportRow.objects.exists()
    monkeypatch.setattr(staging, "stage_plan", stage_plan)
    imports.run_import(changing, by=world.coordinator)  # checked again, it goes through
    assert answers_of(["p1@people.test", "p2@people.test"]) == {
        "p1@people.test": {"mine": True, "team": "Blue"},
        "p2@people.test": {"team": "Red"},
    }


def answers_of(emails: list[str]) -> dict[str, Any]:
    memberships = Membership.objects.filter(user__email__in=emails)
    return dict(memberships.values_list("user__email", "answers"))


def test_the_old_one_transaction_path_gives_the_same_result(world: World) -> None:
    imports.run_import_in_one_transaction(uploaded(world, people(4)), by=world.coordinator)
    old = sorted(imported_people(world).values_list("user__email", "role", "status"))
    User.objects.filter(email__endswith="@people.test").delete()
    imports.run_import(uploaded(world, people(4)), by=world.coordinator)
    assert sorted(imported_people(world).values_list("user__email", "role", "status")) == old


def test_the_sweep_discards_rows_an_abandoned_attempt_staged(world: World) -> None:
    participant_import = uploaded(world, people(3))
    plan = imports.plan_import(
        world.program, imports.sheet_of(participant_import), participant_import.mapping
    )
    abandoned = staging.stage_plan(participant_import, plan)
    fresh = staging.stage_plan(participant_import, plan)
    StagedImportRow.objects.filter(attempt=abandoned).update(
        created_at=timezone.now() - dt.timedelta(hours=7)
    )
    imports.fail_stopped_imports()
    assert set(StagedImportRow.objects.values_list("attempt", flat=True)) == {fresh}
