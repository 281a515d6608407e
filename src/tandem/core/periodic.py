"""The periodic scheduler: every worker runs one (``tandem worker`` starts it in a thread) and
each interval's slot of each periodic task is enqueued exactly once across all of them — the
scheduler that wins the conditional UPDATE on :class:`PeriodicRun` enqueues, the others do
nothing. The tasks themselves are idempotent sweeps, so a slot that runs late or twice after a
crash sends nothing twice.

The tasks are named in the ``TANDEM_PERIODIC_TASKS`` setting (dotted path → seconds), so this
module, at the bottom of the layers, imports no app.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from tandem.core.models import PeriodicRun

logger = logging.getLogger(__name__)


def enqueue_due(now: float | None = None) -> list[str]:
    """Enqueue each periodic task whose current slot nobody has enqueued yet; returns their
    names."""
    now = time.time() if now is None else now
    enqueued = []
    for path, seconds in settings.TANDEM_PERIODIC_TASKS.items():
        slot = int(now // seconds)
        PeriodicRun.objects.get_or_create(name=path)
        claimed = PeriodicRun.objects.filter(name=path, slot__lt=slot).update(
            slot=slot, enqueued_at=timezone.now()
        )
        if claimed:
            import_string(path).enqueue()
            enqueued.append(path)
    return enqueued


def run_forever(stop: threading.Event, *, tick: float = 10.0) -> None:
    """Check every ``tick`` seconds until ``stop`` is set (the worker's background thread)."""
    while not stop.is_set():
        try:
            enqueue_due()
        except DatabaseError:  # the database is busy or away: try again next tick
            logger.warning("periodic scheduler: the database did not answer", exc_info=True)
        finally:
            close_old_connections()
        stop.wait(tick)


def start_in_background() -> threading.Event:
    """Start the scheduler in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), name="tandem-periodic", daemon=True)
    thread.start()
    return stop
