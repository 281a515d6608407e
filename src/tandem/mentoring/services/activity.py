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

Each refresh costs the same handful of queries whether it covers one mentorship or ten
thousand (grouped aggregates, then one bulk update per batch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    LIVE_STATUSES,
    ActionItem,
    Assignment,
    Meeting,
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
    return Q(**{f"{prefix}status": MeetingStatus.SCHEDULED, f"{prefix}start__gte": now})


def record_missing_q(now: dt.datetime, prefix: str = "") -> Q:
    grace = now - dt.timedelta(hours=RECORD_GRACE_HOURS)
    return (
        held_q(now, prefix)
        & Q(**{f"{prefix}start__lt": grace})
        & Q(**{f"{prefix}record__isnull": True})
    )


def _by_mentorship(rows: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """Grouped ``values()`` rows keyed by their mentorship."""
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = dict(row)
        by_id[values.pop("mentorship_id")] = values
    return by_id


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _latest(*moments: dt.datetime | None) -> dt.datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def compute_figures(ids: list[int], *, now: dt.datetime | None = None) -> dict[int, dict[str, Any]]:
    """The activity figures of the given mentorships, computed from their rows (five grouped
    queries whatever the number of mentorships or the size of their history)."""
    now = now or timezone.now()
    started = dict(Mentorship.objects.filter(pk__in=ids).values_list("pk", "started_at"))
    meetings = _by_mentorship(
        Meeting.objects.filter(mentorship_id__in=ids)
        .exclude(status=MeetingStatus.CANCELLED)
        .values("mentorship_id")
        .annotate(
            scheduled=Count("id", filter=upcoming_q(now)),
            held=Count("id", filter=held_q(now)),
            last_met=Max("start", filter=held_q(now)),
            next_meeting=Min("start", filter=upcoming_q(now)),
            missing=Count("id", filter=record_missing_q(now)),
            last_change=Max("updated_at"),
            last_record=Max("record__updated_at"),
        )
        .order_by()
    )
    items = _by_mentorship(
        ActionItem.objects.filter(mentorship_id__in=ids)
        .values("mentorship_id")
        .annotate(
            open=Count("id", filter=Q(done_at__isnull=True)),
            done=Count("id", filter=Q(done_at__isnull=False)),
            last_added=Max("created_at"),
            last_done=Max("done_at"),
        )
        .order_by()
    )
    messages = dict(
        Message.objects.filter(mentorship_id__in=ids)
        .values("mentorship_id")
        .annotate(last=Max("created_at"))
        .order_by()
        .values_list("mentorship_id", "last")
    )
    submissions = dict(
        Assignment.objects.filter(mentorship_id__in=ids, submitted_at__isnull=False)
        .values("mentorship_id")
        .annotate(last=Max("submitted_at"))
        .order_by()
        .values_list("mentorship_id", "last")
    )
    figures: dict[int, dict[str, Any]] = {}
    for pk, started_at in started.items():
        meeting = meetings.get(pk, {})
        item = items.get(pk, {})
        figures[pk] = {
            "meetings_scheduled": meeting.get("scheduled", 0),
            "meetings_held": meeting.get("held", 0),
            "last_met_at": meeting.get("last_met"),
            "next_meeting_at": meeting.get("next_meeting"),
            "records_missing": meeting.get("missing", 0),
            "action_items_open": item.get("open", 0),
            "action_items_done": item.get("done", 0),
            "last_activity_at": _latest(
                started_at,
                meeting.get("last_change"),
                meeting.get("last_record"),
                item.get("last_added"),
                item.get("last_done"),
                messages.get(pk),
                submissions.get(pk),
            ),
        }
    return figures


def refresh_activity_many(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Recompute and store the figures of many mentorships (the demo, imports, the hourly
    sweep); a constant number of queries per batch of :data:`BATCH`. Returns how many."""
    unique = sorted(set(ids))
    refreshed = 0
    for chunk in _chunks(unique):
        figures = compute_figures(chunk, now=now)
        rows = [Mentorship(pk=pk, **values) for pk, values in figures.items()]
        Mentorship.objects.bulk_update(rows, FIGURES)
        refreshed += len(rows)
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
