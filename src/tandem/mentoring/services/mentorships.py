"""Creating mentorships and moving them through their lifecycle.

A mentorship is created by matching (a published run, an accepted request, a coordinator's
manual pair or a rematch) through :func:`create_pair` / :func:`create_pairs` /
:func:`create_group`; it is ended early by either side or a coordinator, and completed when
its program closes. Every write takes the actor as ``by``, runs in its own transaction,
writes the audit log and tells the people concerned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import EndReason, MemberRole, MentorshipKind, RelationshipStatus
from tandem.mentoring.models import (
    OPEN_STATUSES,
    GroupMember,
    MentoringGroup,
    Mentorship,
    MentorshipMember,
    Relationship,
)
from tandem.mentoring.services.stages import plan_stage_change, start_moment
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify, notify_many
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Program
from tandem.programs.services import change_program_status as change_program_stage


@dataclass(frozen=True)
class PairSpec:
    """A pair to start: who, and what matching said about them."""

    mentee_id: int
    mentor_id: int
    source: str
    score: float | None = None
    contributions: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""


def _coordinators(program: Program) -> list[User]:
    return [
        m.user
        for m in program.memberships.filter(
            role=Role.COORDINATOR, status=MembershipStatus.APPROVED
        ).select_related("user")
    ]


def match_url(program: Program) -> str:
    return program.get_absolute_url() + "match/"


# --- confirming new matches (programs with match_confirmation_days > 0) -------------------


def needs_confirmation(source: str) -> bool:
    """Matches the people did not choose themselves wait for both sides' confirmation. A
    mentee's request that the mentor accepted already has both sides' yes."""
    return source != Relationship.Source.REQUEST


def confirmation_deadline(program: Program, now: dt.datetime) -> dt.datetime | None:
    """When new matches of the program must be confirmed by; None: they start at once."""
    days = program.match_confirmation_days
    return now + dt.timedelta(days=days) if days else None


def ask_to_confirm(mentorships: Sequence[Mentorship]) -> None:
    """Ask every member of new proposed mentorships to confirm (MATCH_TO_CONFIRM), in one
    batch of notifications."""
    if not mentorships:
        return
    program = mentorships[0].program
    members = list(
        MentorshipMember.objects.filter(mentorship__in=list(mentorships)).select_related(
            "membership__user"
        )
    )
    by_mentorship: dict[int, list[MentorshipMember]] = {}
    for member in members:
        by_mentorship.setdefault(member.mentorship_id, []).append(member)
    messages = []
    for mentorship in mentorships:
        places = by_mentorship.get(mentorship.pk, [])
        for place in places:
            others = [p.membership.user for p in places if p.pk != place.pk]
            messages.append(
                Message(
                    recipient=place.membership.user,
                    context={
                        "other": others[0] if others else None,
                        "others": [person.display_name for person in others],
                        "mentorship": mentorship,
                        "confirm_by": mentorship.confirm_by,
                    },
                    url=mentorship.get_absolute_url(),
                )
            )
    notify_many(messages, kind=NotificationKind.MATCH_TO_CONFIRM, program=program)


# --- creating -----------------------------------------------------------------------------


def create_pairs(
    program: Program,
    pairs: Sequence[PairSpec],
    *,
    run: Any = None,
    started_at: dt.datetime | None = None,
    own_mentorships: bool = True,
) -> list[Relationship]:
    """Start active pairs in bulk: their relationships and (unless they join groups) their
    own pair mentorships with both members. The caller holds the locks that make the pairs
    valid (the mentee free, the mentor with room). Pairs published before the program
    starts are together from its first day (:func:`start_moment`)."""
    now = started_at or timezone.now()
    begins = start_moment(program, now)
    confirm_by = confirmation_deadline(program, now)
    proposed = [confirm_by is not None and needs_confirmation(pair.source) for pair in pairs]
    mentorships: list[Mentorship | None] = [None] * len(pairs)
    if own_mentorships:
        mentorships = list(
            Mentorship.objects.bulk_create(
                [
                    Mentorship(
                        program=program,
                        kind=MentorshipKind.PAIR,
                        status=RelationshipStatus.PROPOSED if wait else RelationshipStatus.ACTIVE,
                        started_at=None if wait else begins,
                        confirm_by=confirm_by if wait else None,
                        ends_on=program.ends_on,
                        last_activity_at=now,
                    )
                    for wait in proposed
                ]
            )
        )
        MentorshipMember.objects.bulk_create(
            [
                MentorshipMember(
                    mentorship=mentorship,
                    membership_id=membership_id,
                    role=role,
                    confirmed_at=None if wait else now,
                )
                for mentorship, pair, wait in zip(mentorships, pairs, proposed, strict=True)
                for membership_id, role in (
                    (pair.mentor_id, MemberRole.MENTOR),
                    (pair.mentee_id, MemberRole.MENTEE),
                )
                if mentorship is not None
            ]
        )
        ask_to_confirm(
            [m for m, wait in zip(mentorships, proposed, strict=True) if m is not None and wait]
        )
    return list(
        Relationship.objects.bulk_create(
            [
                Relationship(
                    program=program,
                    mentorship=mentorship,
                    mentor_id=pair.mentor_id,
                    mentee_id=pair.mentee_id,
                    status=RelationshipStatus.PROPOSED if wait else RelationshipStatus.ACTIVE,
                    source=pair.source,
                    run=run,
                    score=pair.score,
                    contributions=pair.contributions,
                    explanation=pair.explanation,
                    started_at=None if wait else begins,
                )
                for mentorship, pair, wait in zip(mentorships, pairs, proposed, strict=True)
            ]
        )
    )


def create_pair(
    program: Program,
    pair: PairSpec,
    *,
    run: Any = None,
    started_at: dt.datetime | None = None,
) -> Relationship:
    """Start one active pair: its relationship and its mentorship."""
    (relationship,) = create_pairs(program, [pair], run=run, started_at=started_at)
    return relationship


def create_group(
    program: Program,
    *,
    name: str,
    facilitator_ids: Sequence[int],
    mentee_ids: Sequence[int],
    run: Any = None,
    fit: float | None = None,
    diversity: float | None = None,
) -> MentoringGroup:
    """A group mentorship: the group record, its members, and the mentees' relationships
    (created by the caller) attached to it."""
    now = timezone.now()
    confirm_by = confirmation_deadline(program, now)
    wait = confirm_by is not None
    mentorship = Mentorship.objects.create(
        program=program,
        kind=MentorshipKind.GROUP,
        status=RelationshipStatus.PROPOSED if wait else RelationshipStatus.ACTIVE,
        name=name,
        started_at=None if wait else start_moment(program, now),
        confirm_by=confirm_by,
        ends_on=program.ends_on,
        last_activity_at=now,
    )
    group = MentoringGroup.objects.create(
        program=program,
        mentorship=mentorship,
        run=run,
        name=name,
        fit=fit,
        diversity=diversity,
        status=mentorship.status,
    )
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, membership_id=m, is_facilitator=True) for m in facilitator_ids]
        + [GroupMember(group=group, membership_id=m) for m in mentee_ids]
    )
    MentorshipMember.objects.bulk_create(
        [
            MentorshipMember(
                mentorship=mentorship,
                membership_id=m,
                role=MemberRole.MENTOR,
                is_facilitator=True,
                confirmed_at=None if wait else now,
            )
            for m in facilitator_ids
        ]
        + [
            MentorshipMember(
                mentorship=mentorship,
                membership_id=m,
                role=MemberRole.MENTEE,
                confirmed_at=None if wait else now,
            )
            for m in mentee_ids
        ]
    )
    Relationship.objects.filter(
        program=program, mentee_id__in=list(mentee_ids), status__in=OPEN_STATUSES
    ).update(mentorship=mentorship)
    if wait:
        ask_to_confirm([mentorship])
    return group


# --- the lifecycle ------------------------------------------------------------------------


def start_relationship(relationship: Relationship, *, by: User) -> Relationship:
    """Proposed → active: the pair starts working together today."""
    with transaction.atomic():
        relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
        if relationship.status != RelationshipStatus.PROPOSED:
            raise ServiceError(
                f"Only a proposed relationship can start; this one is "
                f"{relationship.get_status_display().lower()}."
            )
        now = start_moment(relationship.program, timezone.now())
        relationship.status = RelationshipStatus.ACTIVE
        relationship.started_at = now
        relationship.save(update_fields=["status", "started_at"])
        if relationship.mentorship_id is not None:
            Mentorship.objects.filter(
                pk=relationship.mentorship_id, status=RelationshipStatus.PROPOSED
            ).update(status=RelationshipStatus.ACTIVE, started_at=now)
        record_audit(by, "relationship.started", relationship)
    return relationship


def end_relationship(
    relationship: Relationship, *, by: User, reason: EndReason, note: str = ""
) -> Relationship:
    """End a relationship early (either side or a coordinator); no-fault by default.

    A pair's mentorship ends with it; a group's mentee leaves the group's mentorship. The
    other side and the coordinators are told; the note is for coordinators only.
    """
    reason = EndReason(reason)
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update(of=("self",))
            .select_related("program__organization", "mentor__user", "mentee__user", "mentorship")
            .get(pk=relationship.pk)
        )
        if relationship.status not in OPEN_STATUSES:
            raise ServiceError(
                f"This relationship is already {relationship.get_status_display().lower()}."
            )
        now = timezone.now()
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_at = now
        relationship.ended_by = by
        relationship.end_reason = reason
        relationship.end_note = note.strip()
        relationship.save()
        mentorship = relationship.mentorship
        if mentorship is not None and mentorship.kind == MentorshipKind.PAIR:
            mentorship.status = RelationshipStatus.ENDED_EARLY
            mentorship.ended_at, mentorship.ended_by = now, by
            mentorship.end_reason, mentorship.end_note = reason, note.strip()
            mentorship.save(
                update_fields=["status", "ended_at", "ended_by", "end_reason", "end_note"]
            )
        elif mentorship is not None:
            mentorship.members.filter(membership_id=relationship.mentee_id).delete()
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
    """Active (and closing) → completed for every mentorship, relationship and group of a
    program; at its close. A match still waiting for confirmation never started: it ends
    (ended early, "another reason") rather than staying open in a closed program. Returns how
    many relationships completed."""
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
        Mentorship.objects.filter(
            program=program, status__in=(RelationshipStatus.ACTIVE, RelationshipStatus.CLOSING)
        ).update(status=RelationshipStatus.COMPLETED, ended_at=now, ended_by=by)
        unconfirmed = list(
            Relationship.objects.select_for_update(of=("self",)).filter(
                program=program, status=RelationshipStatus.PROPOSED
            )
        )
        ended = {
            "status": RelationshipStatus.ENDED_EARLY,
            "ended_at": now,
            "ended_by": by,
            "end_reason": EndReason.OTHER,
        }
        Relationship.objects.filter(pk__in=[r.pk for r in unconfirmed]).update(**ended)
        for relationship in unconfirmed:
            record_audit(by, "relationship.withdrawn_unconfirmed", relationship)
        Mentorship.objects.filter(program=program, status=RelationshipStatus.PROPOSED).update(
            **ended
        )
        MentoringGroup.objects.filter(program=program, status=RelationshipStatus.PROPOSED).update(
            status=RelationshipStatus.ENDED_EARLY
        )
    return len(active)


def change_program_status(program: Program, *, to: ProgramStatus, by: User) -> Program:
    """Move a program to another stage; when it closes, its mentorships complete with it
    (one transaction: the program never closes with mentorships still open). What
    :func:`~tandem.mentoring.services.stages.plan_stage_change` refuses (back to draft with
    mentorships under way) is refused here, whoever asks."""
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        plan = plan_stage_change(locked, to=to, by=by)
        if plan.refused:
            raise ServiceError(plan.refused, field="status")
        program = change_program_stage(locked, to=to, by=by)
        if to == ProgramStatus.CLOSED:
            complete_relationships(program, by=by)
    return program
