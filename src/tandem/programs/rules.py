"""Permission predicates. Each takes the resolved :class:`Access` and answers one question."""

from __future__ import annotations

from tandem.programs.access import Access
from tandem.programs.enums import Role


def is_organization_admin(access: Access) -> bool:
    return access.is_org_admin


def can_create_program(access: Access) -> bool:
    return access.is_org_admin


def can_view_program(access: Access) -> bool:
    """Anyone with a place in the program (even one still waiting for approval)."""
    return access.program is not None and (access.is_org_admin or access.membership is not None)


def can_manage_program(access: Access) -> bool:
    """Coordinators of this program and the organization's admins."""
    return access.program is not None and (access.is_org_admin or access.role == Role.COORDINATOR)


def can_view_members(access: Access) -> bool:
    return can_manage_program(access)


def can_invite(access: Access) -> bool:
    return can_manage_program(access)


def can_view_program_audit_log(access: Access) -> bool:
    return can_manage_program(access)


def can_view_organization_audit_log(access: Access) -> bool:
    return access.is_org_admin
