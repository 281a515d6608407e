"""Helpers for the guide, record, assignment and rating tests (no tests here).

Meetings are created directly, as the meeting services do (minus the invites).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import Meeting, MeetingAttendee, Mentorship
from tandem.mentoring.services.guides import assign_agendas


def make_meeting(
    mentorship: Mentorship,
    *,
    start: dt.datetime | None = None,
    days: float = 0,
    status: str = MeetingStatus.SCHEDULED,
    assign: bool = True,
) -> Meeting:
    """A 60-minute meeting ``days`` from now (negative: in the past)."""
    start = start or timezone.now() + dt.timedelta(days=days)
    meeting = Meeting.objects.create(
        mentorship=mentorship,
        start=start,
        duration_minutes=60,
        timezone="Europe/Berlin",
        status=status,
    )
    MeetingAttendee.objects.bulk_create(
        [
            MeetingAttendee(meeting=meeting, membership_id=m.membership_id)
            for m in mentorship.members.all()
        ]
    )
    if assign:
        assign_agendas(mentorship)
        meeting.refresh_from_db()
    return meeting


def started_long_ago(mentorship: Mentorship, *, days: int = 60) -> Mentorship:
    """Move the mentorship's start back, so meetings in the past fall inside its dates."""
    Mentorship.objects.filter(pk=mentorship.pk).update(
        started_at=timezone.now() - dt.timedelta(days=days)
    )
    mentorship.refresh_from_db()
    return mentorship


def meeting_url(meeting: Meeting, suffix: str = "") -> str:
    return meeting.get_absolute_url() + suffix
