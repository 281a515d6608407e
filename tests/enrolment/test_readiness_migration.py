"""The data migration fills the stored readiness of existing mentors and mentees with what the
live computation says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("enrolment", "0004_stagedimportrow"), ("programs", "0006_membership_stored_readiness")]
AFTER = [("enrolment", "0005_fill_stored_readiness")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_fill_stored_readiness_matches_the_live_computation() -> None:
    old = _migrate(BEFORE)
    user_model = old.get_model("accounts", "User")
    organization = old.get_model("programs", "Organization").objects.create(name="N", slug="n")
    program = old.get_model("programs", "Program").objects.create(
        organization=organization,
        name="Spring",
        slug="spring",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 7, 1),
    )
    question = old.get_model("enrolment", "ProfileQuestion")
    question.objects.create(
        program=program, key="goals", label="Your goals", kind="text", required=True
    )
    question.objects.create(program=program, key="city", label="City", kind="text")
    membership = old.get_model("programs", "Membership")
    done, half, coordinator = (
        membership.objects.create(
            program=program,
            user=user_model.objects.create(email=f"p{index}@example.org"),
            role=role,
            status="approved",
            answers=answers,
        )
        for index, (role, answers) in enumerate(
            [
                ("mentor", {"goals": "Grow", "city": "Oslo"}),
                ("mentee", {"city": "Oslo"}),
                ("coordinator", {}),
            ]
        )
    )
    _migrate(AFTER)

    from tandem.enrolment.readiness import readiness_of, stored_readiness
    from tandem.programs.models import Membership

    rows = {row.pk: row for row in Membership.objects.all()}
    assert (rows[done.pk].profile_percent, rows[done.pk].readiness_stage) == (100, "ready")
    assert (rows[half.pk].profile_percent, rows[half.pk].profile_missing) == (50, ["goals"])
    assert rows[half.pk].readiness_stage == "approved"
    assert rows[coordinator.pk].readiness_checked_at is None
    for pk in (done.pk, half.pk):
        assert stored_readiness(rows[pk]) == readiness_of(rows[pk])
