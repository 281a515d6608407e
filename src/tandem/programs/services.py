"""Every write about organizations, programs, objectives, memberships and invitations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import (
    PROGRAM_TRANSITIONS,
    MembershipStatus,
    OrganizationRole,
    ProgramStatus,
    Role,
)
from tandem.programs.models import (
    Invitation,
    Membership,
    Objective,
    Organization,
    OrganizationMembership,
    Program,
)

#: Program fields a coordinator may edit through :func:`update_program`.
EDITABLE_PROGRAM_FIELDS = (
    "name",
    "description",
    "program_type",
    "starts_on",
    "ends_on",
    "meeting_cadence",
    "matching_mode",
    "max_choices",
    "match_confirmation_days",
    "enrolment_access",
    "early_publishing",
)

#: Status changes after which every approved participant hears about it.
ANNOUNCED_STATUSES = {ProgramStatus.ACTIVE, ProgramStatus.CLOSING, ProgramStatus.CLOSED}


def unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:50] or "program"
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def create_organization(*, name: str, by: User, slug: str = "") -> Organization:
    """Create an organization; its creator becomes its first administrator."""
    with transaction.atomic():
        slug = slug or unique_slug(name, set(Organization.objects.values_list("slug", flat=True)))
        if Organization.objects.filter(slug=slug).exists():
            raise ServiceError(f"The address “{slug}” is already taken.", field="slug")
        organization = Organization.objects.create(name=name, slug=slug)
        OrganizationMembership.objects.create(
            organization=organization, user=by, role=OrganizationRole.ADMIN
        )
        record_audit(by, "organization.created", organization, changes={"name": name})
    return organization


def add_organization_admin(organization: Organization, *, user: User, by: User) -> None:
    with transaction.atomic():
        _, created = OrganizationMembership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": OrganizationRole.ADMIN}
        )
        if created:
            record_audit(by, "organization.admin_added", organization, changes={"user": user.email})


def _check_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on <= starts_on:
        raise ServiceError("The end date must be after the start date.", field="ends_on")


def create_program(
    organization: Organization,
    *,
    by: User,
    name: str,
    coordinator: User | None = None,
    **fields: Any,
) -> Program:
    """Create a draft program; ``coordinator`` (default: the creator) coordinates it.

    The program has no profile questions yet: the pages and the API create programs through
    :func:`tandem.enrolment.services.programs.create_program`, which adds the starter set.
    """
    unknown = set(fields) - set(EDITABLE_PROGRAM_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown program field: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        taken = set(organization.programs.values_list("slug", flat=True))
        program = Program(organization=organization, name=name, slug=unique_slug(name, taken))
        for field, value in fields.items():
            setattr(program, field, value)
        if not fields.get("ends_on"):
            program.ends_on = program.starts_on + dt.timedelta(days=182)
        _check_dates(program.starts_on, program.ends_on)
        program.save()
        Membership.objects.create(
            program=program,
            user=coordinator or by,
            role=Role.COORDINATOR,
            status=MembershipStatus.APPROVED,
        )
        record_audit(by, "program.created", program, changes={"name": name})
    return program


def update_program(program: Program, *, by: User, **changes: Any) -> Program:
    unknown = set(changes) - set(EDITABLE_PROGRAM_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown program field: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        diff: dict[str, list[str]] = {}
        for field, value in changes.items():
            old = getattr(program, field)
            if old != value:
                diff[field] = [str(old), str(value)]
                setattr(program, field, value)
        _check_dates(program.starts_on, program.ends_on)
        if diff:
            program.save()
            record_audit(by, "program.updated", program, changes=diff)
    return program


def change_program_status(program: Program, *, to: ProgramStatus, by: User) -> Program:
    """Move a program along its lifecycle; only the transitions in PROGRAM_TRANSITIONS exist."""
    to = ProgramStatus(to)
    with transaction.atomic():
        program = (
            Program.objects.select_for_update().select_related("organization").get(pk=program.pk)
        )
        current = ProgramStatus(program.status)
        if to not in PROGRAM_TRANSITIONS[current]:
            allowed = ", ".join(status.label for status in PROGRAM_TRANSITIONS[current]) or "none"
            raise ServiceError(
                f"A {current.label.lower()} program cannot become {to.label.lower()} "
                f"(possible next stages: {allowed}).",
                field="status",
            )
        program.status = to
        program.save(update_fields=["status", "updated_at"])
        record_audit(by, "program.status_changed", program, changes={"status": [current, to]})
        if to in ANNOUNCED_STATUSES:
            members = program.memberships.approved().select_related("user").exclude(user=by)
            for membership in members:
                notify(
                    membership.user,
                    kind=NotificationKind.PROGRAM_STATUS,
                    program=program,
                    context={"status": to.label, "role": membership.get_role_display()},
                    url=program.get_absolute_url(),
                )
    return program


def add_objective(program: Program, *, by: User, **fields: Any) -> Objective:
    with transaction.atomic():
        position = program.objectives.count()
        objective = Objective.objects.create(program=program, position=position, **fields)
        record_audit(by, "objective.added", objective, changes={"statement": objective.statement})
    return objective


def update_objective(objective: Objective, *, by: User, **fields: Any) -> Objective:
    with transaction.atomic():
        for field, value in fields.items():
            setattr(objective, field, value)
        objective.save()
        record_audit(by, "objective.updated", objective, changes={"fields": sorted(fields)})
    return objective


def remove_objective(objective: Objective, *, by: User) -> None:
    with transaction.atomic():
        record_audit(by, "objective.removed", objective, changes={"statement": objective.statement})
        objective.delete()


def add_member(
    program: Program,
    *,
    user: User,
    role: Role,
    by: User | None,
    status: MembershipStatus = MembershipStatus.APPROVED,
    answers: dict[str, Any] | None = None,
) -> Membership:
    """Give a person a place in a program (used by invitations, imports and admins)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    program=program, user=user, role=role, status=status, answers=answers or {}
                )
        except IntegrityError:
            raise ServiceError(
                f"{user.email} already has a place in {program.name}.", field="email"
            ) from None
        record_audit(by, "membership.added", membership, changes={"role": role, "status": status})
        if status == MembershipStatus.APPROVED:
            notify(
                user,
                kind=NotificationKind.WELCOME,
                program=program,
                context={"role": membership.get_role_display()},
                url=program.get_absolute_url(),
            )
    return membership


def change_membership(
    membership: Membership,
    *,
    by: User,
    role: Role | None = None,
    status: MembershipStatus | None = None,
) -> Membership:
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("program__organization", "user")
            .get(pk=membership.pk)
        )
        diff: dict[str, list[str]] = {}
        if role is not None and role != membership.role:
            if membership.role == Role.COORDINATOR and _is_last_coordinator(membership):
                raise ServiceError(
                    "This is the program's only coordinator: add another one first.", field="role"
                )
            diff["role"] = [membership.role, role]
            membership.role = role
        if status is not None and status != membership.status:
            if (
                membership.role == Role.COORDINATOR
                and status != MembershipStatus.APPROVED
                and _is_last_coordinator(membership)
            ):
                raise ServiceError(
                    "This is the program's only coordinator: add another one first.",
                    field="status",
                )
            diff["status"] = [membership.status, status]
            membership.status = status
        if not diff:
            return membership
        # Role and status feed the stored readiness, which the enrolment layer (above this
        # one) recomputes before its pages read it.
        membership.readiness_checked_at = None
        membership.save()
        record_audit(by, "membership.changed", membership, changes=diff)
        if membership.user != by:
            notify(
                membership.user,
                kind=NotificationKind.MEMBERSHIP_CHANGED,
                program=membership.program,
                context={
                    "role": membership.get_role_display(),
                    "status": membership.get_status_display(),
                },
                url=membership.program.get_absolute_url(),
            )
    return membership


def _is_last_coordinator(membership: Membership) -> bool:
    return not (
        Membership.objects.filter(
            program_id=membership.program_id,
            role=Role.COORDINATOR,
            status=MembershipStatus.APPROVED,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def invite_person(
    program: Program, *, email: str, role: Role, by: User, message: str = ""
) -> Invitation:
    """Invite someone by e-mail. Inviting again while an invitation is pending resends it."""
    email = email.strip().lower()
    with transaction.atomic():
        if Membership.objects.filter(program=program, user__email__iexact=email).exists():
            raise ServiceError(f"{email} already has a place in {program.name}.", field="email")
        invitation = (
            Invitation.objects.select_for_update()
            .pending()
            .filter(program=program, email__iexact=email)
            .first()
        )
        if invitation is None:
            invitation = Invitation.objects.create(
                program=program,
                email=email,
                role=role,
                message=message,
                invited_by=by,
                expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
            )
            record_audit(by, "invitation.created", invitation, changes={"role": role})
        else:
            invitation.role = role
            invitation.message = message or invitation.message
            invitation.save(update_fields=["role", "message"])
        _send_invitation(invitation)
    return invitation


def resend_invitation(invitation: Invitation, *, by: User) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise ServiceError(f"This invitation was {invitation.state}; it cannot be sent again.")
        invitation.expires_at = timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save(update_fields=["expires_at"])
        record_audit(by, "invitation.resent", invitation)
        _send_invitation(invitation)
    return invitation


def revoke_invitation(invitation: Invitation, *, by: User) -> Invitation:
    with transaction.atomic():
        if invitation.accepted_at:
            raise ServiceError("This invitation was already accepted.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            record_audit(by, "invitation.revoked", invitation)
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    from tandem.programs.tasks import send_invitation_email

    Invitation.objects.filter(pk=invitation.pk).update(
        last_sent_at=timezone.now(), send_count=invitation.send_count + 1
    )
    invitation_id = invitation.pk
    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation_id))


def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    """The invited person takes their place. The e-mail address must be the invited one."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("program__organization", "invited_by")
            .get(pk=invitation.pk)
        )
        if invitation.state != "pending":
            raise ServiceError(f"This invitation has been {invitation.state}.")
        if invitation.email.lower() != user.email.lower():
            raise ServiceError(
                f"This invitation was sent to {invitation.email}; you are signed in as "
                f"{user.email}.",
                field="email",
            )
        membership = add_member(invitation.program, user=user, role=Role(invitation.role), by=user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record_audit(user, "invitation.accepted", invitation)
        if invitation.invited_by is not None and invitation.invited_by != user:
            notify(
                invitation.invited_by,
                kind=NotificationKind.INVITATION_ACCEPTED,
                program=invitation.program,
                context={"person": user, "role": membership.get_role_display()},
                url=invitation.program.get_absolute_url() + "members/",
            )
    return membership
