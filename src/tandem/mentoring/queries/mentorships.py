"""Reads of mentorships, relationships and groups, ready to list without N+1."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch, Q, QuerySet

from tandem.mentoring.models import GroupMember, MentoringGroup, Relationship
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
