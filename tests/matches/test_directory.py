"""The self-selection directory ranks mentors by compatibility for the viewing mentee."""

from __future__ import annotations

import html
from typing import Any

import pytest

from tandem.enrolment.services.profiles import set_choices
from tandem.enrolment.starter import install_starter_questions
from tandem.matches.enums import RequestStatus
from tandem.matches.models import MentorRequest
from tandem.programs.enums import MatchingMode, ProgramStatus, Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory
from tests.matches.relationships_support import pair

pytestmark = pytest.mark.django_db

#: Queries of one directory page, whatever the number of mentors on it.
DIRECTORY_QUERIES = 37

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
    names = [card.membership.user.full_name for card in response.context["page"]]
    by_name = Membership.objects.filter(program=directory_world.program, role=Role.MENTOR).order_by(
        "user__full_name", "user__email"
    )
    assert names == [membership.user.full_name for membership in by_name]


def test_directory_ranking_is_refused_to_mentors(directory_world: World, login: Any) -> None:
    assert login(directory_world.mentor).get(directory_world.url("mentors/")).status_code == 403


def _mentor(world: World, name: str) -> Membership:
    return Membership.objects.get(program=world.program, user__full_name=name)


def _mentee(world: World) -> Membership:
    return Membership.objects.get(program=world.program, user=world.mentee)


def _add_button(membership: Membership) -> str:
    name = membership.user.display_name
    return f'Add<span class="visually-hidden"> {name}</span> to my choices</button>'


def test_directory_words_questions_and_filters_from_the_readers_side(
    directory_world: World, login: Any
) -> None:
    text = login(directory_world.mentee).get(directory_world.url("mentors/")).text
    assert '<dt class="muted">Skills they can offer</dt>' in text
    assert '<dt class="muted">Their experience</dt>' in text
    assert "Skills I can offer" not in text
    assert "Your experience" not in text


def test_directory_does_not_show_the_mentees_choice_as_a_reason(
    directory_world: World, login: Any
) -> None:
    ada = _mentor(directory_world, "Ada Best")
    set_choices(_mentee(directory_world), by=directory_world.mentee, mentor_ids=[ada.pk])
    response = login(directory_world.mentee).get(directory_world.url("mentors/"))
    card = next(c for c in response.context["page"] if c.membership == ada)
    assert card.chosen_rank == 1
    assert card.compatibility.reasons
    assert not any("choice" in reason for reason in card.compatibility.reasons)
    assert "Your choice #1" in response.text
    assert "1st choice" not in response.text


def test_directory_offers_no_button_for_a_mentor_who_cannot_be_chosen(
    directory_world: World, login: Any
) -> None:
    ada, zed = _mentor(directory_world, "Ada Best"), _mentor(directory_world, "Zed Silent")
    other = MembershipFactory(program=directory_world.program, role=Role.MENTEE)
    pair(directory_world.program, ada, other)  # Ada's one place is taken
    mentor = Membership.objects.get(program=directory_world.program, user=directory_world.mentor)
    text = html.unescape(login(directory_world.mentee).get(directory_world.url("mentors/")).text)
    assert _add_button(ada) not in text
    assert "Ada has no place left for another mentee." in text
    assert _add_button(zed) not in text
    assert "You cannot choose Zed: the program's rules rule this pair out." in text
    assert _add_button(mentor) in text


def test_directory_says_when_the_mentees_list_is_full(directory_world: World, login: Any) -> None:
    program = directory_world.program
    Program.objects.filter(pk=program.pk).update(max_choices=1)
    mentor = Membership.objects.get(program=program, user=directory_world.mentor)
    set_choices(_mentee(directory_world), by=directory_world.mentee, mentor_ids=[mentor.pk])
    text = login(directory_world.mentee).get(directory_world.url("mentors/")).text
    ada = _mentor(directory_world, "Ada Best")
    assert _add_button(ada) not in text
    assert "Your choices are full: remove one to add Ada." in text


def test_directory_sends_the_requests_where_the_choices_are_made(
    directory_world: World, login: Any
) -> None:
    program = directory_world.program
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.MATCHING)
    ada = _mentor(directory_world, "Ada Best")
    set_choices(_mentee(directory_world), by=directory_world.mentee, mentor_ids=[ada.pk])
    client = login(directory_world.mentee)
    text = client.get(directory_world.url("mentors/")).text
    send = directory_world.url("requests/send/")
    assert f'action="{send}"' in text
    assert "Ada Best is asked first." in text
    response = client.post(send)
    assert response.status_code == 302
    request = MentorRequest.objects.get(mentee=_mentee(directory_world))
    assert (request.mentor, request.status) == (ada, RequestStatus.PENDING)
    after = client.get(directory_world.url("mentors/")).text
    assert '<h2 id="standing-heading">Your requests are with your mentors</h2>' in after
    assert f'action="{send}"' not in after
    assert _add_button(ada) not in after


def test_directory_before_matching_says_when_requests_can_be_sent(
    directory_world: World, login: Any
) -> None:
    program = directory_world.program
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.ENROLLING)
    ada = _mentor(directory_world, "Ada Best")
    set_choices(_mentee(directory_world), by=directory_world.mentee, mentor_ids=[ada.pk])
    text = login(directory_world.mentee).get(directory_world.url("mentors/")).text
    assert 'action="' + directory_world.url("requests/send/") + '"' not in text
    assert "You can send your requests as soon as matching starts" in text


@pytest.mark.parametrize("extra", [0, 2])
def test_directory_query_count_does_not_grow_with_mentors(
    directory_world: World, login: Any, django_assert_num_queries: Any, extra: int
) -> None:
    for index in range(extra):
        MembershipFactory(
            program=directory_world.program,
            role=Role.MENTOR,
            user=UserFactory(full_name=f"Extra Mentor{index}"),
            answers={**BASE, "skills_offered": ["SQL"], "capacity": 2, "experience": "Ops"},
        )
    ada = _mentor(directory_world, "Ada Best")
    set_choices(_mentee(directory_world), by=directory_world.mentee, mentor_ids=[ada.pk])
    client = login(directory_world.mentee)
    client.get(directory_world.url("mentors/"))  # warm the session and the criteria
    with django_assert_num_queries(DIRECTORY_QUERIES):
        response = client.get(directory_world.url("mentors/"))
    assert len(response.context["page"]) == 3 + extra
