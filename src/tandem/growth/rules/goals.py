"""Who may do what with goals. A mentorship's goals are its members'; the program's
coordinators see the alignment figures only, and the vocabulary they keep."""

from __future__ import annotations

from tandem.growth.models import Goal
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import MentorshipMember
from tandem.programs.access import Access
from tandem.programs.rules import can_manage_program


def can_view_alignment(access: Access) -> bool:
    """Coordinators and org admins see goal alignment — counts, percentages, shared text."""
    return can_manage_program(access)


def can_manage_vocabulary(access: Access) -> bool:
    """Coordinators and org admins keep the program's skills and goal templates."""
    return can_manage_program(access)


def can_write_goals(member: MentorshipMember) -> bool:
    """The mentee writes their own goals."""
    return member.role == MemberRole.MENTEE


def can_suggest_goals(member: MentorshipMember) -> bool:
    """The mentor (a group's facilitators) suggests goals to a mentee."""
    return member.role == MemberRole.MENTOR


def owns_goal(member: MentorshipMember, goal: Goal) -> bool:
    return goal.owner_id == member.membership_id
