"""Helpers the growth tests share: query counts, and goals written through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.growth.models import Goal
from tandem.growth.services import goals as services
from tandem.growth.services.goals import GoalInput
from tests.mentoring.factories import Pair


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


def constant_queries(client: Client, url: str, grow: Callable[[int], None]) -> tuple[int, int]:
    """The page's query count with the data grown once and then five times more."""
    grow(1)
    client.get(url)  # warm any per-process caches
    small = queries_for(client, url)
    grow(5)
    large = queries_for(client, url)
    return small, large


def goal_of(pair: Pair, statement: str = "Lead two committee meetings", **fields: object) -> Goal:
    data = GoalInput(
        statement=statement,
        measure=str(fields.pop("measure", "Two meetings chaired, feedback from 2 members")),
        target=str(fields.pop("target", "2 meetings")),
        deadline=fields.pop("deadline", timezone.localdate() + dt.timedelta(days=30)),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )
    return services.create_goal(pair.mentorship, by=pair.mentee, data=data)
