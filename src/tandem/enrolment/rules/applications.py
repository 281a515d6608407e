"""Permission predicates for applications, bulk invitations, imports and exports."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from tandem.accounts.models import User
from tandem.programs.access import Access
from tandem.programs.enums import EnrolmentAccess, ProgramStatus
from tandem.programs.models import Membership, OrganizationMembership, Program
from tandem.programs.rules import can_manage_program


def can_review_applications(access: Access) -> bool:
    return can_manage_program(access)


def can_bulk_invite(access: Access) -> bool:
    return can_manage_program(access)


def can_import_participants(access: Access) -> bool:
    return can_manage_program(access)


def can_export_participants(access: Access) -> bool:
    return can_manage_program(access)


def is_open_for_enrolment(program: Program) -> bool:
    return program.status == ProgramStatus.ENROLLING


def belongs_to_organization(user: User, program: Program) -> bool:
    """Has a place in any program of the program's organization, or administers it."""
    if not user.is_authenticated:
        return False
    organization_id = program.organization_id
    return (
        user.is_superuser
        or OrganizationMembership.objects.filter(
            organization_id=organization_id, user=user
        ).exists()
        or Membership.objects.filter(program__organization_id=organization_id, user=user).exists()
    )


def may_apply(user: User, program: Program) -> bool:
    """Whether ``user`` may apply to ``program`` now (whether or not they have a place)."""
    if not is_open_for_enrolment(program):
        return False
    if program.enrolment_access == EnrolmentAccess.PUBLIC:
        return user.is_authenticated
    if program.enrolment_access == EnrolmentAccess.ORGANIZATION:
        return belongs_to_organization(user, program)
    return False


def can_discover_program(user: User | AnonymousUser, program: Program) -> bool:
    """Whether the public join page (and the API's apply) may admit the program exists.

    A program by invitation only is invisible to anyone without a place in it: they get the
    same "not found" as for a program that does not exist, so its name cannot be probed.
    """
    if program.enrolment_access != EnrolmentAccess.INVITATION:
        return True
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(program=program, user=user).exists()
        or OrganizationMembership.objects.filter(
            organization_id=program.organization_id, user=user
        ).exists()
    )
