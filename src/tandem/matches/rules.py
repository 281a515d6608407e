"""Permission predicates for matching: criteria, runs (scenarios), their review and publishing;
and self-selection: sending, answering and overseeing mentor requests.

Each takes the resolved :class:`~tandem.programs.access.Access` and answers one question.
"""

from __future__ import annotations

from tandem.enrolment.rules.profiles import SELF_SELECT_MODES
from tandem.programs.access import Access
from tandem.programs.enums import Role
from tandem.programs.rules import can_manage_program


def can_manage_criteria(access: Access) -> bool:
    """Coordinators and org admins decide what matching weighs."""
    return can_manage_program(access)


def can_run_matching(access: Access) -> bool:
    """Coordinators and org admins start runs, compare and review scenarios."""
    return can_manage_program(access)


def can_publish_matches(access: Access) -> bool:
    """Publishing creates relationships and introduces people: coordinators and org admins."""
    return can_manage_program(access)


# --- self-selection: mentor requests -------------------------------------------------------


def _self_selecting(access: Access) -> bool:
    return access.program is not None and access.program.matching_mode in SELF_SELECT_MODES


def can_send_requests(access: Access) -> bool:
    """Approved mentees of a program where mentees choose their mentors."""
    return _self_selecting(access) and access.role == Role.MENTEE


def can_answer_requests(access: Access) -> bool:
    """Approved mentors of a program where mentees choose their mentors."""
    return _self_selecting(access) and access.role == Role.MENTOR


def can_oversee_requests(access: Access) -> bool:
    """Coordinators and org admins of a self-selecting program see every cascade and match
    the mentees left unmatched."""
    return _self_selecting(access) and can_manage_program(access)
