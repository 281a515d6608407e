"""Rows of a mentorship's history for tests of the coordinator's figures (made with the models:
these tests are about reading history, whichever service wrote it)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import ActionItem, Meeting, MeetingRecord, Mentorship
from tandem.programs.models import Membership


def meeting_at(
    mentorship: Mentorship,
    start: dt.datetime,
    *,
    status: str = MeetingStatus.SCHEDULED,
    logged: bool = False,
    recorded_by: Membership | None = None,
) -> Meeting:
    meeting = Meeting.objects.create(
        mentorship=mentorship,
        start=start,
        duration_minutes=60,
        timezone="Europe/Berlin",
        status=status,
        logged=logged,
    )
    if recorded_by is not None:
        MeetingRecord.objects.create(meeting=meeting, written_by=recorded_by, notes="Private")
    return meeting


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def action_item(mentorship: Mentorship, owner: Membership, *, done: bool = False) -> ActionItem:
    return ActionItem.objects.create(
        mentorship=mentorship,
        owner=owner,
        text="Draft the plan",
        due_on=timezone.localdate() + dt.timedelta(days=7),
        done_at=timezone.now() if done else None,
    )
