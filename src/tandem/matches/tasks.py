"""Background work of matching: queued runs, and the deadlines of mentor requests."""

from __future__ import annotations

from django.tasks import TaskContext, task

from tandem.matches.requests import expire_request
from tandem.matches.services import execute_run, fail_stopped_runs


@task(takes_context=True)
def execute_match_run(context: TaskContext, run_id: int) -> str:
    """Run the matching engine for one queued run (large pools)."""
    return str(execute_run(run_id, task_id=str(context.task_result.id)).status)


@task()
def sweep_stopped_runs() -> int:
    """Fail the runs whose worker died, with a reason the coordinator reads (periodic)."""
    return fail_stopped_runs()


@task()
def expire_mentor_request(request_id: int) -> bool:
    """Expire the request and pass it on, if it is still pending past its deadline.

    Enqueued with ``run_after=deadline`` each time a request is asked. A request that was
    answered, or whose clock restarted (a question answered), is left alone: the task re-checks.
    """
    return expire_request(request_id)
