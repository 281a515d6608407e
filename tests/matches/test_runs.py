"""Match runs (scenarios): start, progress, compare, review and edits, publish."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.matches.enums import RunStatus
from tests.conftest import World
from tests.matches.test_runs_support import pool, run


@pytest.fixture
def ready(world: World) -> tuple[list[Any], list[Any]]:
    return pool(world.program, world.coordinator, mentees=4, mentors=3)


def test_run_list_and_detail_render(world: World, login: Any, ready: Any) -> None:
    scenario = run(world.program, world.coordinator)
    assert scenario.status == RunStatus.DONE
    client = login(world.coordinator)
    response = client.get(world.url("matching/"))
    assert response.status_code == 200, response.content.decode()[:2000]
    response = client.get(world.url(f"matching/{scenario.pk}/"))
    assert response.status_code == 200
    response = client.get(world.url("matching/criteria/"))
    assert response.status_code == 200
