"""The app-side matching core: capacity answers, failing runs."""

from __future__ import annotations

import pytest

from tandem.matches import services
from tandem.matches.enums import RunStatus
from tandem.matches.models import MatchRun
from tandem.matches.problem import mentor_capacity
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("answer", "places"), [(None, 1), ("", 1), (0, 0), (3, 3), ("2", 2), ("many", 1), (-2, 0)]
)
def test_mentor_capacity_reads_the_answer(answer: object, places: int) -> None:
    mentor = MembershipFactory.build(role=Role.MENTOR, answers={"capacity": answer})
    assert mentor_capacity(mentor) == places


def test_a_run_that_crashes_is_marked_failed_not_left_running(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = MatchRun.objects.create(program=world.program, name="Crash", created_by=world.coordinator)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "ready_pool", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        services.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "unexpected error" in run.error
