"""The self-selection directory ranks mentors by compatibility for the viewing mentee."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.enrolment.starter import install_starter_questions
from tandem.programs.enums import MatchingMode, Role
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = {
    "time_zone": "Europe/London",
    "availability": ["mon-evening", "wed-evening"],
    "languages": ["English"],
    "industry": "healthcare",
    "years_experience": 4,
}


@pytest.fixture
def directory_world(world: World) -> World:
    Program.objects.filter(pk=world.program.pk).update(matching_mode=MatchingMode.SELF_SELECT)
    world.program.refresh_from_db()
    install_starter_questions(world.program, by=world.coordinator)
    world.mentee.memberships.filter(program=world.program).update(
        answers={
            **BASE,
            "skills_wanted": ["negotiation", "public speaking"],
            "goals": "Lead a team",
        }
    )
    world.mentor.memberships.filter(program=world.program).update(
        answers={
            **BASE,
            "skills_offered": ["SQL"],
            "years_experience": 12,
            "capacity": 1,
            "experience": "Databases",
        }
    )
    for name, skills, languages in [
        ("Ada Best", ["negotiation", "public speaking"], ["English"]),
        ("Zed Silent", ["negotiation", "public speaking"], ["Japanese"]),
    ]:
        MembershipFactory(
            program=world.program,
            role=Role.MENTOR,
            user=UserFactory(full_name=name),
            answers={
                **BASE,
                "skills_offered": skills,
                "languages": languages,
                "years_experience": 14,
                "capacity": 1,
                "experience": "Coach",
            },
        )
    return world


def test_directory_ranks_the_best_match_first_with_reasons(
    directory_world: World, login: Any
) -> None:
    response = login(directory_world.mentee).get(directory_world.url("mentors/"))
    cards = list(response.context["page"])
    names = [card.membership.user.full_name for card in cards]
    assert names[0] == "Ada Best"
    assert names[-1] == "Zed Silent"  # fails "must share a language": listed last
    best = cards[0].compatibility
    assert best.eligible
    assert any("negotiation" in reason for reason in best.reasons)
    assert f"{best.percent} match" in response.text
    assert cards[-1].compatibility.unmet_rules == ("Must share a language",)
    assert "Not a possible match under the program's rules: must share a language" in (
        response.text
    )


def test_directory_can_still_sort_by_name(directory_world: World, login: Any) -> None:
    response = login(directory_world.mentee).get(directory_world.url("mentors/"), {"sort": "name"})
    from tandem.programs.models import Membership

    names = [card.membership.user.full_name for card in response.context["page"]]
    by_name = Membership.objects.filter(program=directory_world.program, role=Role.MENTOR).order_by(
        "user__full_name", "user__email"
    )
    assert names == [membership.user.full_name for membership in by_name]


def test_directory_ranking_is_refused_to_mentors(directory_world: World, login: Any) -> None:
    assert login(directory_world.mentor).get(directory_world.url("mentors/")).status_code == 403
