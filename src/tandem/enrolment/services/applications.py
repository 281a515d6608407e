"""Applications to a program, the coordinators' decisions, and invitations in bulk."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.enrolment.models import Application
from tandem.enrolment.rules.applications import belongs_to_organization, is_open_for_enrolment
from tandem.enrolment.services.readiness import refresh_readiness
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Program
from tandem.programs.services import invite_person

#: Statuses a coordinator can still decide on (approving from the waiting list included).
UNDECIDED = (MembershipStatus.APPLIED, MembershipStatus.WAITLISTED)
DECISIONS = {
    MembershipStatus.APPROVED: "approved",
    MembershipStatus.WAITLISTED: "put on the waiting list",
    MembershipStatus.DECLINED: "declined",
}
APPLICANT_ROLES = (Role.MENTOR, Role.MENTEE)


def review_url(program: Program) -> str:
    return reverse(
        "enrolment:applications",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


def why_cannot_apply(user: User, program: Program) -> str:
    """Empty if ``user`` may apply to ``program`` now; otherwise the reason, in words."""
    if not is_open_for_enrolment(program):
        return (
            f"{program.name} is not taking applications now (it is "
            f"{ProgramStatus(program.status).label.lower()})."
        )
    if program.enrolment_access == EnrolmentAccess.INVITATION:
        return f"{program.name} is by invitation only: ask its coordinators for an invitation."
    if program.enrolment_access == EnrolmentAccess.ORGANIZATION and not belongs_to_organization(
        user, program
    ):
        return f"Only people already in {program.organization.name} can apply to {program.name}."
    return ""


def apply_to_program(program: Program, *, by: User, role: Role, motivation: str) -> Membership:
    """Ask for a place as mentor or mentee; the program's coordinators are told."""
    if role not in APPLICANT_ROLES:
        raise ServiceError("Apply as a mentor or as a mentee.", field="role")
    reason = why_cannot_apply(by, program)
    if reason:
        raise ServiceError(reason)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(program=program, user=by).first()
        if membership is not None and membership.status != MembershipStatus.WITHDRAWN:
            raise ServiceError(
                f"You already have a place in {program.name} as "
                f"{membership.get_role_display().lower()} "
                f"(status: {membership.get_status_display().lower()}).",
            )
        if membership is None:
            membership = Membership.objects.create(
                program=program, user=by, role=role, status=MembershipStatus.APPLIED
            )
        else:  # they withdrew earlier and apply again
            membership.role, membership.status = role, MembershipStatus.APPLIED
            membership.save(update_fields=["role", "status", "updated_at"])
        Application.objects.update_or_create(
            membership=membership,
            defaults={
                "motivation": motivation.strip(),
                "submitted_at": timezone.now(),
                "decided_at": None,
                "decided_by": None,
                "decision_message": "",
            },
        )
        record_audit(by, "application.submitted", membership, changes={"role": role})
        refresh_readiness(membership)
        for coordinator in _reviewers(program):
            notify(
                coordinator,
                kind=NotificationKind.APPLICATION_RECEIVED,
                program=program,
                context={"person": by, "role": membership.get_role_display()},
                url=review_url(program),
            )
    return membership


def _reviewers(program: Program) -> list[User]:
    coordinators = [
        membership.user
        for membership in program.memberships.filter(
            role=Role.COORDINATOR, status=MembershipStatus.APPROVED
        ).select_related("user")
    ]
    if coordinators:
        return coordinators
    return [role.user for role in program.organization.staff.select_related("user")]


def decide_application(
    membership: Membership, *, decision: MembershipStatus, by: User, message: str = ""
) -> Membership:
    """Approve, waitlist or decline an application; the applicant is told, with ``message``."""
    if decision not in DECISIONS:
        raise ServiceError("Decide to approve, waitlist or decline.", field="decision")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("program__organization", "user")
            .get(pk=membership.pk)
        )
        if membership.status not in UNDECIDED:
            raise ServiceError(
                f"{membership.user.display_name} is already "
                f"{membership.get_status_display().lower()}: there is no application to decide.",
            )
        if membership.status == decision:
            raise ServiceError(
                f"{membership.user.display_name} is already {DECISIONS[decision]}.",
                field="decision",
            )
        previous = membership.status
        membership.status = decision
        membership.save(update_fields=["status", "updated_at"])
        application, _ = Application.objects.get_or_create(membership=membership)
        application.decided_at = timezone.now()
        application.decided_by = by
        application.decision_message = message.strip()
        application.save(update_fields=["decided_at", "decided_by", "decision_message"])
        record_audit(
            by,
            "application.decided",
            membership,
            changes={"status": [previous, decision], "message": application.decision_message},
        )
        refresh_readiness(membership)
        program = membership.program
        notify(
            membership.user,
            kind=NotificationKind.APPLICATION_DECIDED,
            program=program,
            context={
                "decision": decision.value,
                "decision_label": DECISIONS[decision],
                "role": membership.get_role_display(),
                "message": application.decision_message,
            },
            url=program.get_absolute_url(),
        )
    return membership


def decide_applications(
    memberships: Iterable[Membership], *, decision: MembershipStatus, by: User, message: str = ""
) -> list[Membership]:
    """Decide several applications at once: all of them, or none if one cannot be decided."""
    with transaction.atomic():
        return [
            decide_application(membership, decision=decision, by=by, message=message)
            for membership in memberships
        ]


# --- invitations in bulk -------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,;\t]")
_ROLE_WORDS = {role.value: role for role in Role} | {role.label.lower(): role for role in Role}


@dataclass(frozen=True)
class InviteLine:
    line: int
    email: str
    role: Role


@dataclass
class BulkInvitePlan:
    to_invite: list[InviteLine] = field(default_factory=list)
    #: (line number, text, why) for lines that stop the whole batch.
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    #: (line number, e-mail address, why) for addresses left out on purpose.
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    #: Addresses that already had a pending invitation: it is sent again (and extended).
    resent: list[str] = field(default_factory=list)


def plan_bulk_invitations(program: Program, *, text: str, default_role: Role) -> BulkInvitePlan:
    """Read "one address per line, or several separated by commas; ``email, role`` per line"."""
    plan = BulkInvitePlan()
    seen: dict[str, int] = {}
    candidates: list[InviteLine] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        parts = [part.strip() for part in _SEPARATORS.split(line) if part.strip()]
        role = default_role
        if len(parts) == 2 and parts[1].lower() in _ROLE_WORDS:
            role, parts = _ROLE_WORDS[parts[1].lower()], parts[:1]
        for part in parts:
            if part.lower() in _ROLE_WORDS:
                plan.errors.append(
                    (number, part, "A role goes after a single address: “email, role”.")
                )
                continue
            email = part.strip("<>").lower()
            try:
                validate_email(email)
            except ValidationError:
                plan.errors.append((number, part, "This is not a valid e-mail address."))
                continue
            if email in seen:
                plan.skipped.append((number, email, f"Already listed on line {seen[email]}."))
                continue
            seen[email] = number
            candidates.append(InviteLine(line=number, email=email, role=role))
    members = {
        email.lower(): status
        for email, status in Membership.objects.filter(program=program).values_list(
            "user__email", "status"
        )
    }
    pending = {
        email.lower()
        for email in Invitation.objects.pending()
        .filter(program=program)
        .values_list("email", flat=True)
    }
    for candidate in candidates:
        status = members.get(candidate.email)
        if status is not None:
            plan.skipped.append(
                (
                    candidate.line,
                    candidate.email,
                    f"Already in the program ({MembershipStatus(status).label.lower()}).",
                )
            )
            continue
        plan.to_invite.append(candidate)
        if candidate.email in pending:
            plan.resent.append(candidate.email)
    return plan


def invite_people(
    program: Program, *, text: str, default_role: Role, by: User, message: str = ""
) -> BulkInvitePlan:
    """Check every line first; if all are good, send every invitation in one transaction."""
    plan = plan_bulk_invitations(program, text=text, default_role=default_role)
    if plan.errors:
        return plan
    if not plan.to_invite:
        raise ServiceError("There is nobody new to invite in this list.", field="addresses")
    with transaction.atomic():
        for line in plan.to_invite:
            invite_person(program, email=line.email, role=line.role, by=by, message=message)
        record_audit(
            by,
            "invitation.bulk_sent",
            program,
            changes={"sent": len(plan.to_invite), "skipped": len(plan.skipped)},
        )
    return plan
