"""Applications: apply to a program (any signed-in person), review and decide (coordinators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access, request_user
from tandem.api.schemas import ErrorOut, Schema
from tandem.enrolment.answers import completeness
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.queries import joinable_program
from tandem.enrolment.rules.applications import can_review_applications
from tandem.enrolment.services import applications as services
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership

router = Router(tags=["applications"])


class ApplyIn(Schema):
    role: Role
    motivation: str = Field("", max_length=3000)


class DecisionIn(Schema):
    decision: MembershipStatus
    message: str = Field("", max_length=2000)


class ApplicationOut(Schema):
    membership_id: int
    email: str
    full_name: str
    role: Role
    status: MembershipStatus
    motivation: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_message: str
    profile_percent: int


def _application_out(membership: Membership, questions: list[ProfileQuestion]) -> dict[str, Any]:
    application = getattr(membership, "application", None)
    return {
        "membership_id": membership.pk,
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "role": membership.role,
        "status": membership.status,
        "motivation": application.motivation if application else "",
        "submitted_at": application.submitted_at if application else None,
        "decided_at": application.decided_at if application else None,
        "decision_message": application.decision_message if application else "",
        "profile_percent": completeness(questions, membership.answers, membership.role).percent,
    }


@router.post(
    "/organizations/{org}/programs/{program}/apply",
    response={201: ApplicationOut, 404: ErrorOut, 422: ErrorOut},
)
def apply(request: HttpRequest, org: str, program: str, payload: ApplyIn) -> Status[dict[str, Any]]:
    """Apply as mentor or mentee to a program that is enrolling and open to you."""
    found = joinable_program(request_user(request), org, program)
    membership = services.apply_to_program(
        found, by=request_user(request), role=payload.role, motivation=payload.motivation
    )
    membership = Membership.objects.select_related("user", "application").get(pk=membership.pk)
    return Status(201, _application_out(membership, list(found.questions.all())))


@router.get(
    "/organizations/{org}/programs/{program}/applications",
    response={200: list[ApplicationOut], 403: ErrorOut, 404: ErrorOut},
)
def application_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    """Applications waiting for a decision, and people on the waiting list."""
    access = program_access(request, org, program)
    check_rule(can_review_applications, access)
    found = access.program_or_404
    questions = list(found.questions.all())
    memberships = (
        Membership.objects.filter(
            program=found, role__in=services.APPLICANT_ROLES, status__in=services.UNDECIDED
        )
        .select_related("user", "application")
        .order_by("status", "joined_at", "pk")
    )
    return [_application_out(membership, questions) for membership in memberships]


@router.post(
    "/organizations/{org}/programs/{program}/applications/{membership_id}/decision",
    response={200: ApplicationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def application_decide(
    request: HttpRequest, org: str, program: str, membership_id: int, payload: DecisionIn
) -> dict[str, Any]:
    """Approve, waitlist or decline; the applicant is notified with the message."""
    access = program_access(request, org, program)
    check_rule(can_review_applications, access)
    found = access.program_or_404
    membership = get_object_or_404(Membership, pk=membership_id, program=found)
    services.decide_application(
        membership, decision=payload.decision, message=payload.message, by=access.user
    )
    membership = Membership.objects.select_related("user", "application").get(pk=membership.pk)
    return _application_out(membership, list(found.questions.all()))
