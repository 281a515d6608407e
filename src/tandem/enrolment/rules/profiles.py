"""Permission predicates for enrolment: profiles, questions, the mentor directory.

Each takes the resolved :class:`~tandem.programs.access.Access` and answers one question.
"""

from __future__ import annotations

from tandem.programs.access import Access
from tandem.programs.enums import MatchingMode, MembershipStatus, Role
from tandem.programs.rules import can_manage_program

#: Matching modes in which mentees rank mentors themselves.
SELF_SELECT_MODES = frozenset({MatchingMode.SELF_SELECT, MatchingMode.BOTH})


def can_manage_questions(access: Access) -> bool:
    """Coordinators and org admins design the program's profile questions."""
    return can_manage_program(access)


def can_view_profiles(access: Access) -> bool:
    """Coordinators and org admins see participants' (non-demographic) profiles."""
    return can_manage_program(access)


def can_edit_own_profile(access: Access) -> bool:
    """Mentors and mentees who are approved or have applied fill in their own profile."""
    membership = access.membership
    return (
        access.program is not None
        and membership is not None
        and membership.role in {Role.MENTOR, Role.MENTEE}
        and membership.status in {MembershipStatus.APPROVED, MembershipStatus.APPLIED}
    )


def can_browse_directory(access: Access) -> bool:
    """Approved mentees of a program where mentees choose their mentors."""
    return (
        access.program is not None
        and access.program.matching_mode in SELF_SELECT_MODES
        and access.role == Role.MENTEE
    )


def can_choose_mentors(access: Access) -> bool:
    return can_browse_directory(access)
