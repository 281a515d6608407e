"""Relationships after matching: the lifecycle (proposed → active → completed / ended early),
ending early (no-fault), rematching the person left, manual pairs, and groups after publishing.

Every write here takes the actor as ``by``, runs in its own transaction, writes the audit log
and tells the people concerned through :func:`tandem.notifications.services.notify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.matches.enums import EndReason, PairRuleKind, RelationshipStatus
from tandem.matches.models import (
    OPEN_STATUSES,
    GroupMember,
    MentoringGroup,
    PairRule,
    Relationship,
)
from tandem.matches.problem import (
    build_problem,
    install_default_criteria,
    mentor_capacity,
)
from tandem.matches.services import (
    create_active_relationship,
    introduce_pairs,
    open_relationship_counts,
    score_pair,
    unmatched_people,
)
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import MeetingCadence, MembershipStatus, Role
from tandem.programs.models import Membership, Program

#: How long a group's shared-space description may be.
GROUP_DESCRIPTION_MAX = 2000


# --- reads --------------------------------------------------------------------------------


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


def mentees_without_mentor(program: Program) -> list[Membership]:
    """Approved mentees with no open relationship: who a coordinator can pair by hand."""
    matched, _ = open_relationship_counts(program)
    return list(
        program.memberships.filter(role=Role.MENTEE, status=MembershipStatus.APPROVED)
        .exclude(pk__in=matched)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def mentors_with_places(program: Program) -> list[tuple[Membership, int]]:
    """Approved mentors and how many places they have left, only those with one."""
    _, per_mentor = open_relationship_counts(program)
    mentors = (
        program.memberships.filter(role=Role.MENTOR, status=MembershipStatus.APPROVED)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    result = []
    for mentor in mentors:
        free = mentor_capacity(mentor) - per_mentor[mentor.pk]
        if free > 0:
            result.append((mentor, free))
    return result


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


# --- the lifecycle ------------------------------------------------------------------------


def _coordinators(program: Program) -> list[User]:
    return [
        m.user
        for m in program.memberships.filter(
            role=Role.COORDINATOR, status=MembershipStatus.APPROVED
        ).select_related("user")
    ]


def match_url(program: Program) -> str:
    return program.get_absolute_url() + "match/"


def start_relationship(relationship: Relationship, *, by: User) -> Relationship:
    """Proposed → active: the pair starts working together today."""
    with transaction.atomic():
        relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
        if relationship.status != RelationshipStatus.PROPOSED:
            raise ServiceError(
                f"Only a proposed relationship can start; this one is "
                f"{relationship.get_status_display().lower()}."
            )
        relationship.status = RelationshipStatus.ACTIVE
        relationship.started_at = timezone.now()
        relationship.save(update_fields=["status", "started_at"])
        record_audit(by, "relationship.started", relationship)
    return relationship


def end_relationship(
    relationship: Relationship, *, by: User, reason: EndReason, note: str = ""
) -> Relationship:
    """End a relationship early (either side or a coordinator); no-fault by default.

    The other side and the coordinators are told; the note is for coordinators only.
    """
    reason = EndReason(reason)
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update(of=("self",))
            .select_related("program__organization", "mentor__user", "mentee__user")
            .get(pk=relationship.pk)
        )
        if relationship.status not in OPEN_STATUSES:
            raise ServiceError(
                f"This relationship is already {relationship.get_status_display().lower()}."
            )
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_at = timezone.now()
        relationship.ended_by = by
        relationship.end_reason = reason
        relationship.end_note = note.strip()
        relationship.save()
        record_audit(by, "relationship.ended_early", relationship, changes={"reason": reason})
        program = relationship.program
        for person in (relationship.mentor.user, relationship.mentee.user):
            if person != by:
                notify(
                    person,
                    kind=NotificationKind.RELATIONSHIP_ENDED,
                    program=program,
                    context={"ended_by": by, "reason": reason.label},
                    url=match_url(program),
                )
        for coordinator in _coordinators(program):
            if coordinator != by:
                notify(
                    coordinator,
                    kind=NotificationKind.RELATIONSHIP_ENDED,
                    program=program,
                    context={"ended_by": by, "reason": reason.label, "pair": relationship},
                    url=program.get_absolute_url() + f"relationships/{relationship.pk}/rematch/",
                )
    return relationship


def complete_relationships(program: Program, *, by: User) -> int:
    """Active → completed for every relationship (and group) of a program; at its close."""
    with transaction.atomic():
        now = timezone.now()
        active = list(
            Relationship.objects.select_for_update(of=("self",))
            .filter(program=program, status=RelationshipStatus.ACTIVE)
            .select_related("mentor__user", "mentee__user")
        )
        for relationship in active:
            relationship.status = RelationshipStatus.COMPLETED
            relationship.ended_at = now
            relationship.ended_by = by
        Relationship.objects.bulk_update(active, ["status", "ended_at", "ended_by"])
        for relationship in active:
            record_audit(by, "relationship.completed", relationship)
        groups = list(
            MentoringGroup.objects.filter(program=program, status=RelationshipStatus.ACTIVE)
        )
        for group in groups:
            group.status = RelationshipStatus.COMPLETED
            group.save(update_fields=["status"])
            record_audit(by, "group.completed", group)
    return len(active)


# --- rematch and manual pairs -------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A mentor with a free place for a mentee, with the live score and reasons."""

    mentor: Membership
    free_places: int
    score: float
    explanation: str
    reasons: tuple[str, ...]


def rematch_suggestions(relationship: Relationship, *, limit: int = 5) -> list[matching.PairScore]:
    """Mentors with a free place for the mentee left behind, best first, never a past partner."""
    program = relationship.program
    install_default_criteria(program)
    mentee = relationship.mentee
    _, candidates, free = unmatched_people(program)
    if not candidates:
        return []
    pool = build_problem(program, mentees=[mentee], mentors=candidates, free_capacity=free)
    suggestions = matching.Matcher(pool.problem).suggest(str(mentee.pk), limit=limit + 5)
    past = {str(b) for a, b in pool.problem.past}
    return [s for s in suggestions if s.feasible and s.mentor_id not in past][:limit]


def rematch_options(relationship: Relationship, *, limit: int = 5) -> list[Suggestion]:
    """:func:`rematch_suggestions` with the mentors loaded, for pages and the API."""
    scores = rematch_suggestions(relationship, limit=limit)
    mentors = {
        m.pk: m
        for m in Membership.objects.filter(
            pk__in=[int(s.mentor_id) for s in scores]
        ).select_related("user")
    }
    _, per_mentor = open_relationship_counts(relationship.program)
    return [
        Suggestion(
            mentor=mentors[int(s.mentor_id)],
            free_places=mentor_capacity(mentors[int(s.mentor_id)]) - per_mentor[int(s.mentor_id)],
            score=s.score,
            explanation=s.explanation,
            reasons=tuple(s.reasons),
        )
        for s in scores
        if int(s.mentor_id) in mentors
    ]


def needs_rematch(relationship: Relationship, open_mentees: set[int]) -> bool:
    """Ended early and its mentee has no open relationship now."""
    return (
        relationship.status == RelationshipStatus.ENDED_EARLY
        and relationship.mentee_id not in open_mentees
    )


def _introduce(relationship: Relationship) -> None:
    introduce_pairs(
        relationship.program,
        [(relationship.mentee, relationship.mentor, relationship.explanation)],
    )


def create_relationship(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    by: User,
    source: Relationship.Source = Relationship.Source.MANUAL,
) -> Relationship:
    """Pair a mentee with a mentor now (a rematch or a coordinator's manual pair).

    Refused when the mentee already has an open relationship, the two were paired before
    (in any program of the organization), the pair is forbidden, or the mentor is full — the
    mentor's row is locked while their open relationships are counted, so two coordinators
    cannot fill the same last place.
    """
    if source not in (Relationship.Source.MANUAL, Relationship.Source.REMATCH):
        raise ServiceError("A new relationship is either a rematch or a manual pair.")
    with transaction.atomic():
        locked = {
            m.pk: m
            for m in Membership.objects.select_for_update()
            .filter(pk__in=[mentee.pk, mentor.pk], program=program)
            .order_by("pk")
        }
        mentee_row, mentor_row = locked.get(mentee.pk), locked.get(mentor.pk)
        if mentee_row is None or mentee_row.role != Role.MENTEE:
            raise ServiceError("Pick a mentee of this program.", field="mentee")
        if mentor_row is None or mentor_row.role != Role.MENTOR:
            raise ServiceError("Pick a mentor of this program.", field="mentor")
        mentee, mentor = mentee_row, mentor_row
        for person, field in ((mentee, "mentee"), (mentor, "mentor")):
            if person.status != MembershipStatus.APPROVED:
                raise ServiceError(
                    f"{person.user.display_name} is {person.get_status_display().lower()}, "
                    "not approved.",
                    field=field,
                )
        current = (
            Relationship.objects.filter(mentee=mentee, status__in=OPEN_STATUSES)
            .select_related("mentor__user")
            .first()
        )
        if current is not None:
            raise ServiceError(
                f"{mentee.user.display_name} already has a mentor "
                f"({current.mentor.user.display_name}): end that relationship first.",
                field="mentee",
            )
        repeat = Relationship.objects.filter(
            program__organization_id=program.organization_id,
            mentee__user_id=mentee.user_id,
            mentor__user_id=mentor.user_id,
        ).exclude(status=RelationshipStatus.PROPOSED)
        if repeat.exists():
            raise ServiceError(
                f"{mentee.user.display_name} and {mentor.user.display_name} were paired "
                "before: pairs are never repeated.",
                field="mentor",
            )
        if PairRule.objects.filter(mentee=mentee, mentor=mentor, kind=PairRuleKind.FORBID).exists():
            raise ServiceError(
                "A coordinator forbade this pair: remove the rule first.", field="mentor"
            )
        taken = Relationship.objects.filter(mentor=mentor, status__in=OPEN_STATUSES).count()
        capacity = mentor_capacity(mentor)
        if taken >= capacity:
            raise ServiceError(
                f"{mentor.user.display_name} has no place left ({taken} of {capacity} "
                f"place{'s' if capacity != 1 else ''} taken).",
                field="mentor",
            )
        relationship = create_active_relationship(
            program,
            mentee=mentee,
            mentor=mentor,
            source=source,
            pair_score=score_pair(program, mentee=mentee, mentor=mentor),
        )
        record_audit(
            by,
            f"relationship.created_{source}",
            relationship,
            changes={
                "mentee": mentee.pk,
                "mentor": mentor.pk,
                "score": round(relationship.score or 0.0, 3),
            },
        )
        _introduce(relationship)
    return relationship


# --- groups -------------------------------------------------------------------------------


def introduce_group(group: MentoringGroup) -> None:
    """Tell each member of a new group who is in it (GROUP_INTRODUCTION)."""
    members = list(group.members.select_related("membership__user"))
    facilitators = [m.membership.user.display_name for m in members if m.is_facilitator]
    url = group.program.get_absolute_url() + f"groups/{group.pk}/"
    for place in members:
        notify(
            place.membership.user,
            kind=NotificationKind.GROUP_INTRODUCTION,
            program=group.program,
            context={
                "group": group,
                "facilitators": facilitators,
                "members": [
                    m.membership.user.display_name
                    for m in members
                    if not m.is_facilitator and m.pk != place.pk
                ],
            },
            url=url,
        )


def update_group_space(
    group: MentoringGroup, *, by: User, description: str, meeting_cadence: str = ""
) -> MentoringGroup:
    """A facilitator (or coordinator) writes what the group is about and how often it meets."""
    description = description.strip()
    if len(description) > GROUP_DESCRIPTION_MAX:
        raise ServiceError(
            f"Keep the description under {GROUP_DESCRIPTION_MAX} characters "
            f"(it has {len(description)}).",
            field="description",
        )
    if meeting_cadence and meeting_cadence not in MeetingCadence.values:
        raise ServiceError(
            f"“{meeting_cadence}” is not a meeting rhythm: choose weekly, every two weeks or "
            "monthly.",
            field="meeting_cadence",
        )
    with transaction.atomic():
        group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
        group.description = description
        group.meeting_cadence = meeting_cadence
        group.save(update_fields=["description", "meeting_cadence"])
        record_audit(
            by,
            "group.space_updated",
            group,
            changes={"meeting_cadence": meeting_cadence, "description_length": len(description)},
        )
    return group


def _lead_facilitator(group: MentoringGroup) -> GroupMember | None:
    return group.members.filter(is_facilitator=True).order_by("id").first()


def move_group_member(
    group: MentoringGroup, *, mentee: Membership, to: MentoringGroup, by: User
) -> GroupMember:
    """Move a mentee from ``group`` to another group of the same program.

    The mentee's open relationship with the old group's facilitator follows them to the new
    group's first facilitator, so mentors' capacities stay true.
    """
    if to.pk == group.pk:
        raise ServiceError(f"{mentee.user.display_name} is already in {group.name}.", field="to")
    if to.program_id != group.program_id:
        raise ServiceError("Pick a group of this program.", field="to")
    with transaction.atomic():
        place = (
            GroupMember.objects.select_for_update()
            .filter(group=group, membership=mentee, is_facilitator=False)
            .first()
        )
        if place is None:
            raise ServiceError(
                f"{mentee.user.display_name} is not a member of {group.name}.", field="mentee"
            )
        if GroupMember.objects.filter(group=to, membership=mentee).exists():
            raise ServiceError(f"{mentee.user.display_name} is already in {to.name}.", field="to")
        old_facilitators = list(
            group.members.filter(is_facilitator=True).values_list("membership_id", flat=True)
        )
        new_lead = _lead_facilitator(to)
        place.group = to
        place.save(update_fields=["group"])
        if new_lead is not None:
            Relationship.objects.filter(
                mentee=mentee, mentor_id__in=old_facilitators, status__in=OPEN_STATUSES
            ).exclude(mentor_id=new_lead.membership_id).update(mentor_id=new_lead.membership_id)
        record_audit(
            by,
            "group.member_moved",
            to,
            changes={"mentee": mentee.pk, "from": group.pk, "to": to.pk},
        )
    return place


def add_facilitator(group: MentoringGroup, *, mentor: Membership, by: User) -> GroupMember:
    if mentor.program_id != group.program_id or mentor.role != Role.MENTOR:
        raise ServiceError("Pick a mentor of this program.", field="mentor")
    if mentor.status != MembershipStatus.APPROVED:
        raise ServiceError(f"{mentor.user.display_name} is not approved.", field="mentor")
    with transaction.atomic():
        place, created = GroupMember.objects.get_or_create(
            group=group, membership=mentor, defaults={"is_facilitator": True}
        )
        if not created:
            if place.is_facilitator:
                raise ServiceError(
                    f"{mentor.user.display_name} already facilitates {group.name}.",
                    field="mentor",
                )
            place.is_facilitator = True
            place.save(update_fields=["is_facilitator"])
        record_audit(by, "group.facilitator_added", group, changes={"mentor": mentor.pk})
    return place


def remove_facilitator(group: MentoringGroup, *, mentor: Membership, by: User) -> None:
    """Take a facilitator out of a group; their mentees' relationships pass to another one."""
    with transaction.atomic():
        facilitators = list(
            GroupMember.objects.select_for_update()
            .filter(group=group, is_facilitator=True)
            .order_by("id")
        )
        place = next((f for f in facilitators if f.membership_id == mentor.pk), None)
        if place is None:
            raise ServiceError(
                f"{mentor.user.display_name} does not facilitate {group.name}.", field="mentor"
            )
        others = [f for f in facilitators if f.pk != place.pk]
        if not others:
            raise ServiceError(
                f"{group.name} needs at least one facilitator: add another before removing "
                f"{mentor.user.display_name}.",
                field="mentor",
            )
        mentee_ids = group.members.filter(is_facilitator=False).values_list(
            "membership_id", flat=True
        )
        Relationship.objects.filter(
            mentor=mentor, mentee_id__in=list(mentee_ids), status__in=OPEN_STATUSES
        ).update(mentor_id=others[0].membership_id)
        place.delete()
        record_audit(by, "group.facilitator_removed", group, changes={"mentor": mentor.pk})


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
