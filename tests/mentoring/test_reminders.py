"""Reminders: due at the right moment, each sent exactly once however often the sweep runs,
however many workers deliver, and whatever a crashed worker left behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.core import periodic
from tandem.core.models import PeriodicRun
from tandem.mentoring.enums import MeetingStatus, ReminderKind, Rsvp
from tandem.mentoring.models import (
    ActionItem,
    Meeting,
    MeetingAttendee,
    MeetingRecord,
    Mentorship,
    Reminder,
)
from tandem.mentoring.services import reminders
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification, NotificationPreference
from tests.mentoring.factories import Pair

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_at_once")]


def meeting_at(mentorship: Mentorship, start: dt.datetime, **fields: Any) -> Meeting:
    meeting = Meeting.objects.create(
        mentorship=mentorship,
        start=start,
        duration_minutes=60,
        timezone="Europe/Berlin",
        **fields,
    )
    Meeting.objects.filter(pk=meeting.pk).update(created_at=start - dt.timedelta(days=7))
    for member in mentorship.members.all():
        MeetingAttendee.objects.create(meeting=meeting, membership=member.membership)
    return meeting


def kinds_sent(kind: NotificationKind) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_day_before_and_start_reminders_go_to_each_attendee_once(pair: Pair) -> None:
    now = timezone.now()
    meeting = meeting_at(pair.mentorship, now + dt.timedelta(hours=23))
    assert reminders.sweep(now) == 2
    assert reminders.sweep(now) == 0  # a second sweep finds nothing new
    members = sorted([pair.mentor.user_id, pair.mentee.user_id])
    assert kinds_sent(NotificationKind.MEETING_REMINDER) == members
    assert kinds_sent(NotificationKind.MEETING_STARTING) == []
    reminders.sweep(meeting.start + dt.timedelta(minutes=1))
    reminders.sweep(meeting.start + dt.timedelta(minutes=2))
    assert kinds_sent(NotificationKind.MEETING_STARTING) == members
    assert kinds_sent(NotificationKind.MEETING_REMINDER) == members


def test_no_day_before_reminder_for_a_meeting_made_that_day(pair: Pair) -> None:
    now = timezone.now()
    meeting = meeting_at(pair.mentorship, now + dt.timedelta(hours=5))
    Meeting.objects.filter(pk=meeting.pk).update(created_at=now - dt.timedelta(hours=1))
    reminders.sweep(now)
    assert kinds_sent(NotificationKind.MEETING_REMINDER) == []


def test_declined_attendees_and_cancelled_meetings_get_no_reminder(pair: Pair) -> None:
    now = timezone.now()
    meeting = meeting_at(pair.mentorship, now + dt.timedelta(hours=20))
    MeetingAttendee.objects.filter(meeting=meeting, membership=pair.mentee).update(
        rsvp=Rsvp.DECLINED
    )
    meeting_at(pair.mentorship, now + dt.timedelta(hours=21), status=MeetingStatus.CANCELLED)
    reminders.sweep(now)
    assert kinds_sent(NotificationKind.MEETING_REMINDER) == [pair.mentor.user_id]


def test_a_moved_meeting_gets_reminded_at_its_new_time_only(pair: Pair) -> None:
    now = timezone.now()
    meeting = meeting_at(pair.mentorship, now + dt.timedelta(hours=23))
    reminders.sweep(now)
    Notification.objects.all().delete()
    meeting.start = now + dt.timedelta(hours=22)
    meeting.save(update_fields=["start"])
    reminders.sweep(now)
    assert len(kinds_sent(NotificationKind.MEETING_REMINDER)) == 2


def test_two_workers_delivering_the_same_batch_send_each_reminder_once(pair: Pair) -> None:
    now = timezone.now()
    for hours in (20, 21, 22):
        meeting_at(pair.mentorship, now + dt.timedelta(hours=hours))
    ids = [r.pk for r in reminders._meeting_reminders(now)]
    assert ids == [None] * 6
    Reminder.objects.bulk_create(list(reminders._meeting_reminders(now)))
    pending = list(Reminder.objects.values_list("id", flat=True))
    assert reminders.deliver(pending) + reminders.deliver(pending) == 6
    assert Notification.objects.count() == 6


def test_a_worker_that_dies_mid_delivery_leaves_the_reminder_for_the_next_sweep(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    meeting_at(pair.mentorship, now + dt.timedelta(hours=20))
    from tandem.notifications import services as notification_services

    real_notify = notification_services.notify
    calls = {"n": 0}

    def dies_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("the worker was killed")
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(reminders, "notify", dies_once)
    with monkeypatch.context() as enqueue_nothing:
        enqueue_nothing.setattr(transaction, "on_commit", lambda *a, **k: None)
        reminders.sweep(now)
    pending = list(Reminder.objects.values_list("id", flat=True))
    with pytest.raises(SystemExit):
        reminders.deliver(pending)
    # The claim rolled back with the notification: still pending, nothing sent.
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 2
    assert Notification.objects.count() == 0
    # Handed out again once the dead worker's turn is over (not a minute later: a live worker
    # may still be on it).
    assert reminders.sweep(now + dt.timedelta(minutes=1)) == 0
    assert reminders.sweep(now + reminders.REENQUEUE_AFTER + dt.timedelta(minutes=1)) == 2
    assert Notification.objects.count() == 2
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_record_missing_48_hours_later_reminds_the_mentor_once(pair: Pair) -> None:
    now = timezone.now()
    meeting = meeting_at(pair.mentorship, now - dt.timedelta(hours=50))
    meeting_at(pair.mentorship, now - dt.timedelta(hours=30))  # not yet 48 hours
    recorded = meeting_at(pair.mentorship, now - dt.timedelta(hours=60))
    MeetingRecord.objects.create(meeting=recorded, notes="Fine")
    reminders.sweep(now)
    reminders.sweep(now + dt.timedelta(hours=1))
    assert kinds_sent(NotificationKind.RECORD_MISSING) == [pair.mentor.user_id]
    reminder = Reminder.objects.get(kind=ReminderKind.RECORD_MISSING)
    assert reminder.meeting == meeting


def test_overdue_action_item_reminds_its_owner_once(pair: Pair) -> None:
    today = timezone.localdate()
    ActionItem.objects.create(
        mentorship=pair.mentorship,
        text="Draft the plan",
        owner=pair.mentee,
        due_on=today - dt.timedelta(days=1),
    )
    ActionItem.objects.create(
        mentorship=pair.mentorship,
        text="Done already",
        owner=pair.mentee,
        due_on=today - dt.timedelta(days=1),
        done_at=timezone.now(),
    )
    reminders.sweep()
    reminders.sweep()
    assert kinds_sent(NotificationKind.ACTION_OVERDUE) == [pair.mentee.user_id]
    notification = Notification.objects.get(kind=NotificationKind.ACTION_OVERDUE)
    assert "Draft the plan" in notification.body


def test_muted_reminder_email_still_shows_in_the_app(pair: Pair, mailoutbox: list[Any]) -> None:
    NotificationPreference.objects.create(
        user=pair.mentee.user, kind=NotificationKind.MEETING_REMINDER, email=False
    )
    meeting_at(pair.mentorship, timezone.now() + dt.timedelta(hours=20))
    reminders.sweep()
    assert kinds_sent(NotificationKind.MEETING_REMINDER) == sorted(
        [pair.mentor.user_id, pair.mentee.user_id]
    )
    assert [m.to for m in mailoutbox] == [[pair.mentor.user.email]]


def test_periodic_scheduler_enqueues_each_slot_once_across_workers(settings: Any) -> None:
    settings.TANDEM_PERIODIC_TASKS = {"tandem.mentoring.tasks.sweep_reminders": 60}
    assert periodic.enqueue_due(now=6_000) == ["tandem.mentoring.tasks.sweep_reminders"]
    assert periodic.enqueue_due(now=6_030) == []  # another worker, same minute
    assert periodic.enqueue_due(now=6_061) == ["tandem.mentoring.tasks.sweep_reminders"]
    assert PeriodicRun.objects.get().slot == 101
