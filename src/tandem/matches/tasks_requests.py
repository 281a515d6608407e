"""The deadline of a mentor request, checked by the worker when it falls due."""

from __future__ import annotations

from django.tasks import task

from tandem.matches.requests import expire_request


@task()
def expire_mentor_request(request_id: int) -> bool:
    """Expire the request and pass it on, if it is still pending past its deadline.

    Enqueued with ``run_after=deadline`` each time a request is asked. A request that was
    answered, or whose clock restarted (a question answered), is left alone: the task re-checks.
    """
    return expire_request(request_id)
