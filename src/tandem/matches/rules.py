"""Permission predicates for matching: criteria, runs (scenarios), their review and publishing.

Each takes the resolved :class:`~tandem.programs.access.Access` and answers one question.
"""

from __future__ import annotations

from tandem.programs.access import Access
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
