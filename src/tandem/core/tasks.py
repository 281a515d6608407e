"""Background work of the core: the sweep that notices dead workers."""

from __future__ import annotations

from django.tasks import task

from tandem.core.leases import fail_orphaned_tasks


@task()
def sweep_dead_workers() -> int:
    """Mark failed the task rows left running by workers that died (periodic)."""
    return fail_orphaned_tasks()
