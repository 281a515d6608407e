"""API: the confidentiality agreement, training modules, readiness and the enrolment funnel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.models import Agreement, TrainingCompletion, TrainingModule
from tandem.enrolment.readiness import (
    FUNNEL_HELP,
    FUNNEL_ORDER,
    current_agreement,
    funnel_people,
    funnel_summary,
    readiness_as_dict,
    required_for_role,
    stored_readiness,
)
from tandem.enrolment.rules.onboarding import can_get_ready, can_manage_onboarding
from tandem.enrolment.services import onboarding as services
from tandem.enrolment.services.readiness import refresh_readiness, refresh_stale_readiness
from tandem.programs.access import Access
from tandem.programs.models import Membership

router = Router(tags=["onboarding"])

PROGRAM = "/organizations/{org}/programs/{program}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AgreementOut(Schema):
    version: int | None
    text: str
    published_at: dt.datetime | None
    #: For a participant: whether they accepted this version (null for coordinators).
    accepted: bool | None = None


class AgreementIn(Schema):
    text: str = Field(min_length=1)


class AcceptIn(Schema):
    version: int | None = None


class AcceptanceOut(Schema):
    version: int
    accepted_at: dt.datetime


class QuizQuestionIn(Schema):
    question: str
    options: list[str]
    answer: int = Field(description="Index (from 0) of the right option.")


class ModuleIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)
    required_for: list[str] = Field(default_factory=list, description="mentor and/or mentee")
    quiz: list[QuizQuestionIn] = Field(default_factory=list)
    pass_mark: int = Field(80, ge=0, le=100)


class ModuleOut(Schema):
    id: int
    title: str
    body: str
    required_for: list[str]
    quiz: list[dict[str, Any]]
    pass_mark: int
    position: int


class OrderIn(Schema):
    order: list[int]


class MyQuizQuestionOut(Schema):
    question: str
    options: list[str]


class MyModuleOut(Schema):
    id: int
    title: str
    body_html: str
    required: bool
    quiz: list[MyQuizQuestionOut]
    pass_mark: int
    completed: bool
    score: int | None


class CompleteIn(Schema):
    answers: list[str | int] | None = Field(
        None, description="One per question: the option's text or its index. Omit to acknowledge."
    )


class CompleteOut(Schema):
    completed: bool
    score: int | None = None
    passed: bool | None = None
    wrong_questions: list[int] = Field(default_factory=list)


class ReadinessStepOut(Schema):
    step: str
    label: str
    done: bool
    applies: bool
    missing: list[str]


class ReadinessOut(Schema):
    ready: bool
    stage: str
    steps: list[ReadinessStepOut]
    todo: list[str]


class FunnelStepOut(Schema):
    step: str
    label: str
    count: int
    meaning: str
    #: Membership ids stuck at this step (reached it, not the next).
    stuck: list[int]


class FunnelOut(Schema):
    steps: list[FunnelStepOut]
    pending_invitations: list[str]
    #: True while a program-wide change is being worked through: the figures may be minutes old.
    recalculating: bool = False


def _participant(access: Access) -> Membership:
    check_rule(can_get_ready, access)
    assert access.membership is not None  # can_get_ready guarantees it
    return access.membership


def _agreement_out(agreement: Agreement | None, accepted: bool | None) -> dict[str, Any]:
    if agreement is None:
        return {"version": None, "text": "", "published_at": None, "accepted": accepted}
    return {
        "version": agreement.version,
        "text": agreement.text,
        "published_at": agreement.published_at,
        "accepted": accepted,
    }


@router.get(PROGRAM + "/agreement", response={200: AgreementOut, **ERRORS})
def agreement_detail(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    """The agreement in force (``version`` is null when the program has none)."""
    access = program_access(request, org, program)
    if not can_manage_onboarding(access):
        membership = _participant(access)
        agreement = current_agreement(access.program_or_404)
        accepted = (
            agreement is not None
            and membership.agreement_acceptances.filter(agreement=agreement).exists()
        )
        return _agreement_out(agreement, accepted)
    return _agreement_out(current_agreement(access.program_or_404), None)


@router.put(PROGRAM + "/agreement", response={200: AgreementOut, **ERRORS})
def agreement_publish(
    request: HttpRequest, org: str, program: str, payload: AgreementIn
) -> dict[str, Any]:
    """Publish the text; a changed text becomes a new version, the same text changes nothing."""
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    agreement = services.publish_agreement(access.program_or_404, text=payload.text, by=access.user)
    return _agreement_out(agreement, None)


@router.post(PROGRAM + "/agreement/accept", response={200: AcceptanceOut, **ERRORS})
def agreement_accept(
    request: HttpRequest, org: str, program: str, payload: AcceptIn
) -> dict[str, Any]:
    access = program_access(request, org, program)
    membership = _participant(access)
    acceptance = services.accept_agreement(membership, by=access.user, version=payload.version)
    return {"version": acceptance.agreement.version, "accepted_at": acceptance.accepted_at}


@router.get(PROGRAM + "/training/modules", response={200: list[ModuleOut], **ERRORS})
def module_list(request: HttpRequest, org: str, program: str) -> list[TrainingModule]:
    """Every module with its quiz and right answers (coordinators)."""
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    return list(TrainingModule.objects.filter(program=access.program_or_404))


@router.post(PROGRAM + "/training/modules", response={201: ModuleOut, **ERRORS})
def module_create(
    request: HttpRequest, org: str, program: str, payload: ModuleIn
) -> Status[TrainingModule]:
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    module = services.create_module(access.program_or_404, by=access.user, **payload.dict())
    return Status(201, module)


@router.put(PROGRAM + "/training/modules/order", response={200: list[ModuleOut], **ERRORS})
def module_reorder(
    request: HttpRequest, org: str, program: str, payload: OrderIn
) -> list[TrainingModule]:
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    return services.reorder_modules(access.program_or_404, order=payload.order, by=access.user)


@router.put(PROGRAM + "/training/modules/{module_id}", response={200: ModuleOut, **ERRORS})
def module_update(
    request: HttpRequest, org: str, program: str, module_id: int, payload: ModuleIn
) -> TrainingModule:
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    module = get_object_or_404(TrainingModule, pk=module_id, program=access.program_or_404)
    return services.update_module(module, by=access.user, **payload.dict())


@router.delete(
    PROGRAM + "/training/modules/{module_id}", response={204: None, 403: ErrorOut, 404: ErrorOut}
)
def module_delete(request: HttpRequest, org: str, program: str, module_id: int) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    module = get_object_or_404(TrainingModule, pk=module_id, program=access.program_or_404)
    services.delete_module(module, by=access.user)
    return Status(204, None)


@router.get(PROGRAM + "/training/my-modules", response={200: list[MyModuleOut], **ERRORS})
def my_modules(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    """The modules for my role (required and optional), without the quiz's right answers."""
    access = program_access(request, org, program)
    membership = _participant(access)
    completions = {
        completion.module_id: completion
        for completion in TrainingCompletion.objects.filter(membership=membership)
    }
    result = []
    for module in TrainingModule.objects.filter(program=access.program_or_404):
        required = required_for_role(module, membership.role)
        if module.required_for and not required:
            continue
        completion = completions.get(module.pk)
        result.append(
            {
                "id": module.pk,
                "title": module.title,
                "body_html": services.render_markdown(module.body),
                "required": required,
                "quiz": [
                    {"question": item["question"], "options": item["options"]}
                    for item in module.quiz
                ],
                "pass_mark": module.pass_mark,
                "completed": completion is not None,
                "score": completion.score if completion else None,
            }
        )
    return result


@router.post(
    PROGRAM + "/training/modules/{module_id}/complete", response={200: CompleteOut, **ERRORS}
)
def module_complete(
    request: HttpRequest, org: str, program: str, module_id: int, payload: CompleteIn
) -> dict[str, Any]:
    """Acknowledge a module without quiz, or answer its quiz (422 names the allowed options)."""
    access = program_access(request, org, program)
    membership = _participant(access)
    module = get_object_or_404(TrainingModule, pk=module_id, program=access.program_or_404)
    if module.required_for and not required_for_role(module, membership.role):
        raise ServiceError("This module is for another role.")
    if payload.answers is None:
        services.acknowledge_module(membership, module, by=access.user)
        return {"completed": True}
    result = services.answer_quiz(membership, module, answers=payload.answers, by=access.user)
    return {
        "completed": result.passed,
        "score": result.score,
        "passed": result.passed,
        "wrong_questions": list(result.wrong),
    }


@router.get(PROGRAM + "/readiness", response={200: ReadinessOut, **ERRORS})
def my_readiness(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    access = program_access(request, org, program)
    membership = _participant(access)
    if membership.readiness_checked_at is None:
        refresh_readiness(membership)
    return readiness_as_dict(stored_readiness(membership))


@router.get(PROGRAM + "/funnel", response={200: FunnelOut, **ERRORS})
def funnel(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    """Counts per step (cumulative, see ``meaning``) and who is stuck at each."""
    access = program_access(request, org, program)
    check_rule(can_manage_onboarding, access)
    program_row = access.program_or_404
    recalculating = refresh_stale_readiness(program_row)
    data = funnel_summary(program_row)
    stuck: dict[str, list[int]] = {step.value: [] for step in FUNNEL_ORDER}
    for membership_id, stage in funnel_people(program_row).values_list("pk", "readiness_stage"):
        stuck[stage or FunnelStep.APPLIED].append(membership_id)
    return {
        "steps": [
            {
                "step": step.value,
                "label": str(step.label),
                "count": count,
                "meaning": FUNNEL_HELP[step],
                "stuck": stuck[step.value],
            }
            for step, count, _, _ in data.rows()
        ],
        "pending_invitations": [invitation.email for invitation in data.pending_invitations],
        "recalculating": recalculating,
    }
