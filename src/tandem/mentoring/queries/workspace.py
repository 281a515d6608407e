"""Reads for a mentorship's workspace: who is in it, their local time, what to do next, and
the mentorships a person can open."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from tandem.accounts.models import User
from tandem.enrolment.highlights import common_ground, highlights
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Membership


@dataclass(frozen=True)
class Person:
    """One member as the workspace shows them to ``viewer``."""

    place: MentorshipMember
    membership: Membership
    user: User
    is_me: bool
    role_label: str
    highlights: list[str]
    common_ground: list[str]
    time_zone: str
    local_time: dt.datetime | None


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def time_zone_of(membership: Membership) -> str:
    """The person's time zone: their account's, unless it is the default UTC and their
    profile names another one."""
    account = membership.user.time_zone
    answer = membership.answers.get("time_zone")
    if (not account or account == "UTC") and isinstance(answer, str) and _zone(answer):
        return answer
    return account or "UTC"


def role_label(place: MentorshipMember, mentorship: Mentorship) -> str:
    if mentorship.is_group:
        return "Facilitator" if place.is_facilitator else "Member"
    return place.get_role_display()


def people(
    mentorship: Mentorship, viewer: MentorshipMember, *, now: dt.datetime | None = None
) -> list[Person]:
    """The members (the viewer first), from the prefetched ``members__membership__user``."""
    now = now or timezone.now()
    result = []
    for place in mentorship.members.all():
        membership = place.membership
        zone_name = time_zone_of(membership)
        zone = _zone(zone_name)
        is_me = place.pk == viewer.pk
        result.append(
            Person(
                place=place,
                membership=membership,
                user=membership.user,
                is_me=is_me,
                role_label=role_label(place, mentorship),
                highlights=highlights(membership),
                common_ground=[] if is_me else common_ground(viewer.membership, membership),
                time_zone=zone_name,
                local_time=now.astimezone(zone) if zone else None,
            )
        )
    result.sort(key=lambda person: not person.is_me)
    return result


@dataclass(frozen=True)
class NextStep:
    text: str
    #: A workspace anchor or page the step is done at ("" when there is nothing to click).
    anchor: str = ""


def next_step(mentorship: Mentorship, member: MentorshipMember) -> NextStep:
    """The guide's next step for this member, from the mentorship's own figures (no query)."""
    status = mentorship.status
    if status == RelationshipStatus.PROPOSED:
        if member.confirmed_at is None:
            return NextStep("Confirm this match, or decline it and say why.", "#confirmation")
        return NextStep("You have confirmed: the mentorship starts once everyone has.")
    if status in (RelationshipStatus.COMPLETED, RelationshipStatus.ENDED_EARLY):
        return NextStep("This mentorship has ended: what you wrote here stays readable.")
    program_stage = mentorship.program.status
    if program_stage == ProgramStatus.CLOSED:
        return NextStep(
            "The program has ended. You can still meet and write here until your mentorship "
            "is closed; what you wrote stays readable afterwards."
        )
    if status == RelationshipStatus.CLOSING or program_stage == ProgramStatus.CLOSING:
        return NextStep(
            "Your mentorship is closing: plan a last meeting to look back on what you learned "
            "and decide what comes next.",
            "#meetings",
        )
    if mentorship.meetings_scheduled == 0:
        return NextStep(
            "Schedule your first meeting: the guide suggests meeting within two weeks, to get "
            "to know each other and agree how you will work together.",
            "#meetings",
        )
    if member.leads and mentorship.records_missing:
        return NextStep(
            "Write the record of your last meeting: notes, action items with their dates, and "
            "the next meeting.",
            "#actions",
        )
    if mentorship.next_meeting_at is None:
        return NextStep("Set your next meeting, so that you always have one planned.", "#meetings")
    if mentorship.action_items_open:
        count = mentorship.action_items_open
        return NextStep(
            f"Work on your {count} open action item{'s' if count != 1 else ''} before you meet.",
            "#actions",
        )
    return NextStep("Prepare the agenda of your next meeting together.", "#agenda")


def mentorships_of(membership: Membership) -> QuerySet[Mentorship]:
    """A person's mentorships in their program (newest first), with members, for a chooser."""
    return (
        Mentorship.objects.filter(program_id=membership.program_id, members__membership=membership)
        .select_related("program__organization")
        .prefetch_related(
            Prefetch(
                "members", queryset=MentorshipMember.objects.select_related("membership__user")
            )
        )
        .order_by("-created_at", "-id")
        .distinct()
    )
