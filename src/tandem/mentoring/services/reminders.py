"""Reminders, each sent exactly once whatever the workers do.

The sweep (run every minute by the periodic scheduler, safe to run twice or on many workers at
once) inserts one :class:`Reminder` row per (kind, subject, person, moment) under a unique key —
a second sweep inserts nothing — and enqueues delivery of what is pending. Delivery claims a
row with a conditional UPDATE (``sent_at IS NULL``) and creates the notification *in the same
transaction*: a worker that dies before committing leaves the row pending for the next sweep, one
that committed has sent it, and two workers can never both send.

Kinds: 24 hours before a meeting (with its agenda), at its start, a meeting record still missing
48 hours after the meeting, an action item past its date — one reminder each, not a stream.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus, MemberRole, ReminderKind, Rsvp
from tandem.mentoring.models import (
    LIVE_STATUSES,
    ActionItem,
    Meeting,
    MeetingAttendee,
    MentorshipMember,
    Reminder,
)
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify

#: Sent this long before a meeting — to meetings that existed by then (one scheduled for
#: this afternoon needs no reminder that it is tomorrow).
DAY_BEFORE = dt.timedelta(hours=24)
#: The start reminder is not sent more than this late (a worker that was down for hours).
START_WINDOW = dt.timedelta(minutes=30)
RECORD_GRACE = dt.timedelta(hours=48)
#: Older misses are not chased (e.g. right after an upgrade).
LOOK_BACK = dt.timedelta(days=7)
#: A reminder handed to a worker and still not sent this much later is handed out again (the
#: worker died); delivery's own claim keeps it from being sent twice.
REENQUEUE_AFTER = dt.timedelta(minutes=10)
#: Reminders delivered by one background task.
BATCH = 500


def _key(kind: str, subject: int, membership_id: int, moment: dt.datetime | dt.date) -> str:
    stamp = moment.strftime("%Y%m%dT%H%M") if isinstance(moment, dt.datetime) else str(moment)
    return f"{kind}:{subject}:{membership_id}:{stamp}"


def _meeting_reminders(now: dt.datetime) -> Iterable[Reminder]:
    upcoming = (
        MeetingAttendee.objects.filter(
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__logged=False,
            meeting__mentorship__status__in=LIVE_STATUSES,
            meeting__start__gt=now - START_WINDOW,
            meeting__start__lte=now + DAY_BEFORE,
        )
        .exclude(rsvp=Rsvp.DECLINED)
        .values_list("meeting_id", "membership_id", "meeting__start", "meeting__created_at")
    )
    for meeting_id, membership_id, start, created_at in upcoming.iterator(chunk_size=2000):
        if start > now and created_at <= start - DAY_BEFORE:
            yield Reminder(
                key=_key(ReminderKind.DAY_BEFORE, meeting_id, membership_id, start),
                kind=ReminderKind.DAY_BEFORE,
                meeting_id=meeting_id,
                membership_id=membership_id,
                due_at=start - DAY_BEFORE,
            )
        if start <= now:
            yield Reminder(
                key=_key(ReminderKind.AT_START, meeting_id, membership_id, start),
                kind=ReminderKind.AT_START,
                meeting_id=meeting_id,
                membership_id=membership_id,
                due_at=start,
            )


def _record_reminders(now: dt.datetime) -> Iterable[Reminder]:
    """To the member who leads (a pair's mentor, a group's facilitators)."""
    missing = (
        Meeting.objects.filter(
            mentorship__status__in=LIVE_STATUSES,
            start__lte=now - RECORD_GRACE,
            start__gte=now - RECORD_GRACE - LOOK_BACK,
            record__isnull=True,
            logged=False,
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("id", "mentorship_id", "start")
    )
    rows = list(missing)
    if not rows:
        return
    leaders: dict[int, list[int]] = {}
    for mentorship_id, membership_id in MentorshipMember.objects.filter(
        Q(is_facilitator=True) | Q(role=MemberRole.MENTOR, mentorship__kind="pair"),
        mentorship_id__in={mentorship_id for _, mentorship_id, _ in rows},
    ).values_list("mentorship_id", "membership_id"):
        leaders.setdefault(mentorship_id, []).append(membership_id)
    for meeting_id, mentorship_id, start in rows:
        for membership_id in leaders.get(mentorship_id, []):
            yield Reminder(
                key=_key(ReminderKind.RECORD_MISSING, meeting_id, membership_id, start),
                kind=ReminderKind.RECORD_MISSING,
                meeting_id=meeting_id,
                membership_id=membership_id,
                due_at=start + RECORD_GRACE,
            )


def _action_reminders(now: dt.datetime) -> Iterable[Reminder]:
    today = timezone.localdate(now)
    overdue = ActionItem.objects.filter(
        done_at__isnull=True,
        due_on__lt=today,
        due_on__gte=today - LOOK_BACK,
        mentorship__status__in=LIVE_STATUSES,
    ).values_list("id", "owner_id", "due_on")
    for item_id, owner_id, due_on in overdue.iterator(chunk_size=2000):
        yield Reminder(
            key=_key(ReminderKind.ACTION_OVERDUE, item_id, owner_id, due_on),
            kind=ReminderKind.ACTION_OVERDUE,
            action_item_id=item_id,
            membership_id=owner_id,
            due_at=dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time(8), dt.UTC),
        )


def sweep(now: dt.datetime | None = None) -> int:
    """Record every reminder that is due and enqueue the pending ones; returns how many were
    enqueued. Running it twice, or on two workers at once, sends nothing twice."""
    now = now or timezone.now()
    rows: list[Reminder] = []
    for source in (_meeting_reminders, _record_reminders, _action_reminders):
        rows.extend(source(now))
    for start in range(0, len(rows), 2000):
        Reminder.objects.bulk_create(rows[start : start + 2000], ignore_conflicts=True)
    # Pending and not handed to a worker lately: new ones, and those a dead worker left.
    stale = now - REENQUEUE_AFTER
    pending = list(
        Reminder.objects.filter(sent_at__isnull=True, skipped="", due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .order_by("id")
        .values_list("id", flat=True)
    )
    for start in range(0, len(pending), 2000):
        Reminder.objects.filter(pk__in=pending[start : start + 2000]).update(claimed_at=now)
    from tandem.mentoring.tasks import deliver_reminders

    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        transaction.on_commit(functools.partial(deliver_reminders.enqueue, batch))
    return len(pending)


def _agenda(meeting: Meeting) -> list[str]:
    from tandem.mentoring.services import guides

    return guides.agenda_lines(meeting)


def _skip(reminder_id: int, reason: str) -> None:
    Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(skipped=reason)


def deliver(reminder_ids: Sequence[int]) -> int:
    """Send each pending reminder once; returns how many were sent."""
    from tandem.mentoring.services.meetings import local_label, summary_of

    sent = 0
    for reminder_id in reminder_ids:
        with transaction.atomic():
            claimed = Reminder.objects.filter(
                pk=reminder_id, sent_at__isnull=True, skipped=""
            ).update(sent_at=timezone.now())
            if not claimed:
                continue
            reminder = Reminder.objects.select_related(
                "membership__user",
                "meeting__mentorship__program",
                "meeting__template",
                "action_item__mentorship__program",
            ).get(pk=reminder_id)
            user = reminder.membership.user
            meeting = reminder.meeting
            if reminder.kind in (ReminderKind.DAY_BEFORE, ReminderKind.AT_START):
                assert meeting is not None
                stale = meeting.status != MeetingStatus.SCHEDULED or not reminder.key.endswith(
                    meeting.start.strftime("%Y%m%dT%H%M")
                )
                if stale:
                    Reminder.objects.filter(pk=reminder_id).update(
                        sent_at=None, skipped="the meeting moved or was cancelled"
                    )
                    continue
                context = {
                    "title": summary_of(meeting.mentorship),
                    "local_start": local_label(meeting.start, user.time_zone),
                    "timezone": user.time_zone or "UTC",
                    "location": meeting.location,
                    "agenda": _agenda(meeting) if reminder.kind == ReminderKind.DAY_BEFORE else [],
                    "preparation": "",
                }
                kind = (
                    NotificationKind.MEETING_REMINDER
                    if reminder.kind == ReminderKind.DAY_BEFORE
                    else NotificationKind.MEETING_STARTING
                )
                notify(
                    user,
                    kind=kind,
                    program=meeting.mentorship.program,
                    context=context,
                    url=meeting.get_absolute_url(),
                )
            elif reminder.kind == ReminderKind.RECORD_MISSING:
                assert meeting is not None
                if meeting.status == MeetingStatus.CANCELLED or _has_record(meeting):
                    Reminder.objects.filter(pk=reminder_id).update(
                        sent_at=None, skipped="the record was written"
                    )
                    continue
                notify(
                    user,
                    kind=NotificationKind.RECORD_MISSING,
                    program=meeting.mentorship.program,
                    context={"meeting_day": local_label(meeting.start, user.time_zone)},
                    url=meeting.get_absolute_url(),
                )
            else:
                item = reminder.action_item
                assert item is not None
                if item.done_at is not None:
                    Reminder.objects.filter(pk=reminder_id).update(
                        sent_at=None, skipped="done before the reminder"
                    )
                    continue
                notify(
                    user,
                    kind=NotificationKind.ACTION_OVERDUE,
                    program=item.mentorship.program,
                    context={"text": item.text, "due_on": item.due_on},
                    url=item.mentorship.get_absolute_url(),
                )
            sent += 1
    return sent


def _has_record(meeting: Meeting) -> bool:
    from tandem.mentoring.models import MeetingRecord

    return MeetingRecord.objects.filter(meeting=meeting).exists()
