"""The figures a coordinator may see about a mentorship (never its content), kept on the
mentorship row so the program's list sorts and filters 10,000 mentorships in one query.

Every service that changes meetings, records, action items, assignments or messages calls
:func:`refresh_activity` in its transaction; it recomputes the figures from the rows, so they
cannot drift whatever happened before. Some figures move with the clock alone (a scheduled
meeting whose time has come is held; a record becomes missing two days later), so the
scheduler runs :func:`refresh_due_activity` hourly for the mentorships the clock has changed.

What the figures mean:

- a meeting is **held** when it is marked held (a filled record, or logged afterwards) or when
  it is still scheduled and its start has passed; cancelled meetings never count;
- **meetings_scheduled** are the ones still to come (scheduled, start not yet reached), so
  held + scheduled is every meeting that was not cancelled;
- **last_met_at** is the start of the latest held meeting, **next_meeting_at** the start of the
  earliest one to come;
- a **record is missing** for a held meeting without a :class:`MeetingRecord` once
  :data:`RECORD_GRACE_HOURS` have passed since its start (the same moment the reminder to the
  mentor goes out); a logged meeting that carries its record is not missing one;
- **action items** are open until ticked done;
- **last activity** is the latest of: the mentorship starting, a meeting arranged or changed,
  a record written or edited, an action item added or ticked, an assignment submitted, a
  message posted.

Each refresh is one UPDATE whether it covers one mentorship or five hundred: every figure is
a correlated subquery on the indexed mentorship foreign keys, computed by the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    LIVE_STATUSES,
    ActionItem,
    Assignment,
    Meeting,
    MeetingRecord,
    Mentorship,
    Message,
)

#: A record counts as missing this long after its meeting started.
RECORD_GRACE_HOURS = 48
#: Mentorships refreshed per bulk update (keeps SQLite's parameter limit far away).
BATCH = 500

FIGURES = (
    "last_activity_at",
    "last_met_at",
    "next_meeting_at",
    "meetings_scheduled",
    "meetings_held",
    "records_missing",
    "action_items_open",
    "action_items_done",
)


def held_q(now: dt.datetime, prefix: str = "") -> Q:
    """Meetings that count as held at ``now`` (``prefix`` reaches them through a relation)."""
    return Q(**{f"{prefix}status": MeetingStatus.HELD}) | Q(
        **{f"{prefix}status": MeetingStatus.SCHEDULED, f"{prefix}start__lt": now}
    )


def upcoming_q(now: dt.datetime, prefix: str = "") -> Q:
    """Meetings still to come: scheduled (written as "neither held nor cancelled", so the
    database reaches them through the mentorship's index, not the program-wide status one)."""
    return Q(**{f"{prefix}start__gte": now}) & ~Q(
        **{f"{prefix}status__in": (MeetingStatus.HELD, MeetingStatus.CANCELLED)}
    )


def record_missing_q(now: dt.datetime, prefix: str = "") -> Q:
    grace = now - dt.timedelta(hours=RECORD_GRACE_HOURS)
    return (
        held_q(now, prefix)
        & Q(**{f"{prefix}start__lt": grace})
        & Q(**{f"{prefix}record__isnull": True})
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


#: Stands for "no moment" inside GREATEST (which SQLite makes NULL if any argument is).
_NEVER = Value(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), output_field=DateTimeField())


def _per_mentorship(rows: QuerySet[Any], aggregate: Aggregate) -> Subquery:
    """One value per outer mentorship from its own ``rows`` (a correlated subquery)."""
    return Subquery(
        rows.order_by().values("mentorship_id").annotate(value=aggregate).values("value")[:1]
    )


def _count(rows: QuerySet[Any]) -> Coalesce:
    return Coalesce(_per_mentorship(rows, Count("id")), 0)


def figure_expressions(now: dt.datetime) -> dict[str, Any]:
    """Each figure as an SQL expression over the outer mentorship's rows, so one UPDATE (or
    one SELECT) computes them for any number of mentorships."""
    meetings = Meeting.objects.filter(mentorship_id=OuterRef("pk")).exclude(
        status=MeetingStatus.CANCELLED
    )
    items = ActionItem.objects.filter(mentorship_id=OuterRef("pk"))
    moments = [
        F("started_at"),
        _per_mentorship(meetings, Max("updated_at")),
        _per_mentorship(
            MeetingRecord.objects.filter(meeting__mentorship_id=OuterRef("pk")).annotate(
                mentorship_id=F("meeting__mentorship_id")
            ),
            Max("updated_at"),
        ),
        _per_mentorship(items, Max("created_at")),
        _per_mentorship(items, Max("done_at")),
        _per_mentorship(Message.objects.filter(mentorship_id=OuterRef("pk")), Max("created_at")),
        _per_mentorship(
            Assignment.objects.filter(mentorship_id=OuterRef("pk")), Max("submitted_at")
        ),
    ]
    return {
        "meetings_scheduled": _count(meetings.filter(upcoming_q(now))),
        "meetings_held": _count(meetings.filter(held_q(now))),
        "last_met_at": _per_mentorship(meetings.filter(held_q(now)), Max("start")),
        "next_meeting_at": _per_mentorship(meetings.filter(upcoming_q(now)), Min("start")),
        "records_missing": _count(meetings.filter(record_missing_q(now))),
        "action_items_open": _count(items.filter(done_at__isnull=True)),
        "action_items_done": _count(items.filter(done_at__isnull=False)),
        "last_activity_at": NullIf(
            Greatest(*(Coalesce(moment, _NEVER) for moment in moments)), _NEVER
        ),
    }


def compute_figures(ids: list[int], *, now: dt.datetime | None = None) -> dict[int, dict[str, Any]]:
    """The activity figures of the given mentorships computed from their rows without storing
    them (one query): what :func:`refresh_activity_many` writes."""
    expressions = figure_expressions(now or timezone.now())
    rows = (
        Mentorship.objects.filter(pk__in=ids)
        .annotate(**{f"computed_{name}": expression for name, expression in expressions.items()})
        .values("pk", *(f"computed_{name}" for name in FIGURES))
    )
    return {row["pk"]: {name: row[f"computed_{name}"] for name in FIGURES} for row in rows}


def refresh_activity_many(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Recompute and store the figures of many mentorships (the demo, imports, the hourly
    sweep): one UPDATE per batch of :data:`BATCH`, computed by the database. Returns how
    many rows it updated."""
    unique = sorted(set(ids))
    expressions = figure_expressions(now or timezone.now())
    refreshed = 0
    for chunk in _chunks(unique):
        refreshed += Mentorship.objects.filter(pk__in=chunk).update(**expressions)
    return refreshed


def refresh_activity(mentorship_id: int) -> None:
    """Recompute and store one mentorship's figures; call it in the transaction of every write
    to its meetings, records, action items, assignments or messages."""
    refresh_activity_many([mentorship_id])


def refresh_due_activity(*, now: dt.datetime | None = None) -> int:
    """Refresh the live mentorships whose figures the clock has changed since their last
    write: a next meeting whose time has come, or a meeting whose record has just become
    missing (within the last day, so a sweep that missed a few hours catches up).
    Idempotent; the scheduler runs it hourly (two runs at once do the same work)."""
    now = now or timezone.now()
    grace = now - dt.timedelta(hours=RECORD_GRACE_HOURS)
    due = Mentorship.objects.filter(status__in=LIVE_STATUSES).filter(
        Q(next_meeting_at__lte=now)
        | Q(
            meetings__status__in=(MeetingStatus.HELD, MeetingStatus.SCHEDULED),
            meetings__start__lt=grace,
            meetings__start__gte=grace - dt.timedelta(days=1),
            meetings__record__isnull=True,
        )
    )
    return refresh_activity_many(due.values_list("pk", flat=True).distinct(), now=now)
