"""The goal-alignment matrix and the achievement figures: what they count, and that they take
the same queries however many mentorships and goals the program has."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tandem.growth.enums import ProgressMode
from tandem.growth.models import Goal
from tandem.growth.queries.goals import Cell, alignment, program_figures
from tandem.growth.services import goals as services
from tandem.growth.services.goals import GoalInput
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory, ObjectiveFactory
from tests.growth.support import constant_queries, goal_of
from tests.mentoring.factories import Pair, make_pair, membership_of


def _manual(pair: Pair, statement: str, progress: int, **fields: Any) -> Goal:
    goal = goal_of(pair, statement, progress_mode=ProgressMode.MANUAL, **fields)
    services.check_in(goal, by=pair.mentee, progress=progress)
    return goal


def test_alignment_counts_goals_per_objective_with_their_average_progress(
    world: World, pair: Pair
) -> None:
    leaders = ObjectiveFactory(program=world.program, statement="Leaders", position=1)
    ready = ObjectiveFactory(program=world.program, statement="Ready", position=2)
    first = _manual(pair, "Chair two meetings", 40, objective_id=leaders.pk)
    services.activate_goal(first, by=pair.mentee)
    _manual(pair, "Write the annual report", 70, objective_id=leaders.pk)
    goal_of(pair, "Find a sponsor")  # a draft with no objective, 0 %
    dropped = _manual(pair, "Learn Rust", 10, objective_id=ready.pk)
    services.drop_goal(dropped, by=pair.mentee, reason="Not now")
    services.suggest_goal(
        pair.mentorship, by=pair.mentor, data=GoalInput(statement="Speak at the summit")
    )
    other_mentee = membership_of(pair.other_mentee, world.program)
    achieved = services.create_goal(
        pair.other,
        by=other_mentee,
        data=GoalInput(
            statement="Run the spring budget",
            objective_id=ready.pk,
            progress_mode=ProgressMode.MANUAL,
        ),
    )
    services.check_in(achieved, by=other_mentee, progress=90)
    services.achieve_goal(achieved, by=other_mentee)

    matrix = alignment(world.program)

    assert [o.statement for o in matrix.objectives] == ["Leaders", "Ready"]
    # Dropped goals and suggestions nobody accepted do not count.
    assert matrix.totals == [Cell(2, 55), Cell(1, 90), Cell(1, 0)]
    cells = {row.mentorship.pk: row.cells for row in matrix.rows}
    assert cells == {
        pair.mentorship.pk: [Cell(2, 55), Cell(), Cell(1, 0)],
        pair.other.pk: [Cell(), Cell(1, 90), Cell()],
    }
    figures = program_figures(world.program)
    assert matrix.figures == figures
    assert (
        figures.goals_set,
        figures.active,
        figures.drafts,
        figures.achieved,
        figures.dropped,
        figures.achieved_this_month,
        figures.with_objective,
        figures.achievement_rate,
    ) == (4, 1, 2, 1, 1, 1, 3, 25)


def test_alignment_lists_the_newest_mentorships_first(world: World, pair: Pair) -> None:
    newer = make_pair(
        world.program,
        mentor=MembershipFactory(program=world.program, role=Role.MENTOR),
        mentee=MembershipFactory(program=world.program, role=Role.MENTEE),
    )
    rows = alignment(world.program).rows
    assert [row.mentorship.pk for row in rows] == [newer.pk, pair.other.pk, pair.mentorship.pk]


def _grow(world: World) -> Any:
    objective = ObjectiveFactory(program=world.program)

    def grow(n: int) -> None:
        for _ in range(n):
            mentee = MembershipFactory(program=world.program, role=Role.MENTEE)
            mentorship = make_pair(
                world.program,
                mentor=MembershipFactory(program=world.program, role=Role.MENTOR),
                mentee=mentee,
            )
            for statement in ("Chair two meetings", "Write one report"):
                goal = services.create_goal(
                    mentorship,
                    by=mentee,
                    data=GoalInput(statement=statement, objective_id=objective.pk),
                )
                services.share_goal(goal, by=mentee, shared=True)

    return grow


def test_alignment_takes_eight_queries_however_large_the_program(
    world: World, pair: Pair, django_assert_num_queries: Any
) -> None:
    grow = _grow(world)
    grow(1)
    with django_assert_num_queries(8):
        small = alignment(world.program)
    grow(5)
    with django_assert_num_queries(8):
        large = alignment(world.program)
    assert (len(small.rows), len(large.rows)) == (3, 8)
    assert (small.totals[0].count, large.totals[0].count) == (2, 12)


def test_alignment_page_keeps_a_constant_query_count(
    world: World, pair: Pair, client: Client
) -> None:
    client.force_login(world.coordinator)
    small, large = constant_queries(client, world.url("goals/alignment/"), _grow(world))
    assert small == large
