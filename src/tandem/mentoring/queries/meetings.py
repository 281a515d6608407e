"""Reads of meetings for pages, the API and calendar feeds."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from tandem.accounts.models import User
from tandem.mentoring.enums import MeetingStatus, ProposalStatus
from tandem.mentoring.models import (
    Meeting,
    MeetingAttendee,
    Mentorship,
    MentorshipMember,
    TimeProposal,
)
from tandem.mentoring.services import calendars

#: How far back a feed reaches (older meetings drop out of subscribed calendars).
FEED_HISTORY = dt.timedelta(days=180)
#: Upcoming meetings listed in the workspace panel.
UPCOMING = 5


def with_attendees(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.select_related("template", "series").prefetch_related(
        Prefetch(
            "attendees",
            queryset=MeetingAttendee.objects.select_related("membership__user").order_by("id"),
        ),
        Prefetch(
            "proposals",
            queryset=TimeProposal.objects.filter(status=ProposalStatus.OPEN).select_related(
                "proposed_by__user"
            ),
            to_attr="open_proposals",
        ),
    )


def meetings_of(mentorship: Mentorship) -> QuerySet[Meeting]:
    return with_attendees(Meeting.objects.filter(mentorship=mentorship)).order_by("start", "id")


def meetings_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's meetings panel shows ``member``: the next meeting with everyone's
    answers and any time proposed, the next few after it, and how many were held."""
    now = timezone.now()
    upcoming = list(
        meetings_of(mentorship)
        .filter(status=MeetingStatus.SCHEDULED, start__gte=now - dt.timedelta(hours=1))
        .order_by("start")[: UPCOMING + 1]
    )
    past = (
        Meeting.objects.filter(mentorship=mentorship, start__lt=now)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-start")
        .select_related("template")
        .first()
    )
    next_meeting = upcoming[0] if upcoming else None
    mine = None
    if next_meeting is not None:
        mine = next(
            (a for a in next_meeting.attendees.all() if a.membership_id == member.membership_id),
            None,
        )
    return {
        "next_meeting": next_meeting,
        "my_answer": mine,
        "later_meetings": upcoming[1:],
        "last_meeting": past,
        "viewer_zone": member.membership.user.time_zone or "UTC",
        "can_schedule": mentorship.is_live,
    }


def feed_fingerprint(user: User, *, now: dt.datetime | None = None) -> str:
    """Changes whenever anything a person's feed shows changes (two small queries): how many
    meetings, the latest edit, the sum of their SEQUENCEs (raised on every move and cancel,
    bulk updates included), how many are cancelled, who is in their mentorships, and the day
    (the feed's window moves daily). Names edited since are picked up by the cache's expiry."""
    now = now or timezone.now()
    mentorships = MentorshipMember.objects.filter(membership__user=user).values("mentorship_id")
    meetings = Meeting.objects.filter(
        mentorship_id__in=mentorships, start__gte=now - FEED_HISTORY
    ).aggregate(
        count=Count("id"),
        edited=Max("updated_at"),
        sequences=Sum("sequence"),
        cancelled=Count("id", filter=Q(status=MeetingStatus.CANCELLED)),
    )
    members = MentorshipMember.objects.filter(mentorship_id__in=mentorships).aggregate(
        count=Count("id"), joined=Max("joined_at")
    )
    parts = [*(meetings[k] for k in sorted(meetings)), *(members[k] for k in sorted(members))]
    return "|".join(str(part) for part in parts) + f"|{now:%Y%m%d}"


def feed_events(user: User, *, now: dt.datetime | None = None) -> list[calendars.EventSpec]:
    """Every meeting of ``user``'s mentorships (any program) from six months back: titles and
    times only."""
    now = now or timezone.now()
    mentorship_ids = list(
        MentorshipMember.objects.filter(membership__user=user).values_list(
            "mentorship_id", flat=True
        )
    )
    names: dict[int, list[str]] = defaultdict(list)
    groups: dict[int, str] = {}
    for mentorship_id, kind, group_name, program_name, person_id, full_name, email in (
        MentorshipMember.objects.filter(mentorship_id__in=mentorship_ids)
        .order_by("mentorship_id", "-is_facilitator", "role", "id")
        .values_list(
            "mentorship_id",
            "mentorship__kind",
            "mentorship__name",
            "mentorship__program__name",
            "membership__user_id",
            "membership__user__full_name",
            "membership__user__email",
        )
    ):
        if kind == "group":
            groups[mentorship_id] = f"{group_name or 'Mentoring group'} — {program_name}"
        elif person_id != user.pk:
            names[mentorship_id].append(full_name or email.split("@", 1)[0])

    def title(mentorship_id: int) -> str:
        if mentorship_id in groups:
            return groups[mentorship_id]
        return f"Mentoring with {' & '.join(names[mentorship_id])}"

    rows = (
        Meeting.objects.filter(mentorship_id__in=mentorship_ids, start__gte=now - FEED_HISTORY)
        .order_by("start", "id")
        .values_list("pk", "mentorship_id", "start", "duration_minutes", "status", "sequence")
    )
    return [
        calendars.EventSpec(
            uid=f"meeting-{pk}@tandem",
            sequence=sequence,
            start=start,
            duration_minutes=duration,
            summary=title(mentorship_id),
            status=status,
        )
        for pk, mentorship_id, start, duration, status, sequence in rows
    ]
