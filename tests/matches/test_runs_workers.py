"""A run whose worker dies fails with a plain reason and can be run again; a coordinator can
cancel a queued or running run, and the running worker stops at its next progress step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.leases import WORKER_STOPPED
from tandem.core.models import AuditEntry
from tandem.matches import services
from tandem.matches.enums import RunStatus
from tandem.matches.models import MatchRun
from tests.api.test_api import api
from tests.conftest import World
from tests.matches.runs_support import pool

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organizations/northwind/programs/spring/matching"


@pytest.fixture
def queued(world: World) -> MatchRun:
    pool(world.program, world.coordinator, mentees=4, mentors=3)
    return services.start_run(world.program, by=world.coordinator, name="Spring", dispatch=False)


def _running(run: MatchRun, *, beat_ago: dt.timedelta, task_id: str = "") -> MatchRun:
    now = timezone.now()
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        progress=15,
        progress_message="Scoring every pair and solving",
        started_at=now - beat_ago - dt.timedelta(minutes=1),
        heartbeat_at=now - beat_ago,
        task_id=task_id,
    )
    run.refresh_from_db()
    return run


def _task_row(status: str) -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="tandem.matches.tasks.execute_match_run",
        backend_name="default",
        run_after=timezone.now(),
        worker_ids=["gone"],
        started_at=timezone.now(),
    )


# --- the lease ----------------------------------------------------------------------------


def test_running_run_renews_its_lease_at_each_progress_step(queued: MatchRun) -> None:
    beats: list[dt.datetime | None] = []

    def report(percent: int, message: str) -> None:
        beats.append(MatchRun.objects.get(pk=queued.pk).heartbeat_at)

    finished = services.execute_run(queued.pk, report=report, task_id="task-1")
    assert finished.status == RunStatus.DONE
    assert finished.task_id == "task-1"
    assert len(beats) >= 3
    assert all(beat is not None for beat in beats)
    assert beats == sorted(beats)  # type: ignore[type-var]


def test_sweep_fails_a_run_whose_lease_ran_out_and_its_task_row(queued: MatchRun) -> None:
    row = _task_row("RUNNING")
    dead = _running(queued, beat_ago=dt.timedelta(minutes=10), task_id=str(row.pk))
    assert services.fail_stopped_runs() == 1
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert dead.error == WORKER_STOPPED
    assert dead.finished_at is not None
    row.refresh_from_db()
    assert row.status == "FAILED"
    assert row.exception_class_path == "tandem.core.leases.WorkerStopped"
    assert services.fail_stopped_runs() == 0  # a second sweep changes nothing


def test_sweep_leaves_a_run_whose_worker_is_alive(queued: MatchRun) -> None:
    alive = _running(queued, beat_ago=dt.timedelta(seconds=1))
    assert services.fail_stopped_runs() == 0
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING


def test_a_worker_that_wakes_up_after_the_sweep_stores_nothing(queued: MatchRun) -> None:
    """A worker stalled past its lease (not dead after all) sees the run failed and stops."""

    def stall(percent: int, message: str) -> None:
        if percent == 15:
            MatchRun.objects.filter(pk=queued.pk).update(
                heartbeat_at=timezone.now() - dt.timedelta(hours=1)
            )
            services.fail_stopped_runs()

    finished = services.execute_run(queued.pk, report=stall)
    assert finished.status == RunStatus.FAILED
    assert finished.error == WORKER_STOPPED
    assert not finished.proposals.exists()


# --- cancel -------------------------------------------------------------------------------


def test_cancel_a_queued_run_it_never_starts(world: World, queued: MatchRun) -> None:
    cancelled = services.cancel_run(queued, by=world.coordinator)
    assert cancelled.status == RunStatus.CANCELLED
    assert world.coordinator.display_name in cancelled.error
    assert AuditEntry.objects.filter(action="match_run.cancelled").count() == 1
    assert services.execute_run(queued.pk).status == RunStatus.CANCELLED  # the late task
    assert not queued.proposals.exists()


def test_cancel_a_running_run_stops_it_at_the_next_step(world: World, queued: MatchRun) -> None:
    seen: list[int] = []

    def cancel_midway(percent: int, message: str) -> None:
        seen.append(percent)
        if percent == 15:
            services.cancel_run(MatchRun.objects.get(pk=queued.pk), by=world.coordinator)

    finished = services.execute_run(queued.pk, report=cancel_midway)
    assert finished.status == RunStatus.CANCELLED
    assert seen == [15]  # no step after the cancel
    assert not finished.proposals.exists()
    assert not finished.unmatched.exists()


def test_only_queued_or_running_runs_can_be_cancelled(world: World, queued: MatchRun) -> None:
    done = services.execute_run(queued.pk)
    with pytest.raises(ServiceError, match="only a run that is waiting or running"):
        services.cancel_run(done, by=world.coordinator)


# --- retry --------------------------------------------------------------------------------


def test_retry_a_run_the_worker_left_runs_it_again(world: World, queued: MatchRun) -> None:
    _running(queued, beat_ago=dt.timedelta(minutes=10))
    services.fail_stopped_runs()
    retried = services.retry_run(MatchRun.objects.get(pk=queued.pk), by=world.coordinator)
    assert retried.status == RunStatus.DONE  # small pool, kernels loaded: matched at once
    assert retried.error == ""
    assert retried.proposals.count() == 3
    assert AuditEntry.objects.filter(action="match_run.retried").count() == 1


def test_retry_of_a_large_pool_goes_back_to_the_queue(
    world: World, queued: MatchRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INLINE_POOL_LIMIT", 1)
    services.cancel_run(queued, by=world.coordinator)
    retried = services.retry_run(MatchRun.objects.get(pk=queued.pk), by=world.coordinator)
    assert retried.status == RunStatus.QUEUED
    assert (retried.progress, retried.started_at, retried.heartbeat_at) == (0, None, None)


def test_only_failed_or_cancelled_runs_can_be_retried(world: World, queued: MatchRun) -> None:
    for run in (queued, services.execute_run(queued.pk)):
        with pytest.raises(ServiceError, match="only a failed or cancelled run"):
            services.retry_run(run, by=world.coordinator)


# --- the page -----------------------------------------------------------------------------


def test_page_offers_cancel_while_working_and_retry_with_the_reason_once_failed(
    world: World, queued: MatchRun, login: Any
) -> None:
    client = login(world.coordinator)
    page = client.get(world.url(f"matching/{queued.pk}/")).content.decode()
    cancel = world.url(f"matching/{queued.pk}/cancel/")
    assert f'action="{cancel}" data-confirm="Cancel Spring?' in page
    assert "Retry this run" not in page

    _running(queued, beat_ago=dt.timedelta(minutes=10))
    services.fail_stopped_runs()
    page = client.get(world.url(f"matching/{queued.pk}/")).content.decode()
    assert "This run failed: The worker stopped before this run finished — run it again." in page
    assert f'action="{world.url(f"matching/{queued.pk}/retry/")}"' in page
    assert "Retry this run" in page
    assert cancel not in page

    response = client.post(world.url(f"matching/{queued.pk}/retry/"))
    assert response.status_code == 302
    assert MatchRun.objects.get(pk=queued.pk).status == RunStatus.DONE


def test_cancel_from_the_page(world: World, queued: MatchRun, login: Any) -> None:
    client = login(world.coordinator)
    response = client.post(world.url(f"matching/{queued.pk}/cancel/"), follow=True)
    assert "Spring is cancelled" in response.content.decode()
    assert MatchRun.objects.get(pk=queued.pk).status == RunStatus.CANCELLED
    again = client.post(world.url(f"matching/{queued.pk}/cancel/"), follow=True)
    assert "only a run that is waiting or running can be cancelled" in again.content.decode()


def test_participants_and_outsiders_cannot_cancel_or_retry(
    world: World, queued: MatchRun, login: Any
) -> None:
    for action in ("cancel", "retry"):
        url = world.url(f"matching/{queued.pk}/{action}/")
        for user, status in ((world.mentor, 403), (world.mentee, 403), (world.outsider, 404)):
            assert login(user).post(url).status_code == status, (action, user)
        assert login(world.coordinator).get(url).status_code == 405
    other = world.url(f"matching/{queued.pk}/cancel/", program=world.other_program)
    assert login(world.coordinator).post(other).status_code == 404
    assert MatchRun.objects.get(pk=queued.pk).status == RunStatus.QUEUED


# --- the API ------------------------------------------------------------------------------


def test_api_cancel_and_retry(world: World, queued: MatchRun) -> None:
    client = api(world.coordinator)
    cancelled = client.post(f"{BASE}/runs/{queued.pk}/cancel", None)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert client.post(f"{BASE}/runs/{queued.pk}/cancel", None).status_code == 422
    retried = client.post(f"{BASE}/runs/{queued.pk}/retry", None)
    assert retried.status_code == 200
    assert retried.json()["status"] == "done"
    assert client.post(f"{BASE}/runs/{queued.pk}/retry", None).status_code == 422
    assert client.post(f"{BASE}/runs/999999/retry", None).status_code == 404
