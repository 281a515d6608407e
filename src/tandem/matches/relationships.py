"""Relationships after matching: ending early (no-fault), rematching the person left."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.matches.enums import EndReason, RelationshipStatus
from tandem.matches.models import OPEN_STATUSES, Relationship
from tandem.matches.problem import (
    build_problem,
    install_default_criteria,
    mentor_capacity,
    ready_pool,
)
from tandem.matches.services import open_relationship_counts
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import MembershipStatus, Role


def end_relationship(
    relationship: Relationship, *, by: User, reason: EndReason, note: str = ""
) -> Relationship:
    """End a relationship early (either side or a coordinator); no-fault by default."""
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update()
            .select_related("program__organization", "mentor__user", "mentee__user")
            .get(pk=relationship.pk)
        )
        if relationship.status not in OPEN_STATUSES:
            raise ServiceError(
                f"This relationship is already {relationship.get_status_display().lower()}."
            )
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_at = timezone.now()
        relationship.ended_by = by
        relationship.end_reason = reason
        relationship.end_note = note
        relationship.save()
        record_audit(by, "relationship.ended_early", relationship, changes={"reason": reason})
        program = relationship.program
        for person in (relationship.mentor.user, relationship.mentee.user):
            if person != by:
                notify(
                    person,
                    kind=NotificationKind.RELATIONSHIP_ENDED,
                    program=program,
                    context={"ended_by": by, "reason": EndReason(reason).label},
                    url=program.get_absolute_url(),
                )
        coordinators = program.memberships.filter(
            role=Role.COORDINATOR, status=MembershipStatus.APPROVED
        ).select_related("user")
        for coordinator in coordinators:
            if coordinator.user != by:
                notify(
                    coordinator.user,
                    kind=NotificationKind.RELATIONSHIP_ENDED,
                    program=program,
                    context={
                        "ended_by": by,
                        "reason": EndReason(reason).label,
                        "pair": relationship,
                    },
                    url=program.get_absolute_url() + "relationships/",
                )
    return relationship


def rematch_suggestions(relationship: Relationship, *, limit: int = 5) -> list[matching.PairScore]:
    """Mentors with a free place for the mentee left behind, best first, never a past partner."""
    program = relationship.program
    install_default_criteria(program)
    mentee = relationship.mentee
    _, mentors = ready_pool(program)
    _, per_mentor = open_relationship_counts(program)
    free = {m.pk: max(0, mentor_capacity(m) - per_mentor[m.pk]) for m in mentors}
    candidates = [m for m in mentors if free[m.pk] > 0]
    if not candidates:
        return []
    pool = build_problem(program, mentees=[mentee], mentors=candidates, free_capacity=free)
    suggestions = matching.Matcher(pool.problem).suggest(str(mentee.pk), limit=limit + 5)
    past = {str(b) for a, b in pool.problem.past}
    return [s for s in suggestions if s.feasible and s.mentor_id not in past][:limit]
