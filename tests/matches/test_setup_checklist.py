"""The set-up checklist on the coordinator's program overview: each step done or not, with
its number and a link, the first one not done named as the next step."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.enrolment.services.onboarding import create_module, publish_agreement
from tandem.enrolment.starter import install_starter_questions
from tandem.matches.setup import next_step, setup_checklist
from tandem.programs.enums import ProgramStatus, Role
from tests.conftest import World
from tests.factories import MembershipFactory, ProgramFactory
from tests.mentoring.factories import pair  # noqa: F401  # the fixture, used by name


def test_checklist_of_a_new_draft_starts_with_the_questions(db: Any) -> None:
    program = ProgramFactory()
    MembershipFactory(program=program, role=Role.COORDINATOR)
    steps = setup_checklist(program)
    assert [(s.key, s.done, s.figure) for s in steps] == [
        ("questions", False, "0 questions"),
        ("agreement", False, "not published"),
        ("training", False, "0 modules"),
        ("invited", False, "0 people in the program"),
        ("ready", False, "0 people"),
        ("matched", False, "0 mentees"),
        ("active", False, "0 mentorships"),
    ]
    following = next_step(steps)
    assert following is not None
    assert following.key == "questions"
    assert following.url == f"/o/{program.organization.slug}/p/{program.slug}/questions/"


@pytest.mark.usefixtures("pair")
def test_checklist_of_a_running_program_counts_each_step(world: World) -> None:
    install_starter_questions(world.program, by=world.coordinator)
    publish_agreement(world.program, text="We keep confidences.", by=world.coordinator)
    create_module(world.program, by=world.coordinator, title="Your role", body="Welcome.")
    steps = {s.key: s for s in setup_checklist(world.program)}
    assert steps["agreement"].figure == "version 1"
    assert steps["training"].figure == "1 module"
    # mentor, mentee, the applicant and the other pair's two people
    assert steps["invited"].figure == "5 people in the program"
    assert steps["ready"].done is False
    assert steps["matched"].figure == "2 mentees"
    assert steps["active"].figure == "2 mentorships under way"
    assert [key for key, s in steps.items() if not s.done] == ["ready"]
    assert next_step(list(steps.values())) == steps["ready"]


def test_overview_shows_the_checklist_to_coordinators_only(world: World, login: Any) -> None:
    page = login(world.coordinator).get(world.url())
    text = page.content.decode()
    assert "Setting up Spring" in text
    assert (
        'Next step: <a href="/o/northwind/p/spring/questions/">Write the profile questions</a>'
        in text
    )
    assert "Setting up Spring" not in login(world.mentee).get(world.url()).content.decode()


def test_overview_checklist_takes_a_fixed_number_of_queries(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.coordinator)
    client.get(world.url())
    with django_assert_max_num_queries(40) as few:
        client.get(world.url())
    for _ in range(5):
        MembershipFactory(program=world.program, role=Role.MENTEE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(world.url())
    assert world.program.status == ProgramStatus.ACTIVE
