from __future__ import annotations

from django.tasks import task

from tandem.matches.services import execute_run


@task()
def execute_match_run(run_id: int) -> str:
    """Run the matching engine for one queued run (large pools)."""
    return str(execute_run(run_id).status)
