"""A POST that leaves fields out changes only the fields it came from (issue #20).

Before, the profile form, the account details and the program settings cleared every answer or
field the POST did not carry: a tab opened before a question was added, or a script posting one
field, erased the rest.
"""

from __future__ import annotations

from typing import Any

import pytest

from tandem.accounts.models import User
from tandem.core.forms import SHOWN_FIELDS
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory

pytestmark = pytest.mark.django_db


def _membership(world: World) -> Membership:
    return Membership.objects.get(program=world.program, user=world.mentee)


@pytest.fixture
def answered(world: World) -> Membership:
    QuestionFactory(program=world.program, key="goals", label="Goals")
    QuestionFactory(program=world.program, key="hobbies", label="Hobbies")
    membership = _membership(world)
    membership.answers = {"goals": "Lead a team", "hobbies": "Chess"}
    membership.save(update_fields=["answers"])
    return membership


def test_the_profile_page_lists_the_questions_it_shows(world: World, login: Any, answered) -> None:
    page = login(world.mentee).get(world.url("profile/")).text
    assert f'name="{SHOWN_FIELDS}" value="goals hobbies"' in page


def test_a_profile_post_without_a_field_keeps_its_answer(
    world: World, login: Any, answered: Membership
) -> None:
    response = login(world.mentee).post(world.url("profile/"), {"goals": "Speak at events"})
    assert response.status_code == 302
    assert _membership(world).answers == {"goals": "Speak at events", "hobbies": "Chess"}


def test_a_stale_profile_page_keeps_answers_to_questions_added_since(
    world: World, login: Any, answered: Membership
) -> None:
    # The page was opened when only "goals" existed; "hobbies" came later.
    login(world.mentee).post(world.url("profile/"), {SHOWN_FIELDS: "goals", "goals": ""})
    assert _membership(world).answers == {"hobbies": "Chess"}


def test_a_shown_field_left_empty_is_still_cleared(
    world: World, login: Any, answered: Membership
) -> None:
    login(world.mentee).post(
        world.url("profile/"), {SHOWN_FIELDS: "goals hobbies", "goals": "Lead a team"}
    )
    assert _membership(world).answers == {"goals": "Lead a team"}


def test_account_details_post_with_one_field_keeps_the_others(world: World, login: Any) -> None:
    User.objects.filter(pk=world.mentee.pk).update(pronouns="she/her", time_zone="Europe/Paris")
    response = login(world.mentee).post("/me/profile/", {"full_name": "Ann O'Neill"})
    assert response.status_code == 302
    person = User.objects.get(pk=world.mentee.pk)
    assert (person.full_name, person.pronouns, person.time_zone) == (
        "Ann O'Neill",
        "she/her",
        "Europe/Paris",
    )


def test_program_settings_post_with_one_field_keeps_the_others(world: World, login: Any) -> None:
    Program.objects.filter(pk=world.program.pk).update(description="About Spring", max_choices=4)
    response = login(world.coordinator).post(world.url("settings/"), {"name": "Spring 2027"})
    assert response.status_code == 302
    program = Program.objects.get(pk=world.program.pk)
    assert (program.name, program.description, program.max_choices) == (
        "Spring 2027",
        "About Spring",
        4,
    )
