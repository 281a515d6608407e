"""The tenancy chokepoint: who is asking, in which organization and program, as what.

Every web view and API endpoint under an organization or a program gets its objects from
:func:`resolve_access`. A missing organization or program and one the person has no place in
raise the same ``Http404``, so URLs never reveal what exists elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from tandem.accounts.models import User
from tandem.programs.enums import MembershipStatus, OrganizationRole, ProgramStatus, Role
from tandem.programs.models import Membership, Organization, OrganizationMembership, Program

NOT_FOUND = "No such page here, or it is not yours to see."
#: Memberships that no longer give a place in the program or its organization.
GONE = (MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN)


def sees_draft(membership: Membership | None) -> bool:
    """A draft program is its coordinators' (and the organization's admins') alone."""
    return (
        membership is not None
        and membership.role == Role.COORDINATOR
        and membership.status == MembershipStatus.APPROVED
    )


@dataclass(frozen=True)
class Access:
    user: User
    organization: Organization
    organization_role: OrganizationMembership | None
    program: Program | None = None
    membership: Membership | None = None

    @property
    def is_org_admin(self) -> bool:
        if self.user.is_superuser:
            return True
        return (
            self.organization_role is not None
            and self.organization_role.role == OrganizationRole.ADMIN
        )

    @property
    def role(self) -> Role | None:
        if self.membership is None or self.membership.status != MembershipStatus.APPROVED:
            return None
        return Role(self.membership.role)

    @property
    def program_or_404(self) -> Program:
        if self.program is None:
            raise Http404(NOT_FOUND)
        return self.program


def resolve_access(user: User, org_slug: str, program_slug: str | None = None) -> Access:
    if not user.is_authenticated:
        raise Http404(NOT_FOUND)
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        raise Http404(NOT_FOUND)
    organization_role = OrganizationMembership.objects.filter(
        organization=organization, user=user
    ).first()
    is_admin = user.is_superuser or organization_role is not None
    if program_slug is None:
        if (
            not is_admin
            and not Membership.objects.filter(program__organization=organization, user=user)
            .exclude(status__in=GONE)
            .exists()
        ):
            raise Http404(NOT_FOUND)
        return Access(user=user, organization=organization, organization_role=organization_role)
    program = Program.objects.filter(organization=organization, slug=program_slug).first()
    if program is None:
        raise Http404(NOT_FOUND)
    membership = Membership.objects.filter(program=program, user=user).first()
    if membership is None and not is_admin:
        raise Http404(NOT_FOUND)
    if membership is not None and membership.status in GONE and not is_admin:
        raise Http404(NOT_FOUND)
    if program.status == ProgramStatus.DRAFT and not is_admin and not sees_draft(membership):
        raise Http404(NOT_FOUND)
    return Access(
        user=user,
        organization=organization,
        organization_role=organization_role,
        program=program,
        membership=membership,
    )
