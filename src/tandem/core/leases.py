"""Leases: how Tandem tells a busy worker from a dead one.

A worker killed mid-task (``SIGKILL``, a crashed host, a deploy that did not wait) leaves what it
was doing "running" for ever: its task row in the queue, a match run at 15 %, an import. So
each ``tandem worker`` process, and each long job that tracks its own progress, renews a
*lease* — a ``heartbeat_at`` timestamp — every few seconds while it works
(:class:`Heartbeat`). The periodic sweeps then treat anything whose lease has not been renewed
for ``TANDEM_WORKER_LEASE`` seconds as abandoned: runs and imports are marked failed with a plain
reason, their task rows too (:func:`fail_task_results`), and task rows left running under a
worker whose own heartbeat stopped (:func:`fail_orphaned_tasks`).

This module sits at the bottom of the layers and imports no app.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from tandem.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

#: What the coordinator reads on a run (or an import) whose worker died.
WORKER_STOPPED = "The worker stopped before this run finished — run it again."
#: Worker heartbeats not renewed for this long are forgotten by the sweep.
FORGET_AFTER = dt.timedelta(days=1)


class WorkerStopped(Exception):
    """Named in the task row of a task whose worker died (its ``exception_class_path``)."""


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TANDEM_WORKER_LEASE)


def renew_every() -> float:
    """Seconds between renewals: every five seconds, and at least six chances to renew before
    the lease runs out."""
    return min(5.0, max(0.5, settings.TANDEM_WORKER_LEASE / 6))


def expired_before(now: dt.datetime | None = None) -> dt.datetime:
    """A lease last renewed before this moment has run out."""
    return (now or timezone.now()) - lease()


class Heartbeat:
    """Call ``renew()`` every :func:`renew_every` seconds in a daemon thread while the
    ``with`` block runs. ``renew`` writes a timestamp (its own connection, in its thread); a
    database that is busy for a moment only skips one beat."""

    def __init__(self, renew: Callable[[], object], *, every: float | None = None) -> None:
        self._renew = renew
        self._every = renew_every() if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="tandem-heartbeat", daemon=True)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self._every):
                try:
                    self._renew()
                except DatabaseError:
                    logger.warning("heartbeat: the database did not answer", exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._every + 5)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# --- worker processes ---------------------------------------------------------------------


def new_worker_id() -> str:
    """Unique across the pool, and readable in the admin: host, process, random suffix."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"[:64]


def register_worker(worker_id: str) -> Heartbeat:
    """Record this worker process as alive and keep it so until the heartbeat is stopped."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:200],
            "pid": os.getpid(),
            "heartbeat_at": timezone.now(),
        },
    )

    def renew() -> None:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).update(heartbeat_at=timezone.now())

    return Heartbeat(renew).start()


def unregister_worker(worker_id: str) -> None:
    """A worker that stops cleanly says so (its tasks ended with it)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _task_results() -> Any:
    """django-tasks-db's task rows, when that backend is installed (not with RQ)."""
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def fail_task_results(task_ids: Iterable[str], *, reason: str = WORKER_STOPPED) -> int:
    """Mark these task rows failed, if they are still running; returns how many."""
    model = _task_results()
    ids = [task_id for task_id in task_ids if task_id]
    if model is None or not ids:
        return 0
    from django.tasks import TaskResultStatus

    return int(
        model.objects.filter(pk__in=ids, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
            traceback=reason,
        )
    )


def unfinished_tasks(task_ids: Iterable[str]) -> set[str]:
    """Those of these task rows that are still waiting or running. Without django-tasks-db
    (e.g. RQ) nothing can be told: all of them."""
    ids = {task_id for task_id in task_ids if task_id}
    model = _task_results()
    if model is None:
        return ids
    from django.tasks import TaskResultStatus

    return {
        str(pk)
        for pk in model.objects.filter(
            pk__in=ids, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).values_list("pk", flat=True)
    }


def fail_orphaned_tasks(now: dt.datetime | None = None) -> int:
    """Mark failed the task rows still running under a registered worker whose heartbeat
    stopped; returns how many. Rows run by workers that never registered (``manage.py
    db_worker`` started by hand) are left alone: nothing says they are dead."""
    now = now or timezone.now()
    model = _task_results()
    if model is None:
        return 0
    from django.tasks import TaskResultStatus

    cutoff = expired_before(now)
    dead = set(
        WorkerHeartbeat.objects.filter(heartbeat_at__lt=cutoff).values_list("worker_id", flat=True)
    )
    orphaned = []
    if dead:
        running = model.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "id", "worker_ids"
        )
        orphaned = [str(pk) for pk, workers in running if workers and workers[-1] in dead]
    failed = fail_task_results(orphaned, reason="The worker running this task stopped.")
    WorkerHeartbeat.objects.filter(heartbeat_at__lt=now - FORGET_AFTER).delete()
    return failed
