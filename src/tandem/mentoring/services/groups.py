"""Groups after publishing: their shared space, moving mentees between groups, and the
facilitators. The group's mentorship keeps the same members as the group.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import (
    OPEN_STATUSES,
    GroupMember,
    MentoringGroup,
    MentorshipMember,
    Relationship,
)
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import MeetingCadence, MembershipStatus, Role
from tandem.programs.models import Membership

#: How long a group's shared-space description may be.
GROUP_DESCRIPTION_MAX = 2000


def introduce_group(group: MentoringGroup) -> None:
    """Tell each member of a new group who is in it (GROUP_INTRODUCTION)."""
    members = list(group.members.select_related("membership__user"))
    url = group.program.get_absolute_url() + f"groups/{group.pk}/"
    for place in members:
        notify(
            place.membership.user,
            kind=NotificationKind.GROUP_INTRODUCTION,
            program=group.program,
            context={
                "group": group,
                # Said to the reader: "you facilitate it with …" or "… facilitate your meetings".
                "you_facilitate": place.is_facilitator,
                "facilitators": [
                    m.membership.user.display_name
                    for m in members
                    if m.is_facilitator and m.pk != place.pk
                ],
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
        MentorshipMember.objects.filter(mentorship__group=group, membership=mentee).delete()
        if to.mentorship_id is not None:
            MentorshipMember.objects.get_or_create(
                mentorship_id=to.mentorship_id,
                membership=mentee,
                defaults={"role": MemberRole.MENTEE, "confirmed_at": timezone.now()},
            )
        if new_lead is not None:
            Relationship.objects.filter(
                mentee=mentee, mentor_id__in=old_facilitators, status__in=OPEN_STATUSES
            ).exclude(mentor_id=new_lead.membership_id).update(mentor_id=new_lead.membership_id)
        Relationship.objects.filter(mentee=mentee, status__in=OPEN_STATUSES).update(
            mentorship_id=to.mentorship_id
        )
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
        if group.mentorship_id is not None:
            MentorshipMember.objects.update_or_create(
                mentorship_id=group.mentorship_id,
                membership=mentor,
                defaults={
                    "role": MemberRole.MENTOR,
                    "is_facilitator": True,
                    "confirmed_at": timezone.now(),
                },
            )
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
        MentorshipMember.objects.filter(mentorship__group=group, membership=mentor).delete()
        record_audit(by, "group.facilitator_removed", group, changes={"mentor": mentor.pk})
