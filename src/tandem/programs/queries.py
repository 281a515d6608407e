"""Reads that pages and the API share; each fetches what it renders in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from tandem.accounts.models import User
from tandem.core.models import AuditEntry
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import (
    Invitation,
    Membership,
    Organization,
    Program,
)

#: Places in a draft program that do not show it: a draft is its coordinators' alone.
HIDDEN_IN_DRAFT = Q(program__status=ProgramStatus.DRAFT) & ~Q(
    role=Role.COORDINATOR, status=MembershipStatus.APPROVED
)


def memberships_of(user: User) -> QuerySet[Membership]:
    """The person's places in programs they can open (not drafts, unless they coordinate
    them), newest program first, with program and organization."""
    return (
        Membership.objects.filter(user=user)
        .exclude(status__in=[MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN])
        .exclude(HIDDEN_IN_DRAFT)
        .select_related("program__organization")
        .order_by("-program__starts_on", "program__name")
    )


def organizations_administered_by(user: User) -> QuerySet[Organization]:
    organizations = Organization.objects.all()
    if not user.is_superuser:
        organizations = organizations.filter(staff__user=user)
    return organizations.annotate(program_count=Count("programs", distinct=True))


def programs_of_organization(organization: Organization) -> QuerySet[Program]:
    approved = Q(memberships__status=MembershipStatus.APPROVED)
    return (
        organization.programs.select_related("organization")
        .annotate(
            mentor_count=Count("memberships", filter=approved & Q(memberships__role=Role.MENTOR)),
            mentee_count=Count("memberships", filter=approved & Q(memberships__role=Role.MENTEE)),
        )
        .order_by("-starts_on", "name")
    )


@dataclass
class ProgramFigures:
    """Members counted by role and status, plus invitations still open."""

    by_role_and_status: dict[str, dict[str, int]]
    totals_by_role: dict[str, int]
    totals_by_status: dict[str, int]
    pending_invitations: int
    roles: list[tuple[str, str]] = field(default_factory=lambda: list(Role.choices))
    statuses: list[tuple[str, str]] = field(default_factory=lambda: list(MembershipStatus.choices))

    @property
    def participants(self) -> int:
        return self.totals_by_role.get(Role.MENTOR, 0) + self.totals_by_role.get(Role.MENTEE, 0)

    def rows(self) -> list[tuple[str, str, list[int], int]]:
        """(role, label, counts per status, total) — ready for a table."""
        return [
            (
                role,
                label,
                [
                    self.by_role_and_status.get(role, {}).get(status, 0)
                    for status, _ in self.statuses
                ],
                self.totals_by_role.get(role, 0),
            )
            for role, label in self.roles
        ]


def program_figures(program: Program) -> ProgramFigures:
    counts = (
        Membership.objects.filter(program=program)
        .values_list("role", "status")
        .annotate(n=Count("id"))
    )
    by_role_and_status: dict[str, dict[str, int]] = {}
    totals_by_role: Counter[str] = Counter()
    totals_by_status: Counter[str] = Counter()
    for role, status, n in counts:
        by_role_and_status.setdefault(role, {})[status] = n
        totals_by_role[role] += n
        totals_by_status[status] += n
    return ProgramFigures(
        by_role_and_status=by_role_and_status,
        totals_by_role=dict(totals_by_role),
        totals_by_status=dict(totals_by_status),
        pending_invitations=Invitation.objects.filter(program=program).pending().count(),
    )


def members_of(
    program: Program, *, role: str = "", status: str = "", search: str = ""
) -> QuerySet[Membership]:
    members = Membership.objects.filter(program=program).select_related("user")
    if role:
        members = members.filter(role=role)
    if status:
        members = members.filter(status=status)
    if search:
        members = members.filter(
            Q(user__full_name__icontains=search) | Q(user__email__icontains=search)
        )
    return members.order_by("role", "user__full_name", "user__email")


def invitations_of(program: Program) -> QuerySet[Invitation]:
    return Invitation.objects.filter(program=program).select_related("invited_by")


def audit_entries_of_program(program: Program) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(program=program).select_related("actor")


def audit_entries_of_organization(organization: Organization) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organization=organization).select_related("actor", "program")
