"""The goal pages and the goals API list take the same number of queries with one item and with
three: a mentee's goals (each with three milestones and comments), the coordinator's alignment
matrix (mentorships × objectives), and the API's goal list and alignment."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.growth.enums import ProgressMode
from tandem.growth.services import goals as services
from tandem.programs.models import Objective
from tests.api.test_api import api
from tests.conftest import World
from tests.factories import MembershipFactory, ObjectiveFactory
from tests.growth.support import goal_of
from tests.mentoring.factories import Pair, make_pair, workspace_url

PROGRAM_API = "/api/v1/organizations/northwind/programs/spring"


def goals_with_steps(pair: Pair, count: int, objective: Objective | None = None) -> None:
    """``count`` goals, each with three milestones (one done), comments on the goal and on a
    milestone, and — for every other goal — progress set by hand with a check-in."""
    for n in range(count):
        manual = n % 2 == 1
        goal = goal_of(
            pair,
            statement=f"Lead committee meeting number {n}",
            objective_id=objective.pk if objective else None,
            progress_mode=ProgressMode.MANUAL if manual else ProgressMode.MILESTONES,
        )
        steps = [
            services.add_milestone(goal, by=pair.mentee, title=f"Step {s}", owner=pair.mentee)
            for s in range(3)
        ]
        services.set_milestone_done(steps[0], by=pair.mentee, done=True)
        services.comment_on_goal(goal, by=pair.mentor, text="A good goal")
        services.comment_on_goal(goal, by=pair.mentee, text="Started", milestone=steps[1])
        if manual:
            services.check_in(goal, by=pair.mentee, progress=30, note="Under way")


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("who", ["mentee", "mentor"])
def test_the_goals_page_takes_the_same_queries_for_one_goal_and_three(
    world: World, pair: Pair, client: Client, django_assert_num_queries: Any, count: int, who: str
) -> None:
    goals_with_steps(pair, count, ObjectiveFactory(program=world.program))
    client.force_login(getattr(world, who))
    url = workspace_url(world, pair.mentorship, "goals/")
    client.get(url)  # the starter skills are seeded on the first visit
    with django_assert_num_queries(GOALS_PAGE):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="milestone') >= 3 * count


def _program_of(world: World, pair: Pair, count: int) -> None:
    """``count`` objectives and ``count`` mentorships (the pair's and count - 1 more), each
    with a goal per objective."""
    objectives = [
        ObjectiveFactory(program=world.program, statement=f"Objective {n}") for n in range(count)
    ]
    pairs = [pair.mentorship]
    for _ in range(count - 1):
        mentor = MembershipFactory(program=world.program, role="mentor")
        mentee = MembershipFactory(program=world.program, role="mentee")
        pairs.append(make_pair(world.program, mentor=mentor, mentee=mentee))
    for mentorship in pairs:
        mentee = mentorship.members.get(role="mentee").membership
        for objective in objectives:
            services.create_goal(
                mentorship,
                by=mentee,
                data=services.GoalInput(statement="Chair a meeting", objective_id=objective.pk),
            )


@pytest.mark.parametrize("count", [1, 3])
def test_the_alignment_page_takes_the_same_queries_for_one_mentorship_and_three(
    world: World, pair: Pair, client: Client, django_assert_num_queries: Any, count: int
) -> None:
    _program_of(world, pair, count)
    client.force_login(world.coordinator)
    url = world.url("goals/alignment/")
    with django_assert_num_queries(ALIGNMENT_PAGE):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Objective ") >= count


@pytest.mark.parametrize("count", [1, 3])
def test_the_goal_list_api_takes_the_same_queries_for_one_goal_and_three(
    world: World, pair: Pair, django_assert_num_queries: Any, count: int
) -> None:
    goals_with_steps(pair, count, ObjectiveFactory(program=world.program))
    client = api(world.mentee)
    path = f"{PROGRAM_API}/mentorships/{pair.mentorship.pk}/goals"
    client.get(path)  # the token's first use records when it was last used
    with django_assert_num_queries(GOAL_LIST_API):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()) == count
    assert all(len(goal["milestones"]) == 3 for goal in response.json())
    assert all(len(goal["comments"]) == 2 for goal in response.json())


@pytest.mark.parametrize("count", [1, 3])
def test_the_alignment_api_takes_the_same_queries_for_one_mentorship_and_three(
    world: World, pair: Pair, django_assert_num_queries: Any, count: int
) -> None:
    _program_of(world, pair, count)
    client = api(world.coordinator)
    path = f"{PROGRAM_API}/goals/alignment"
    client.get(path)
    with django_assert_num_queries(ALIGNMENT_API):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()["rows"]) == count + 1  # and the fixture's other pair
    assert [c["goals"] for c in response.json()["totals"]] == [count] * count + [0]


#: The counts, named so a change shows in one place. The goals page: session, user, the
#: access (organization, its admins, program, membership), the mentorship and its members,
#: the goals with skills, milestones, comments and check-ins (5), the vocabulary (seeded?,
#: objectives, skills, templates), the unread count, the organization for the links.
GOALS_PAGE = 19
ALIGNMENT_PAGE = 16
GOAL_LIST_API = 12
ALIGNMENT_API = 13
