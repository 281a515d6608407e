"""Publishing follows the program's stage: from matching (which it turns active) or active,
while enrolling only with ``early_publishing``; pairs never start before the program."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.matches import services
from tandem.matches.enums import RunStatus
from tandem.matches.pairing import create_relationship
from tandem.mentoring.models import Mentorship, Relationship
from tandem.mentoring.services.stages import start_moment
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.matches.runs_support import pool, run


def _at(program: Program, status: ProgramStatus, **fields: Any) -> None:
    Program.objects.filter(pk=program.pk).update(status=status, **fields)
    program.refresh_from_db()


@pytest.fixture
def people(world: World) -> tuple[list[Membership], list[Membership]]:
    return pool(world.program, world.coordinator, mentees=3, mentors=3)


@pytest.mark.parametrize(
    ("status", "early", "message"),
    [
        (ProgramStatus.DRAFT, False, "Spring is a draft: open enrolment"),
        (ProgramStatus.ENROLLING, False, "Spring is still enrolling: close enrolment"),
        (ProgramStatus.CLOSING, False, "Spring is closing: it takes no new matches."),
        (ProgramStatus.CLOSED, True, "Spring is closed: it takes no new matches."),
    ],
)
def test_publish_refused_outside_the_publishing_stages(
    world: World, people: Any, status: ProgramStatus, early: bool, message: str
) -> None:
    scenario = run(world.program, world.coordinator)
    _at(world.program, status, early_publishing=early)
    with pytest.raises(ServiceError) as refused:
        services.publish_run(scenario, by=world.coordinator)
    assert refused.value.message.startswith(message)
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE
    assert Relationship.objects.filter(program=world.program).count() == 0


def test_publish_while_enrolling_with_early_publishing_starts_pairs_on_the_first_day(
    world: World, people: Any
) -> None:
    starts_on = timezone.localdate() + dt.timedelta(days=10)
    _at(
        world.program,
        ProgramStatus.ENROLLING,
        early_publishing=True,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=120),
    )
    scenario = run(world.program, world.coordinator)
    relationships = services.publish_run(scenario, by=world.coordinator)
    first_day = start_moment(world.program, timezone.now())
    assert first_day.date() == starts_on
    assert len(relationships) == 3
    assert {r.started_at for r in Relationship.objects.filter(program=world.program)} == {first_day}
    assert {m.started_at for m in Mentorship.objects.filter(program=world.program)} == {first_day}
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING


def test_publish_in_the_matching_stage_makes_the_program_active(world: World, people: Any) -> None:
    _at(world.program, ProgramStatus.MATCHING)
    scenario = run(world.program, world.coordinator)
    services.publish_run(scenario, by=world.coordinator)
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ACTIVE


def test_publish_in_an_active_program_keeps_it_active_and_starts_now(
    world: World, people: Any
) -> None:
    scenario = run(world.program, world.coordinator)
    before = timezone.now()
    services.publish_run(scenario, by=world.coordinator)
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ACTIVE
    started = {r.started_at for r in Relationship.objects.filter(program=world.program)}
    assert len(started) == 1
    assert started.pop() >= before


def test_start_moment_is_never_before_the_program_starts(world: World) -> None:
    program = world.program
    now = timezone.now()
    assert start_moment(program, now) == now  # started a week ago
    program.starts_on = timezone.localdate() + dt.timedelta(days=3)
    later = start_moment(program, now)
    assert timezone.localtime(later).date() == program.starts_on
    assert (timezone.localtime(later).hour, timezone.localtime(later).minute) == (0, 0)


def test_manual_pair_refused_in_a_draft(world: World, people: Any) -> None:
    mentees, mentors = people
    _at(world.program, ProgramStatus.DRAFT)
    with pytest.raises(ServiceError) as refused:
        create_relationship(
            world.program, mentee=mentees[0], mentor=mentors[0], by=world.coordinator
        )
    assert refused.value.message.startswith("Spring is a draft")
    assert not Relationship.objects.filter(program=world.program).exists()


def test_publish_page_says_the_program_becomes_active(
    world: World, login: Any, people: Any
) -> None:
    _at(world.program, ProgramStatus.MATCHING)
    scenario = run(world.program, world.coordinator)
    page = login(world.coordinator).get(world.url(f"matching/{scenario.pk}/publish/"))
    text = page.content.decode()
    assert "Spring moves from matching to active" in text
    assert "This starts 3 relationships and notifies 6 people." in text


def test_publish_page_refuses_before_the_click_while_enrolling(
    world: World, login: Any, people: Any
) -> None:
    scenario = run(world.program, world.coordinator)
    _at(world.program, ProgramStatus.ENROLLING)
    page = login(world.coordinator).get(world.url(f"matching/{scenario.pk}/publish/"))
    text = page.content.decode()
    assert "Spring is still enrolling" in text
    assert "Publish and introduce everyone" not in text
    assert not Relationship.objects.filter(program=world.program).exists()
