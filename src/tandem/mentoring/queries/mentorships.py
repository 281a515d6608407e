"""Reads of mentorships, relationships and groups, ready to list without N+1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from tandem.mentoring.enums import MentorshipKind, RelationshipStatus
from tandem.mentoring.models import (
    LIVE_STATUSES,
    GroupMember,
    Meeting,
    MeetingRecord,
    MentoringGroup,
    Mentorship,
    MentorshipMember,
    Relationship,
)
from tandem.programs.enums import MeetingCadence
from tandem.programs.models import Membership, Program


def program_relationships(program: Program, *, status: str = "") -> QuerySet[Relationship]:
    """Every relationship of a program (newest first), ready to list without N+1."""
    relationships = Relationship.objects.filter(program=program).select_related(
        "mentor__user", "mentee__user", "ended_by"
    )
    if status:
        relationships = relationships.filter(status=status)
    return relationships.order_by("-created_at", "-id")


def relationships_of(membership: Membership) -> QuerySet[Relationship]:
    """A mentor's or a mentee's own relationships (either side), newest first."""
    return (
        Relationship.objects.filter(Q(mentor=membership) | Q(mentee=membership))
        .select_related("mentor__user", "mentee__user", "ended_by")
        .order_by("-created_at", "-id")
    )


def program_groups(program: Program) -> QuerySet[MentoringGroup]:
    """A program's groups with their members (facilitators first), without N+1."""
    return MentoringGroup.objects.filter(program=program).prefetch_related(
        Prefetch(
            "members",
            queryset=GroupMember.objects.select_related("membership__user").order_by(
                "-is_facilitator", "membership__user__full_name", "id"
            ),
        )
    )


def groups_of(membership: Membership) -> QuerySet[MentoringGroup]:
    """The groups a person belongs to (as facilitator or member)."""
    return program_groups(membership.program).filter(members__membership=membership).distinct()


def group_cadence_label(group: MentoringGroup) -> str:
    if group.meeting_cadence:
        return MeetingCadence(group.meeting_cadence).label
    return MeetingCadence(group.program.meeting_cadence).label


def facilitator_ids(group: MentoringGroup) -> set[int]:
    return {m.membership_id for m in group.members.all() if m.is_facilitator}


def split_members(group: MentoringGroup) -> tuple[list[GroupMember], list[GroupMember]]:
    """(facilitators, mentees) from the prefetched members."""
    members: Sequence[GroupMember] = list(group.members.all())
    return [m for m in members if m.is_facilitator], [m for m in members if not m.is_facilitator]


# --- the coordinator's mentorships page -------------------------------------------------
#
# Every figure shown there is stored on the mentorship (``services.activity``), so the list
# sorts, filters and counts 10,000 mentorships in a constant number of queries. Only "expected
# meetings so far" depends on today; it is computed from ``started_at`` and the cadence, in
# Python for display and as a condition on the stored figures for the filter.

#: Days between two meetings at each cadence (monthly counts calendar months).
CADENCE_DAYS = {MeetingCadence.WEEKLY: 7, MeetingCadence.BIWEEKLY: 14}
#: "No meeting in 30 days".
QUIET_DAYS = 30
#: Mentorships a page of the coordinator's list holds.
MENTORSHIPS_PAGE_SIZE = 50


class ListFilter(StrEnum):
    """The named filters of the coordinator's mentorships page."""

    QUIET = "quiet"
    NO_NEXT_MEETING = "no_next_meeting"
    RECORDS_MISSING = "records_missing"
    BEHIND = "behind"

    @property
    def label(self) -> str:
        return LIST_FILTER_LABELS[self]


LIST_FILTER_LABELS = {
    ListFilter.QUIET: f"No meeting in {QUIET_DAYS} days",
    ListFilter.NO_NEXT_MEETING: "No next meeting set",
    ListFilter.RECORDS_MISSING: "Records missing",
    ListFilter.BEHIND: "Behind the cadence",
}

#: Sort keys (the column names of the page and the API) → the stored field they sort by.
SORTS: dict[str, str] = {
    "members": "lead_name",
    "kind": "kind",
    "status": "status",
    "started_at": "started_at",
    "meetings_held": "meetings_held",
    "meetings_scheduled": "meetings_scheduled",
    "last_met_at": "last_met_at",
    "next_meeting_at": "next_meeting_at",
    "records_missing": "records_missing",
    "action_items_open": "action_items_open",
    "action_items_done": "action_items_done",
    "last_activity_at": "last_activity_at",
}
DEFAULT_SORT = "-last_activity_at"


def cadence_of(mentorship: Mentorship) -> MeetingCadence:
    """A group's own cadence if it has one, else the program's."""
    group = getattr(mentorship, "group", None)
    if group is not None and group.meeting_cadence:
        return MeetingCadence(group.meeting_cadence)
    return MeetingCadence(mentorship.program.meeting_cadence)


def _cadence_cutoff(cadence: str, now: dt.datetime, periods: int) -> dt.datetime:
    """The latest start from which ``periods`` meetings are expected by ``now``."""
    if cadence == MeetingCadence.MONTHLY:
        return now - relativedelta(months=periods)
    return now - dt.timedelta(days=CADENCE_DAYS[MeetingCadence(cadence)] * periods)


def expected_meetings(
    started_at: dt.datetime | None, cadence: str, *, now: dt.datetime | None = None
) -> int:
    """Meetings expected between the start and ``now`` at the cadence: one per full period
    (so a pair is "behind" only once a whole period passed without its meeting)."""
    if started_at is None:
        return 0
    now = now or timezone.now()
    if started_at > now:
        return 0
    if cadence == MeetingCadence.MONTHLY:
        span = relativedelta(now, started_at)
        periods = span.years * 12 + span.months
    else:
        periods = (now - started_at).days // CADENCE_DAYS[MeetingCadence(cadence)]
    while periods > 0 and started_at > _cadence_cutoff(cadence, now, periods):
        periods -= 1
    while started_at <= _cadence_cutoff(cadence, now, periods + 1):
        periods += 1
    return periods


def _cadence_q(cadence: str, program: Program) -> Q:
    own = Q(group__meeting_cadence=cadence)
    if program.meeting_cadence == cadence:
        own |= Q(group__isnull=True) | Q(group__meeting_cadence="")
    return own


@dataclass(frozen=True)
class LiveSpan:
    """What the "behind the cadence" condition needs to know about a program's live
    mentorships: the oldest start and the cadences in use (the program's, and groups' own)."""

    oldest_start: dt.datetime | None
    cadences: frozenset[str]


def live_span(program: Program) -> LiveSpan:
    """One query: the oldest live start and which cadences groups set for themselves."""
    live = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES)
    figures = live.aggregate(
        oldest=Min("started_at"),
        **{
            f"own_{cadence.value}": Count("id", filter=Q(group__meeting_cadence=cadence))
            for cadence in MeetingCadence
        },
    )
    cadences = {program.meeting_cadence} | {
        cadence.value for cadence in MeetingCadence if figures[f"own_{cadence.value}"]
    }
    return LiveSpan(oldest_start=figures["oldest"], cadences=frozenset(cadences))


def behind_q(program: Program, *, now: dt.datetime, span: LiveSpan) -> Q:
    """Live mentorships that held fewer meetings than their cadence expects by ``now``:
    held = h and started at or before the cutoff of h + 1 periods, for every h that can
    occur (up to what the oldest start expects) and every cadence in use."""
    condition = Q(pk__in=[])
    if span.oldest_start is None:
        return condition
    for cadence in MeetingCadence:
        if cadence not in span.cadences:
            continue
        most = expected_meetings(span.oldest_start, cadence, now=now)
        for held in range(most):
            condition |= (
                _cadence_q(cadence, program)
                & Q(meetings_held=held)
                & Q(started_at__lte=_cadence_cutoff(cadence, now, held + 1))
            )
    return Q(status__in=LIVE_STATUSES, started_at__isnull=False) & condition


def list_filter_q(name: ListFilter, program: Program, *, now: dt.datetime, span: LiveSpan) -> Q:
    live = Q(status__in=LIVE_STATUSES)
    if name == ListFilter.QUIET:
        quiet_since = now - dt.timedelta(days=QUIET_DAYS)
        return (
            live
            & Q(started_at__lte=quiet_since)
            & (Q(last_met_at__isnull=True) | Q(last_met_at__lt=quiet_since))
        )
    if name == ListFilter.NO_NEXT_MEETING:
        return live & Q(next_meeting_at__isnull=True)
    if name == ListFilter.RECORDS_MISSING:
        return Q(records_missing__gt=0)
    return behind_q(program, now=now, span=span)


@dataclass(frozen=True)
class MentorshipListQuery:
    """What the coordinator asked the list for (already validated)."""

    status: str = ""
    kind: str = ""
    show: ListFilter | None = None
    search: str = ""
    sort: str = DEFAULT_SORT


@dataclass
class MentorshipList:
    """The filtered, sorted mentorships (a lazy queryset to paginate) and the counts of the
    whole program per status, kind and named filter."""

    mentorships: QuerySet[Mentorship]
    counts: dict[str, int]
    now: dt.datetime


def sort_ordering(sort: str) -> list[str]:
    """The ORDER BY for a sort key (``-`` for descending); empty values sort last either way,
    and the id breaks ties so pages never overlap."""
    descending = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), SORTS[DEFAULT_SORT.lstrip("-")])
    if sort.lstrip("-") not in SORTS:
        descending = DEFAULT_SORT.startswith("-")
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return [expression, "-id" if descending else "id"]  # type: ignore[list-item]  # order_by takes both


def program_mentorships(
    program: Program, request: MentorshipListQuery, *, now: dt.datetime | None = None
) -> MentorshipList:
    """Every mentorship of a program (pairs and groups) for its coordinators, with their
    members (one prefetch), filtered, searched and sorted on the stored figures."""
    now = now or timezone.now()
    span = live_span(program)
    everything = Mentorship.objects.filter(program=program)
    counters: dict[str, Any] = {"all": Count("id")}
    for status in RelationshipStatus:
        counters[f"status:{status.value}"] = Count("id", filter=Q(status=status))
    for kind in MentorshipKind:
        counters[f"kind:{kind.value}"] = Count("id", filter=Q(kind=kind))
    for named in ListFilter:
        counters[f"show:{named.value}"] = Count(
            "id", filter=list_filter_q(named, program, now=now, span=span)
        )
    counts = everything.aggregate(**counters)
    lead_name = (
        MentorshipMember.objects.filter(mentorship=OuterRef("pk"))
        .order_by("-is_facilitator", "-role", "id")
        .values("membership__user__full_name")[:1]
    )
    mentorships = everything.select_related("program", "group").annotate(
        lead_name=Subquery(lead_name)
    )
    if request.status:
        mentorships = mentorships.filter(status=request.status)
    if request.kind:
        mentorships = mentorships.filter(kind=request.kind)
    if request.show is not None:
        mentorships = mentorships.filter(list_filter_q(request.show, program, now=now, span=span))
    if request.search:
        mentorships = mentorships.filter(
            Exists(
                MentorshipMember.objects.filter(
                    mentorship=OuterRef("pk"),
                    membership__user__full_name__icontains=request.search,
                )
            )
            | Q(name__icontains=request.search)
        )
    mentorships = mentorships.order_by(*sort_ordering(request.sort)).prefetch_related(
        Prefetch(
            "members",
            queryset=MentorshipMember.objects.select_related("membership__user").order_by(
                "-is_facilitator", "-role", "membership__user__full_name", "id"
            ),
        )
    )
    return MentorshipList(mentorships=mentorships, counts=counts, now=now)


def overview_meetings(mentorship: Mentorship) -> QuerySet[Meeting]:
    """A mentorship's meetings for its coordinators: dates and statuses, and whether a record
    exists — the columns only, never the agenda, the record's text or the attendees' notes."""
    return (
        Meeting.objects.filter(mentorship=mentorship)
        .annotate(has_record=Exists(MeetingRecord.objects.filter(meeting=OuterRef("pk"))))
        .only("id", "start", "duration_minutes", "status", "logged", "timezone", "mentorship_id")
        .order_by("-start", "-id")
    )
