"""Confirming new matches, in programs that ask for it (``Program.match_confirmation_days``).

A proposed mentorship starts when every member has confirmed. A decline ends it — the
decliner's reason goes to the coordinators only, and the mentee counts as needing a rematch.
In a group, a mentee who declines leaves the group (the others carry on) and a facilitator who
declines ends the group, since it cannot meet without them. Past ``confirm_by`` with members
still silent, the sweep reminds them once and, after :data:`CONFIRM_GRACE`, tells the
coordinators once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import EndReason, MentorshipKind, RelationshipStatus
from tandem.mentoring.models import (
    OPEN_STATUSES,
    GroupMember,
    MentoringGroup,
    Mentorship,
    MentorshipMember,
    Relationship,
)
from tandem.mentoring.services.mentorships import _coordinators
from tandem.mentoring.services.stages import start_moment
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify, notify_many
from tandem.programs.models import Membership

#: How long a decline's reason may be.
DECLINE_NOTE_MAX = 1000
#: After the reminder, how long before the coordinators are told nobody answered.
CONFIRM_GRACE = dt.timedelta(days=2)


def _locked(mentorship: Mentorship) -> tuple[Mentorship, list[MentorshipMember]]:
    mentorship = (
        Mentorship.objects.select_for_update()
        .select_related("program__organization")
        .get(pk=mentorship.pk)
    )
    members = list(
        MentorshipMember.objects.filter(mentorship=mentorship).select_related("membership__user")
    )
    return mentorship, members


def _place(members: Sequence[MentorshipMember], membership: Membership) -> MentorshipMember:
    for member in members:
        if member.membership_id == membership.pk:
            return member
    raise ServiceError("Only the people in this match confirm or decline it.")


def _check_proposed(mentorship: Mentorship) -> None:
    if mentorship.status != RelationshipStatus.PROPOSED:
        raise ServiceError(
            f"This match is {mentorship.get_status_display().lower()}: there is nothing left "
            "to confirm or decline."
        )


def confirm_match(mentorship: Mentorship, *, by: Membership) -> Mentorship:
    """A member says yes. When everyone has, the mentorship starts (MENTORSHIP_STARTED).
    Confirming twice changes nothing."""
    with transaction.atomic():
        mentorship, members = _locked(mentorship)
        member = _place(members, by)
        if member.confirmed_at is not None and mentorship.status != RelationshipStatus.PROPOSED:
            return mentorship
        _check_proposed(mentorship)
        if member.confirmed_at is None:
            member.confirmed_at = timezone.now()
            member.save(update_fields=["confirmed_at"])
            record_audit(by.user, "mentorship.confirmed", mentorship)
        if all(m.confirmed_at is not None for m in members):
            _start(mentorship, members, by=by.user)
    return mentorship


def _start(mentorship: Mentorship, members: Sequence[MentorshipMember], *, by: User) -> None:
    now = timezone.now()
    begins = start_moment(mentorship.program, now)
    mentorship.status = RelationshipStatus.ACTIVE
    mentorship.started_at = begins
    mentorship.last_activity_at = now
    mentorship.save(update_fields=["status", "started_at", "last_activity_at"])
    Relationship.objects.filter(mentorship=mentorship, status=RelationshipStatus.PROPOSED).update(
        status=RelationshipStatus.ACTIVE, started_at=begins
    )
    MentoringGroup.objects.filter(mentorship=mentorship).update(status=RelationshipStatus.ACTIVE)
    record_audit(by, "mentorship.started", mentorship)
    notify_many(
        [
            Message(
                recipient=member.membership.user,
                context={"mentorship": mentorship},
                url=mentorship.get_absolute_url(),
            )
            for member in members
        ],
        kind=NotificationKind.MENTORSHIP_STARTED,
        program=mentorship.program,
    )


def _end_relationships(
    relationships: Sequence[Relationship], *, by: User, note: str, now: dt.datetime
) -> None:
    for relationship in relationships:
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_at, relationship.ended_by = now, by
        relationship.end_reason, relationship.end_note = EndReason.NOT_A_FIT, note
    Relationship.objects.bulk_update(
        relationships, ["status", "ended_at", "ended_by", "end_reason", "end_note"]
    )


def decline_match(mentorship: Mentorship, *, by: Membership, note: str) -> Mentorship:
    """A member says no, with a reason for the coordinators. A pair's match ends; in a group
    a mentee leaves and a facilitator's no ends the group. Declining twice changes nothing."""
    note = note.replace("\r\n", "\n").strip()
    if "\x00" in note:
        raise ServiceError("The reason contains a NUL character; remove it.", field="note")
    if not note:
        raise ServiceError(
            "Say in a few words why this match does not suit you: the coordinator uses it to "
            "find you a better one (nobody else reads it).",
            field="note",
        )
    if len(note) > DECLINE_NOTE_MAX:
        raise ServiceError(
            f"Keep the reason under {DECLINE_NOTE_MAX:,} characters (it has {len(note):,}).",
            field="note",
        )
    with transaction.atomic():
        mentorship, members = _locked(mentorship)
        member = next((m for m in members if m.membership_id == by.pk), None)
        if member is None:
            # A group mentee who declined has left it: a second submit changes nothing.
            if MentorshipMember.objects.filter(mentorship=mentorship).exists() and (
                Relationship.objects.filter(
                    mentorship=mentorship, mentee=by, status=RelationshipStatus.ENDED_EARLY
                ).exists()
            ):
                return mentorship
            raise ServiceError("Only the people in this match confirm or decline it.")
        if member.declined_at is not None:
            return mentorship
        _check_proposed(mentorship)
        now = timezone.now()
        user = by.user
        member.declined_at, member.decline_note = now, note
        member.save(update_fields=["declined_at", "decline_note"])
        ends_all = mentorship.kind == MentorshipKind.PAIR or member.leads
        if ends_all:
            mentorship.status = RelationshipStatus.ENDED_EARLY
            mentorship.ended_at, mentorship.ended_by = now, user
            mentorship.end_reason, mentorship.end_note = EndReason.NOT_A_FIT, note
            mentorship.save(
                update_fields=["status", "ended_at", "ended_by", "end_reason", "end_note"]
            )
            MentoringGroup.objects.filter(mentorship=mentorship).update(
                status=RelationshipStatus.ENDED_EARLY
            )
            ended = list(
                Relationship.objects.select_for_update()
                .filter(mentorship=mentorship, status__in=OPEN_STATUSES)
                .select_related("mentee__user", "mentor__user")
            )
        else:
            ended = list(
                Relationship.objects.select_for_update()
                .filter(mentorship=mentorship, mentee=by, status__in=OPEN_STATUSES)
                .select_related("mentee__user", "mentor__user")
            )
            member.delete()
            GroupMember.objects.filter(group__mentorship=mentorship, membership=by).delete()
            members = [m for m in members if m.pk != member.pk]
        _end_relationships(ended, by=user, note=note, now=now)
        record_audit(
            user,
            "mentorship.declined",
            mentorship,
            changes={"reason": EndReason.NOT_A_FIT, "ended": ends_all},
        )
        others = [m for m in members if m.pk != member.pk]
        program = mentorship.program
        for other in others:
            if ends_all:
                notify(
                    other.membership.user,
                    kind=NotificationKind.RELATIONSHIP_ENDED,
                    program=program,
                    context={"ended_by": user, "reason": EndReason.NOT_A_FIT.label},
                    url=program.get_absolute_url() + "match/",
                )
        first_other = others[0].membership.user if others else None
        mentee = ended[0].mentee.user if ended else None
        for coordinator in _coordinators(program):
            notify(
                coordinator,
                kind=NotificationKind.MATCH_DECLINED,
                program=program,
                context={
                    "declined_by": user,
                    "other": first_other,
                    "mentee": mentee,
                    "mentorship": mentorship,
                    "group_ended": ends_all,
                    "note": note,
                },
                url=program.get_absolute_url() + "relationships/?status=ended_early",
            )
        if not ends_all and members and all(m.confirmed_at is not None for m in members):
            _start(mentorship, members, by=user)
    return mentorship


# --- the sweep ----------------------------------------------------------------------------


def _claim(mentorship_id: int, field: str, now: dt.datetime) -> bool:
    """Take the once-only step (``field`` still empty) with a conditional UPDATE, so that two
    sweeps running at once never both send."""
    return (
        Mentorship.objects.filter(
            pk=mentorship_id, status=RelationshipStatus.PROPOSED, **{f"{field}__isnull": True}
        ).update(**{field: now})
        == 1
    )


def sweep_confirmations(*, now: dt.datetime | None = None) -> int:
    """Past ``confirm_by``: remind the members who have not answered (once); after
    :data:`CONFIRM_GRACE` more, tell the coordinators (once). Returns notifications sent."""
    now = now or timezone.now()
    sent = 0
    overdue = (
        Mentorship.objects.filter(
            status=RelationshipStatus.PROPOSED, confirm_by__lte=now, confirm_reminded_at=None
        )
        .select_related("program__organization")
        .order_by("pk")
    )
    for mentorship in overdue:
        with transaction.atomic():
            if not _claim(mentorship.pk, "confirm_reminded_at", now):
                continue
            members = _members(mentorship)
            silent = _silent(members)
            others = {m.pk: [o.membership.user for o in members if o.pk != m.pk] for m in silent}
            notify_many(
                [
                    Message(
                        recipient=m.membership.user,
                        context={
                            "reminder": True,
                            "mentorship": mentorship,
                            "confirm_by": mentorship.confirm_by,
                            "other": others[m.pk][0] if others[m.pk] else None,
                            "others": [person.display_name for person in others[m.pk]],
                        },
                        url=mentorship.get_absolute_url(),
                    )
                    for m in silent
                ],
                kind=NotificationKind.MATCH_TO_CONFIRM,
                program=mentorship.program,
            )
            sent += len(silent)
    escalate = (
        Mentorship.objects.filter(
            status=RelationshipStatus.PROPOSED,
            confirm_reminded_at__lte=now - CONFIRM_GRACE,
            confirm_escalated_at=None,
        )
        .select_related("program__organization")
        .order_by("pk")
    )
    for mentorship in escalate:
        with transaction.atomic():
            if not _claim(mentorship.pk, "confirm_escalated_at", now):
                continue
            silent = _silent(_members(mentorship))
            if not silent:
                continue
            for coordinator in _coordinators(mentorship.program):
                notify(
                    coordinator,
                    kind=NotificationKind.MATCH_TO_CONFIRM,
                    program=mentorship.program,
                    context={
                        "for_coordinator": True,
                        "mentorship": mentorship,
                        "confirm_by": mentorship.confirm_by,
                        "unanswered": [m.membership.user.display_name for m in silent],
                    },
                    url=mentorship.program.get_absolute_url() + "relationships/?status=proposed",
                )
                sent += 1
    return sent


def _members(mentorship: Mentorship) -> list[MentorshipMember]:
    return list(mentorship.members.select_related("membership__user"))


def _silent(members: Sequence[MentorshipMember]) -> list[MentorshipMember]:
    return [m for m in members if m.confirmed_at is None and m.declined_at is None]
