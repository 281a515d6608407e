"""Kill a real ``tandem worker`` (SIGKILL) in the middle of a match run and of an e-mail
batch, start another, and check that nothing is lost: the run ends failed with its reason (and
a retry succeeds), every e-mail arrives once."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tandem.core.leases import WORKER_STOPPED
from tandem.core.models import PeriodicRun
from tandem.matches import services
from tandem.matches.enums import RunStatus
from tandem.matches.models import MatchRun
from tandem.notifications.enums import EmailStatus, NotificationKind
from tandem.notifications.models import Notification
from tandem.notifications.services import Message, notify_many
from tests.conftest import World
from tests.core.test_worker import DATABASE_TASKS, ROOT, _database_url
from tests.factories import UserFactory
from tests.matches.runs_support import pool

TIMEOUT = 240.0
LEASE = 2


def _environment(outbox: Path) -> dict[str, Any]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "worker-test",
        "EMAIL_URL": f"file://{outbox}",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "TANDEM_WORKER_LEASE": str(LEASE),
        "TANDEM_EMAIL_RETRY_AFTER": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }


def _worker(outbox: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "worker", "--interval", "0.1", *extra],
        env=_environment(outbox),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _kill(worker: subprocess.Popen[str]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    # Past the dead worker's lease, and the scheduler's slots free again, so that the next
    # worker's sweeps run at once.
    time.sleep(LEASE + 1)
    PeriodicRun.objects.all().delete()


def _message_ids(outbox: Path) -> list[str]:
    """The Message-ID of each e-mail in the file backend's files (one file can hold several:
    its name has a one-second resolution, and it appends)."""
    ids = []
    for path in outbox.iterdir():
        for part in path.read_bytes().split(b"-" * 79 + b"\n"):
            if part.strip():
                ids.append(str(email.message_from_bytes(part)["Message-ID"]))
    return ids


def _drain(outbox: Path) -> None:
    """A second worker that runs what is due and exits."""
    worker = _worker(outbox, "--batch")
    _out, errors = worker.communicate(timeout=TIMEOUT)
    assert worker.returncode == 0, errors


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_is_killed_fails_with_its_reason_and_runs_again(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INLINE_POOL_LIMIT", 1)  # the worker runs it, not this test
    pool(world.program, world.coordinator, mentees=120, mentors=120)
    with override_settings(TASKS=DATABASE_TASKS):
        run = services.start_run(world.program, by=world.coordinator, name="Large")
    assert run.status == RunStatus.QUEUED
    outbox = tmp_path / "mail"
    worker = _worker(outbox, "--no-scheduler")
    try:
        _wait_for(
            lambda: MatchRun.objects.filter(
                pk=run.pk, status=RunStatus.RUNNING, progress__gt=5
            ).exists(),
            "the run to make progress",
        )
    finally:
        _kill(worker)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # killed mid-run: nobody will finish it

    _drain(outbox)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == WORKER_STOPPED
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(pk=run.task_id)
    assert task.status == "FAILED"  # not left running under the dead worker

    with override_settings(TASKS=DATABASE_TASKS):
        services.retry_run(run, by=world.coordinator)
    _drain(outbox)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.proposals.count() == 120


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_email_batch_whose_worker_is_killed_is_sent_once_each(
    world: World, tmp_path: Path
) -> None:
    people = UserFactory.create_batch(600)
    with override_settings(TASKS=DATABASE_TASKS):
        created = notify_many(
            [Message(recipient=person, context={"role": "Mentee"}) for person in people],
            kind=NotificationKind.WELCOME,
            program=world.program,
        )
    assert all(n.email_status == EmailStatus.PENDING for n in created)
    outbox = tmp_path / "mail"
    outbox.mkdir()
    worker = _worker(outbox)
    try:
        _wait_for(
            lambda: Notification.objects.filter(email_status=EmailStatus.SENT).count() >= 50,
            "some e-mails to be sent",
        )
    finally:
        _kill(worker)
    assert Notification.objects.filter(email_status=EmailStatus.PENDING).exists()

    _drain(outbox)
    assert not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
    from django_tasks_db.models import DBTaskResult

    # The batch the dead worker was sending is failed, not left running under it.
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert DBTaskResult.objects.filter(
        status="FAILED", exception_class_path="tandem.core.leases.WorkerStopped"
    ).exists()
    ids = Counter(_message_ids(outbox))
    expected = {f"<notification-{n.pk}@localhost>" for n in created}
    assert set(ids) == expected  # every one arrived
    # Once each: the only copy allowed is the one the worker had handed to the mail server when
    # it was killed, before it could mark it sent (SMTP's own window; same Message-ID).
    assert sum(ids.values()) - len(ids) <= 1
