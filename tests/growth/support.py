"""Goals for tests, written through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.growth.models import Goal
from tandem.growth.services import goals as services
from tandem.growth.services.goals import GoalInput
from tests.mentoring.factories import Pair


def goal_of(pair: Pair, statement: str = "Lead two committee meetings", **fields: object) -> Goal:
    data = GoalInput(
        statement=statement,
        measure=str(fields.pop("measure", "Two meetings chaired, feedback from 2 members")),
        target=str(fields.pop("target", "2 meetings")),
        deadline=fields.pop("deadline", timezone.localdate() + dt.timedelta(days=30)),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )
    return services.create_goal(pair.mentorship, by=pair.mentee, data=data)
