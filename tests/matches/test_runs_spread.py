"""The `spread` objective in the app: its figures (mentor-load histogram, idle mentors with
why) on the scenario pages, and the comparison saying when two objectives give the same pairs."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.matches import queries
from tandem.matches.enums import RunObjective, RunStatus
from tandem.matches.models import MatchRun
from tests.conftest import World
from tests.matches.runs_support import pool, run

pytestmark = pytest.mark.django_db


def test_start_spread_from_the_form(world: World, login: Any) -> None:
    pool(world.program, world.coordinator, mentees=3, mentors=3, capacity=3)
    login(world.coordinator).post(
        world.url("matching/start/"), {"name": "Spread", "objective": "spread", "mode": "optimal"}
    )
    started = MatchRun.objects.get()
    assert (started.objective, started.status) == (RunObjective.SPREAD, RunStatus.DONE)
    figures = queries.figures(queries.annotated_run(world.program, started.pk))  # type: ignore[arg-type]
    assert figures.mentor_load == [(1, 3)]
    assert (figures.mentors, figures.idle, figures.busiest) == (3, 0, 1)


def test_figures_show_the_load_histogram_and_why_mentors_are_idle(world: World, login: Any) -> None:
    pool(world.program, world.coordinator, mentees=1, mentors=3)
    spread = run(world.program, world.coordinator, name="Spread", objective=RunObjective.SPREAD)
    assert spread.stats["idle_mentors"] == [
        {"mentor": entry["mentor"], "reason_code": "needed_elsewhere"}
        for entry in spread.stats["idle_mentors"]
    ]
    assert len(spread.stats["idle_mentors"]) == 2
    page = login(world.coordinator).get(world.url(f"matching/{spread.pk}/")).content.decode()
    assert '<table class="load-histogram">' in page
    assert '<meter min="0" max="3" value="2">2 of 3</meter>' in page
    assert '<meter min="0" max="3" value="1">1 of 3</meter>' in page
    assert "2 mentors without a mentee:" in page
    assert (
        "<li>2: each of their eligible mentees is locked, another mentor&#x27;s only mentee, or "
        "needed for another mentor&#x27;s minimum</li>"
    ) in page


def test_compare_says_when_two_objectives_give_the_same_pairs(world: World, login: Any) -> None:
    pool(world.program, world.coordinator, mentees=4, mentors=3)
    coverage = run(world.program, world.coordinator, name="Most", objective=RunObjective.COVERAGE)
    spread = run(world.program, world.coordinator, name="Spread", objective=RunObjective.SPREAD)
    page = (
        login(world.coordinator)
        .get(world.url(f"matching/compare/?a={coverage.pk}&b={spread.pk}"))
        .content.decode()
    )
    assert (
        "<p>“Most people matched, then best fit” and “Most people matched, then the load spread "
        "evenly across mentors” give exactly the same pairs for this program, so choosing "
        "between them makes no difference here.</p>"
    ) in page


def test_compare_of_two_runs_with_one_objective_keeps_the_plain_sentence(
    world: World, login: Any
) -> None:
    pool(world.program, world.coordinator, mentees=2, mentors=2)
    first = run(world.program, world.coordinator, name="One")
    second = run(world.program, world.coordinator, name="Two")
    page = (
        login(world.coordinator)
        .get(world.url(f"matching/compare/?a={first.pk}&b={second.pk}"))
        .content.decode()
    )
    assert "<p>Both scenarios propose exactly the same pairs.</p>" in page
    assert "makes no difference here" not in page
