"""Relationships after matching (mine; the program's, for coordinators), ending early,
rematch suggestions, manual pairs, and groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.enrolment.highlights import highlights
from tandem.matches import pairing
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import MentoringGroup, Relationship
from tandem.mentoring.queries import mentorships as mentorship_queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import groups, mentorships
from tandem.programs.access import Access
from tandem.programs.models import Membership

router = Router(tags=["relationships"])

PROGRAM = "/organizations/{org}/programs/{program}"


class PersonOut(Schema):
    membership_id: int
    name: str
    pronouns: str
    role: str


class PartnerOut(PersonOut):
    email: str
    highlights: list[str]


class MyRelationshipOut(Schema):
    id: int
    status: RelationshipStatus
    my_role: str
    #: The other side; e-mail and highlights only while the relationship is open.
    partner: PartnerOut | PersonOut
    why_matched: str
    #: how well your profiles fit, 0–100 (the percentage your match page shows)
    fit_percent: float | None = Field(default=None, ge=0, le=100)
    started_at: dt.datetime | None
    ended_at: dt.datetime | None


class RelationshipOut(Schema):
    id: int
    mentor: PersonOut
    mentee: PersonOut
    status: RelationshipStatus
    source: str
    score: float | None
    #: how well the profiles fit, 0–100 (the score without the choice bonus)
    fit_percent: float | None = Field(default=None, ge=0, le=100)
    explanation: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    ended_by: str | None
    end_reason: str
    #: Seen by coordinators only.
    end_note: str


class RelationshipIn(Schema):
    mentee: int
    mentor: int
    #: "manual" (default) or "rematch".
    source: str = Relationship.Source.MANUAL


class EndIn(Schema):
    reason: EndReason
    note: str = ""


class SuggestionOut(Schema):
    mentor: PersonOut
    score: float
    fit_percent: float = Field(ge=0, le=100)
    trade_offs: list[str]
    explanation: str
    reasons: list[str]
    free_places: int


class GroupMemberOut(PersonOut):
    is_facilitator: bool


class GroupOut(Schema):
    id: int
    name: str
    status: str
    fit: float | None
    diversity: float | None
    description: str
    meeting_cadence: str
    members: list[GroupMemberOut]


class MoveIn(Schema):
    mentee: int
    to: int


def _person(membership: Membership) -> dict[str, Any]:
    return {
        "membership_id": membership.pk,
        "name": membership.user.display_name,
        "pronouns": membership.user.pronouns,
        "role": membership.role,
    }


def _percent(fit: float | None) -> float | None:
    """A fit in [0, 1] as ``fit_percent`` (one decimal; None for a pair made by hand)."""
    return None if fit is None else round(100.0 * max(0.0, min(1.0, fit)), 1)


def _relationship_out(relationship: Relationship) -> dict[str, Any]:
    return {
        "id": relationship.pk,
        "mentor": _person(relationship.mentor),
        "mentee": _person(relationship.mentee),
        "status": relationship.status,
        "source": relationship.source,
        "score": relationship.score,
        "fit_percent": _percent(relationship.fit),
        "explanation": relationship.explanation,
        "created_at": relationship.created_at,
        "started_at": relationship.started_at,
        "ended_at": relationship.ended_at,
        "ended_by": relationship.ended_by.display_name if relationship.ended_by else None,
        "end_reason": relationship.end_reason,
        "end_note": relationship.end_note,
    }


def _group_out(group: MentoringGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "status": group.status,
        "fit": group.fit,
        "diversity": group.diversity,
        "description": group.description,
        "meeting_cadence": group.meeting_cadence or group.program.meeting_cadence,
        "members": [
            {**_person(place.membership), "is_facilitator": place.is_facilitator}
            for place in group.members.all()
        ],
    }


def _relationship(access: Access, relationship_id: int) -> Relationship:
    return get_object_or_404(
        Relationship.objects.select_related("program", "mentor__user", "mentee__user", "ended_by"),
        pk=relationship_id,
        program=access.program_or_404,
    )


@router.get(
    PROGRAM + "/my-relationships",
    response={200: list[MyRelationshipOut], 403: ErrorOut, 404: ErrorOut},
)
def my_relationships(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    """My relationships (mentor or mentee), newest first; the partner's contact details and
    highlights while the relationship is open."""
    access = program_access(request, org, program)
    check_rule(rules.can_view_my_match, access)
    me = access.membership
    assert me is not None  # guaranteed by the rule
    result = []
    for relationship in mentorship_queries.relationships_of(me):
        partner = relationship.mentor if relationship.mentee_id == me.pk else relationship.mentee
        is_open = relationship.status in (RelationshipStatus.PROPOSED, RelationshipStatus.ACTIVE)
        partner_out = _person(partner)
        if is_open:
            partner_out |= {"email": partner.user.email, "highlights": highlights(partner)}
        result.append(
            {
                "id": relationship.pk,
                "status": relationship.status,
                "my_role": me.role,
                "partner": partner_out,
                "why_matched": relationship.explanation if is_open else "",
                "fit_percent": _percent(relationship.fit) if is_open else None,
                "started_at": relationship.started_at,
                "ended_at": relationship.ended_at,
            }
        )
    return result


@router.get(
    PROGRAM + "/relationships",
    response={200: list[RelationshipOut], 403: ErrorOut, 404: ErrorOut},
)
def relationship_list(
    request: HttpRequest, org: str, program: str, status: RelationshipStatus | None = None
) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_relationships, access)
    return [
        _relationship_out(r)
        for r in mentorship_queries.program_relationships(
            access.program_or_404, status=status or ""
        )
    ]


@router.post(
    PROGRAM + "/relationships",
    response={201: RelationshipOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def relationship_create(
    request: HttpRequest, org: str, program: str, payload: RelationshipIn
) -> Status[dict[str, Any]]:
    """Pair a mentee with a mentor now; refused (422) when the mentor is full, the mentee
    already has a mentor or the two were paired before."""
    access = program_access(request, org, program)
    check_rule(rules.can_manage_relationships, access)
    if payload.source not in (Relationship.Source.MANUAL, Relationship.Source.REMATCH):
        raise ServiceError("source is “manual” or “rematch”.", field="source")
    the_program = access.program_or_404
    mentee = Membership.objects.filter(pk=payload.mentee, program=the_program).first()
    mentor = Membership.objects.filter(pk=payload.mentor, program=the_program).first()
    if mentee is None:
        raise ServiceError(f"No mentee {payload.mentee} in this program.", field="mentee")
    if mentor is None:
        raise ServiceError(f"No mentor {payload.mentor} in this program.", field="mentor")
    relationship = pairing.create_relationship(
        the_program,
        mentee=mentee,
        mentor=mentor,
        by=access.user,
        source=Relationship.Source(payload.source),
    )
    return Status(201, _relationship_out(_relationship(access, relationship.pk)))


@router.post(
    PROGRAM + "/relationships/{relationship_id}/end",
    response={
        200: RelationshipOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
)
def relationship_end(
    request: HttpRequest, org: str, program: str, relationship_id: int, payload: EndIn
) -> dict[str, Any]:
    """End early, by either side or a coordinator. The note is for coordinators only."""
    access = program_access(request, org, program)
    check_rule(rules.can_view_groups_or_own, access)
    relationship = _relationship(access, relationship_id)
    if not rules.can_end_relationship(access, relationship):
        raise PermissionDenied("Only the pair and the coordinators can end this relationship.")
    mentorships.end_relationship(
        relationship, by=access.user, reason=payload.reason, note=payload.note
    )
    ended = _relationship(access, relationship_id)
    out = _relationship_out(ended)
    if not rules.can_manage_relationships(access):
        out["end_note"] = ""
    return out


@router.get(
    PROGRAM + "/relationships/{relationship_id}/rematch-suggestions",
    response={200: list[SuggestionOut], 403: ErrorOut, 404: ErrorOut},
)
def rematch_suggestions(
    request: HttpRequest, org: str, program: str, relationship_id: int, limit: int = 5
) -> list[dict[str, Any]]:
    """Mentors with a free place for the mentee of this relationship; past partners never."""
    access = program_access(request, org, program)
    check_rule(rules.can_manage_relationships, access)
    relationship = _relationship(access, relationship_id)
    return [
        {
            "mentor": _person(s.mentor),
            "score": s.score,
            "fit_percent": _percent(s.fit),
            "trade_offs": list(s.trade_offs),
            "explanation": s.explanation,
            "reasons": list(s.reasons),
            "free_places": s.free_places,
        }
        for s in pairing.rematch_options(relationship, limit=max(1, min(limit, 20)))
    ]


@router.get(PROGRAM + "/groups", response={200: list[GroupOut], 403: ErrorOut, 404: ErrorOut})
def group_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_groups, access)
    return [
        _group_out(g)
        for g in mentorship_queries.program_groups(access.program_or_404).select_related("program")
    ]


def _group(access: Access, group_id: int) -> MentoringGroup:
    group = get_object_or_404(
        mentorship_queries.program_groups(access.program_or_404).select_related("program"),
        pk=group_id,
    )
    if not rules.can_view_group(access, group):
        raise PermissionDenied("Only the group's members and the coordinators see this group.")
    return group


@router.get(PROGRAM + "/groups/{group_id}", response={200: GroupOut, 403: ErrorOut, 404: ErrorOut})
def group_detail(request: HttpRequest, org: str, program: str, group_id: int) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_view_groups_or_own, access)
    return _group_out(_group(access, group_id))


@router.post(
    PROGRAM + "/groups/{group_id}/move",
    response={200: GroupOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def group_move(
    request: HttpRequest, org: str, program: str, group_id: int, payload: MoveIn
) -> dict[str, Any]:
    """Move a mentee from this group to another (``to``: the other group's id)."""
    access = program_access(request, org, program)
    check_rule(rules.can_manage_groups, access)
    group = _group(access, group_id)
    the_program = access.program_or_404
    mentee = get_object_or_404(Membership, pk=payload.mentee, program=the_program)
    target = get_object_or_404(MentoringGroup, pk=payload.to, program=the_program)
    groups.move_group_member(group, mentee=mentee, to=target, by=access.user)
    return _group_out(_group(access, target.pk))
