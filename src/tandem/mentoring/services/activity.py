"""The figures a coordinator may see about a mentorship (never its content), kept on the
mentorship row so the program's list sorts and filters 10,000 mentorships in one query.

Every service that changes meetings, records, action items or messages calls
:func:`refresh_activity` in its transaction; it recomputes the figures from the rows, so they
cannot drift whatever happened before.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    AssignmentComment,
    Meeting,
    MeetingRecord,
    Mentorship,
    Message,
)

#: A record counts as missing this long after its meeting ended.
RECORD_GRACE_HOURS = 48


def refresh_activity(mentorship_id: int) -> None:
    now = timezone.now()
    meetings = Meeting.objects.filter(mentorship_id=mentorship_id).exclude(
        status=MeetingStatus.CANCELLED
    )
    meeting_figures = meetings.aggregate(
        scheduled=Count("id"),
        held=Count("id", filter=Q(start__lt=now)),
        last_met=Max("start", filter=Q(start__lt=now)),
        next_meeting=Min("start", filter=Q(start__gte=now)),
        missing=Count(
            "id",
            filter=Q(start__lt=now - dt.timedelta(hours=RECORD_GRACE_HOURS))
            & Q(record__isnull=True),
        ),
        last_change=Max("updated_at"),
    )
    items = ActionItem.objects.filter(mentorship_id=mentorship_id).aggregate(
        open=Count("id", filter=Q(done_at__isnull=True)),
        done=Count("id", filter=Q(done_at__isnull=False)),
        last_change=Max("created_at"),
        last_done=Max("done_at"),
    )
    last_message = Message.objects.filter(mentorship_id=mentorship_id).aggregate(
        last=Max("created_at")
    )["last"]
    # What members write around meetings is activity too (its moment only, never its text).
    last_record = MeetingRecord.objects.filter(meeting__mentorship_id=mentorship_id).aggregate(
        last=Max("updated_at")
    )["last"]
    last_agenda_item = AgendaItem.objects.filter(meeting__mentorship_id=mentorship_id).aggregate(
        last=Max("created_at")
    )["last"]
    last_assignment = Assignment.objects.filter(
        mentorship_id=mentorship_id, submitted_at__isnull=False
    ).aggregate(last=Max("submitted_at"))["last"]
    last_comment = AssignmentComment.objects.filter(
        assignment__mentorship_id=mentorship_id
    ).aggregate(last=Max("created_at"))["last"]
    moments = [
        moment
        for moment in (
            meeting_figures["last_change"],
            items["last_change"],
            items["last_done"],
            last_message,
            last_record,
            last_agenda_item,
            last_assignment,
            last_comment,
        )
        if moment is not None
    ]
    update = {
        "meetings_scheduled": meeting_figures["scheduled"],
        "meetings_held": meeting_figures["held"],
        "last_met_at": meeting_figures["last_met"],
        "next_meeting_at": meeting_figures["next_meeting"],
        "records_missing": meeting_figures["missing"],
        "action_items_open": items["open"],
        "action_items_done": items["done"],
    }
    if moments:
        update["last_activity_at"] = max(moments)
    Mentorship.objects.filter(pk=mentorship_id).update(**update)
