"""Permission predicates for onboarding: the agreement, training, readiness and the funnel."""

from __future__ import annotations

from tandem.programs.access import Access
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.rules import can_manage_program

#: Participants who may already read the agreement and take training: approved people and
#: those still waiting for a decision (they can get ready in the meantime).
GETTING_READY_STATUSES = frozenset(
    {MembershipStatus.APPROVED, MembershipStatus.APPLIED, MembershipStatus.WAITLISTED}
)


def can_manage_onboarding(access: Access) -> bool:
    """Coordinators and org admins edit the agreement and the training, and see the funnel."""
    return can_manage_program(access)


def can_get_ready(access: Access) -> bool:
    """Mentors and mentees (approved, applied or waitlisted) accept, train and see their list."""
    membership = access.membership
    return (
        access.program is not None
        and membership is not None
        and membership.role in {Role.MENTOR, Role.MENTEE}
        and membership.status in GETTING_READY_STATUSES
    )
