"""Pairing outside a run: a coordinator's manual pair and the rematch of a mentee whose
relationship ended early, with live suggestions from the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.matches.enums import PairRuleKind
from tandem.matches.models import PairRule
from tandem.matches.problem import build_problem, install_default_criteria, mentor_capacity
from tandem.matches.services import (
    check_publishing,
    create_active_relationship,
    introduce_pairs,
    open_relationship_counts,
    score_pair,
    unmatched_people,
)
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import OPEN_STATUSES, Relationship
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership, Program


def mentees_without_mentor(program: Program) -> list[Membership]:
    """Approved mentees with no open relationship: who a coordinator can pair by hand."""
    matched, _ = open_relationship_counts(program)
    return list(
        program.memberships.filter(role=Role.MENTEE, status=MembershipStatus.APPROVED)
        .exclude(pk__in=matched)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def mentors_with_places(program: Program) -> list[tuple[Membership, int]]:
    """Approved mentors and how many places they have left, only those with one."""
    _, per_mentor = open_relationship_counts(program)
    mentors = (
        program.memberships.filter(role=Role.MENTOR, status=MembershipStatus.APPROVED)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    result = []
    for mentor in mentors:
        free = mentor_capacity(mentor) - per_mentor[mentor.pk]
        if free > 0:
            result.append((mentor, free))
    return result


# --- rematch and manual pairs -------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A mentor with a free place for a mentee, with the live score and reasons."""

    mentor: Membership
    free_places: int
    score: float
    explanation: str
    reasons: tuple[str, ...]
    #: the profiles' fit in [0, 1], shown as a percentage (``|fit_percent``)
    fit: float = 0.0
    trade_offs: tuple[str, ...] = ()


def rematch_suggestions(relationship: Relationship, *, limit: int = 5) -> list[matching.PairScore]:
    """Mentors with a free place for the mentee left behind, best first, never a past partner."""
    program = relationship.program
    install_default_criteria(program)
    mentee = relationship.mentee
    _, candidates, free = unmatched_people(program)
    if not candidates:
        return []
    pool = build_problem(program, mentees=[mentee], mentors=candidates, free_capacity=free)
    suggestions = matching.Matcher(pool.problem).suggest(str(mentee.pk), limit=limit + 5)
    past = {str(b) for a, b in pool.problem.past}
    return [s for s in suggestions if s.feasible and s.mentor_id not in past][:limit]


def rematch_options(relationship: Relationship, *, limit: int = 5) -> list[Suggestion]:
    """:func:`rematch_suggestions` with the mentors loaded, for pages and the API."""
    scores = rematch_suggestions(relationship, limit=limit)
    mentors = {
        m.pk: m
        for m in Membership.objects.filter(
            pk__in=[int(s.mentor_id) for s in scores]
        ).select_related("user")
    }
    _, per_mentor = open_relationship_counts(relationship.program)
    return [
        Suggestion(
            mentor=mentors[int(s.mentor_id)],
            free_places=mentor_capacity(mentors[int(s.mentor_id)]) - per_mentor[int(s.mentor_id)],
            score=s.score,
            explanation=s.explanation,
            reasons=tuple(s.reasons),
            fit=s.fit,
            trade_offs=tuple(s.trade_offs),
        )
        for s in scores
        if int(s.mentor_id) in mentors
    ]


def needs_rematch(relationship: Relationship, open_mentees: set[int]) -> bool:
    """Ended early and its mentee has no open relationship now."""
    return (
        relationship.status == RelationshipStatus.ENDED_EARLY
        and relationship.mentee_id not in open_mentees
    )


def _introduce(relationship: Relationship) -> None:
    introduce_pairs(
        relationship.program,
        [(relationship.mentee, relationship.mentor, relationship.explanation)],
    )


def create_relationship(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    by: User,
    source: Relationship.Source = Relationship.Source.MANUAL,
) -> Relationship:
    """Pair a mentee with a mentor now (a rematch or a coordinator's manual pair).

    Refused when the mentee already has an open relationship, the two were paired before
    (in any program of the organization), the pair is forbidden, or the mentor is full — the
    mentor's row is locked while their open relationships are counted, so two coordinators
    cannot fill the same last place.
    """
    if source not in (Relationship.Source.MANUAL, Relationship.Source.REMATCH):
        raise ServiceError("A new relationship is either a rematch or a manual pair.")
    with transaction.atomic():
        check_publishing(Program.objects.select_for_update().get(pk=program.pk))
        locked = {
            m.pk: m
            for m in Membership.objects.select_for_update()
            .filter(pk__in=[mentee.pk, mentor.pk], program=program)
            .order_by("pk")
        }
        mentee_row, mentor_row = locked.get(mentee.pk), locked.get(mentor.pk)
        if mentee_row is None or mentee_row.role != Role.MENTEE:
            raise ServiceError("Pick a mentee of this program.", field="mentee")
        if mentor_row is None or mentor_row.role != Role.MENTOR:
            raise ServiceError("Pick a mentor of this program.", field="mentor")
        mentee, mentor = mentee_row, mentor_row
        for person, field in ((mentee, "mentee"), (mentor, "mentor")):
            if person.status != MembershipStatus.APPROVED:
                raise ServiceError(
                    f"{person.user.display_name} is {person.get_status_display().lower()}, "
                    "not approved.",
                    field=field,
                )
        current = (
            Relationship.objects.filter(mentee=mentee, status__in=OPEN_STATUSES)
            .select_related("mentor__user")
            .first()
        )
        if current is not None:
            raise ServiceError(
                f"{mentee.user.display_name} already has a mentor "
                f"({current.mentor.user.display_name}): end that relationship first.",
                field="mentee",
            )
        repeat = Relationship.objects.filter(
            program__organization_id=program.organization_id,
            mentee__user_id=mentee.user_id,
            mentor__user_id=mentor.user_id,
        ).exclude(status=RelationshipStatus.PROPOSED)
        if repeat.exists():
            raise ServiceError(
                f"{mentee.user.display_name} and {mentor.user.display_name} were paired "
                "before: pairs are never repeated.",
                field="mentor",
            )
        if PairRule.objects.filter(mentee=mentee, mentor=mentor, kind=PairRuleKind.FORBID).exists():
            raise ServiceError(
                "A coordinator forbade this pair: remove the rule first.", field="mentor"
            )
        taken = Relationship.objects.filter(mentor=mentor, status__in=OPEN_STATUSES).count()
        capacity = mentor_capacity(mentor)
        if taken >= capacity:
            raise ServiceError(
                f"{mentor.user.display_name} has no place left ({taken} of {capacity} "
                f"place{'s' if capacity != 1 else ''} taken).",
                field="mentor",
            )
        relationship = create_active_relationship(
            program,
            mentee=mentee,
            mentor=mentor,
            source=source,
            pair_score=score_pair(program, mentee=mentee, mentor=mentor, reader="pair"),
        )
        record_audit(
            by,
            f"relationship.created_{source}",
            relationship,
            changes={
                "mentee": mentee.pk,
                "mentor": mentor.pk,
                "score": round(relationship.score or 0.0, 3),
            },
        )
        _introduce(relationship)
    return relationship
