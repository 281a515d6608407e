"""Permission predicates for relationships and groups after matching.

Program-wide predicates take the resolved :class:`Access`; object predicates also take the
relationship or group they are about, because a mentor may act on their own pair only.
"""

from __future__ import annotations

from tandem.mentoring.models import MentoringGroup, Mentorship, Relationship
from tandem.programs.access import Access
from tandem.programs.enums import Role
from tandem.programs.rules import can_manage_program


def can_view_my_match(access: Access) -> bool:
    """Approved mentors and mentees see their own match page."""
    return access.program is not None and access.role in (Role.MENTOR, Role.MENTEE)


def can_manage_relationships(access: Access) -> bool:
    """Coordinators and org admins see every relationship, end, rematch and pair by hand."""
    return can_manage_program(access)


def can_manage_groups(access: Access) -> bool:
    """Coordinators and org admins list groups, move mentees and change facilitators."""
    return can_manage_program(access)


def can_view_groups_or_own(access: Access) -> bool:
    """Who may open some group page: coordinators, and mentors and mentees (their own)."""
    return can_manage_program(access) or can_view_my_match(access)


def is_side_of(access: Access, relationship: Relationship) -> bool:
    membership = access.membership
    return (
        can_view_my_match(access)
        and membership is not None
        and membership.pk in (relationship.mentor_id, relationship.mentee_id)
    )


def can_end_relationship(access: Access, relationship: Relationship) -> bool:
    """Either side of the pair, or a coordinator of its program."""
    if access.program is None or relationship.program_id != access.program.pk:
        return False
    return can_manage_relationships(access) or is_side_of(access, relationship)


def is_in_group(access: Access, group: MentoringGroup) -> bool:
    membership = access.membership
    if not can_view_my_match(access) or membership is None:
        return False
    return any(place.membership_id == membership.pk for place in group.members.all())


def can_view_group(access: Access, group: MentoringGroup) -> bool:
    """The group's facilitators and members, and coordinators."""
    if access.program is None or group.program_id != access.program.pk:
        return False
    return can_manage_groups(access) or is_in_group(access, group)


def can_edit_group_space(access: Access, group: MentoringGroup) -> bool:
    """The group's facilitators and coordinators write the shared-space description."""
    if access.program is None or group.program_id != access.program.pk:
        return False
    if can_manage_groups(access):
        return True
    membership = access.membership
    return (
        can_view_my_match(access)
        and membership is not None
        and any(
            place.membership_id == membership.pk and place.is_facilitator
            for place in group.members.all()
        )
    )


# --- mentorships (the shared space) -------------------------------------------------------


def can_use_workspace(access: Access) -> bool:
    """Mentors and mentees open the workspaces of their own mentorships."""
    return can_view_my_match(access)


def can_oversee_mentorships(access: Access) -> bool:
    """Coordinators and org admins see every mentorship's figures — never its content."""
    return can_manage_program(access)


def can_open_mentorship_pages(access: Access) -> bool:
    """Who may reach some mentorship page: members (their own) and coordinators (metadata)."""
    return can_use_workspace(access) or can_oversee_mentorships(access)


def is_member(access: Access, mentorship: Mentorship) -> bool:
    """The person is in this mentorship (its content is theirs)."""
    membership = access.membership
    if access.program is None or mentorship.program_id != access.program.pk:
        return False
    if membership is None or not can_use_workspace(access):
        return False
    return any(member.membership_id == membership.pk for member in mentorship.members.all())
