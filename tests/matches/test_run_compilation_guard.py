"""A web request never compiles the matching kernels: while this process has not loaded them
(a web process right after start, before its background warm-up is done), even a small pool
goes to the worker and the coordinator sees the progress bar."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tandem import matching
from tandem.matches.enums import RunStatus
from tandem.matches.models import MatchRun
from tandem.matching import warmup
from tests.api.test_api import api
from tests.conftest import World
from tests.matches.runs_support import pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernels_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process has not finished its warm-up, and the engine must not run in it."""
    monkeypatch.setattr(warmup, "_ready", threading.Event())

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the request ran the matching engine")

    monkeypatch.setattr(matching, "Matcher", refuse)


def test_small_pool_goes_to_the_worker_while_the_kernels_are_not_loaded(
    world: World,
    login: Any,
    kernels_not_loaded: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    pool(world.program, world.coordinator, mentees=4, mentors=3)
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            world.url("matching/start/"), {"objective": "coverage", "mode": "optimal"}
        )
    queued = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == world.url(f"matching/{queued.pk}/")
    assert queued.status == RunStatus.QUEUED
    assert len(callbacks) == 1
    page = client.get(world.url(f"matching/{queued.pk}/")).content.decode()
    assert '<progress max="100" value="0"' in page

    monkeypatch.undo()  # the worker's process: kernels loaded, the engine available
    callbacks[0]()
    queued.refresh_from_db()
    assert queued.status == RunStatus.DONE
    assert queued.proposals.count() == 3


def test_small_pool_through_the_api_is_accepted_for_the_worker(
    world: World, kernels_not_loaded: None, django_capture_on_commit_callbacks: Any
) -> None:
    pool(world.program, world.coordinator, mentees=2, mentors=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(world.coordinator).post(
            "/api/v1/organizations/northwind/programs/spring/matching/runs",
            {"objective": "coverage", "mode": "optimal"},
        )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1


def test_small_pool_is_matched_in_the_request_once_the_kernels_are_loaded(
    world: World, login: Any
) -> None:
    assert warmup.kernels_ready()
    pool(world.program, world.coordinator, mentees=2, mentors=2)
    login(world.coordinator).post(
        world.url("matching/start/"), {"objective": "coverage", "mode": "optimal"}
    )
    assert MatchRun.objects.get().status == RunStatus.DONE
