"""Self-selection over the API: a mentee's requests, a mentor's inbox, the coordinators' view.

Same rules and services as the pages: mentees send, answer and withdraw; mentors accept,
decline and ask; coordinators see every mentee's cascade.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.matches import requests as services
from tandem.matches.enums import RequestStatus
from tandem.matches.models import MentorRequest
from tandem.matches.requests import DeclineReason
from tandem.matches.rules import (
    can_answer_requests,
    can_oversee_requests,
    can_send_requests,
)
from tandem.programs.access import Access
from tandem.programs.models import Membership

router = Router(tags=["mentor requests"])

PROGRAM = "/organizations/{org}/programs/{program}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MyRequestOut(Schema):
    id: int
    rank: int
    mentor_id: int
    mentor_name: str
    status: str
    message: str
    #: The mentor's question while the status is info_requested.
    question: str
    #: The mentor's reason when they declined.
    reason: str
    asked_at: dt.datetime | None
    deadline: dt.datetime | None
    responded_at: dt.datetime | None


class SendIn(Schema):
    #: Optional notes by mentor membership id (as a string key in JSON).
    notes: dict[int, str] = {}


class AnswerIn(Schema):
    answer: str


class WithdrawOut(Schema):
    withdrawn: int


class InboxOut(Schema):
    id: int
    mentee_id: int
    mentee_name: str
    rank: int
    status: str
    message: str
    highlights: list[str]
    score: float | None
    #: how well your profiles fit, 0–100 (the percentage the inbox shows)
    fit_percent: float | None = Field(default=None, ge=0, le=100)
    reasons: list[str]
    trade_offs: list[str]
    explanation: str
    asked_at: dt.datetime | None
    deadline: dt.datetime | None


class DeclineIn(Schema):
    reason: DeclineReason
    note: str = ""


class QuestionIn(Schema):
    question: str


class AcceptOut(Schema):
    relationship_id: int
    mentee_id: int
    mentor_id: int
    score: float | None
    explanation: str


class CascadeRequestOut(Schema):
    rank: int
    mentor_id: int
    mentor_name: str
    status: str
    deadline: dt.datetime | None


class CascadeOut(Schema):
    mentee_id: int
    mentee_name: str
    state: str
    mentor_id: int | None
    current_request_id: int | None
    deadline: dt.datetime | None
    requests: list[CascadeRequestOut]


def _me(access: Access) -> Membership:
    membership = access.membership
    assert membership is not None  # guaranteed by the role rules
    return Membership.objects.select_related("user", "program__organization").get(pk=membership.pk)


def _my_request_out(request: MentorRequest) -> dict[str, Any]:
    asked = request.status == RequestStatus.INFO_REQUESTED
    declined = request.status == RequestStatus.DECLINED
    return {
        "id": request.pk,
        "rank": request.rank,
        "mentor_id": request.mentor_id,
        "mentor_name": request.mentor.user.display_name,
        "status": request.status,
        "message": request.message,
        "question": request.response_message if asked else "",
        "reason": request.response_message if declined else "",
        "asked_at": request.asked_at,
        "deadline": request.deadline,
        "responded_at": request.responded_at,
    }


# --- mentees ------------------------------------------------------------------------------


@router.get(PROGRAM + "/requests", response={200: list[MyRequestOut], **ERRORS})
def my_requests(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(can_send_requests, access)
    return [_my_request_out(r) for r in services.requests_of(_me(access))]


@router.post(PROGRAM + "/requests", response={201: list[MyRequestOut], **ERRORS})
def send_requests(
    request: HttpRequest, org: str, program: str, payload: SendIn
) -> Status[list[dict[str, Any]]]:
    access = program_access(request, org, program)
    check_rule(can_send_requests, access)
    mentee = _me(access)
    services.send_requests(mentee, by=access.user, notes=payload.notes)
    return Status(201, [_my_request_out(r) for r in services.requests_of(mentee)])


@router.post(PROGRAM + "/requests/{request_id}/answer", response={200: MyRequestOut, **ERRORS})
def answer_question(
    request: HttpRequest, org: str, program: str, request_id: int, payload: AnswerIn
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(can_send_requests, access)
    mentor_request = get_object_or_404(MentorRequest, pk=request_id, mentee=access.membership)
    services.answer_question(mentor_request, by=access.user, answer=payload.answer)
    updated = MentorRequest.objects.select_related("mentor__user").get(pk=request_id)
    return _my_request_out(updated)


@router.post(PROGRAM + "/requests/withdraw", response={200: WithdrawOut, **ERRORS})
def withdraw(request: HttpRequest, org: str, program: str) -> dict[str, int]:
    access = program_access(request, org, program)
    check_rule(can_send_requests, access)
    return {"withdrawn": services.withdraw_requests(_me(access), by=access.user)}


# --- mentors ------------------------------------------------------------------------------


@router.get(PROGRAM + "/requests/inbox", response={200: list[InboxOut], **ERRORS})
def inbox(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(can_answer_requests, access)
    return [
        {
            "id": entry.request.pk,
            "mentee_id": entry.request.mentee_id,
            "mentee_name": entry.request.mentee.user.display_name,
            "rank": entry.request.rank,
            "status": entry.request.status,
            "message": entry.request.message,
            "highlights": entry.highlights,
            "score": entry.score,
            "fit_percent": None if entry.fit is None else round(100.0 * entry.fit, 1),
            "reasons": list(entry.reasons),
            "trade_offs": list(entry.trade_offs),
            "explanation": entry.explanation,
            "asked_at": entry.request.asked_at,
            "deadline": entry.request.deadline,
        }
        for entry in services.inbox_entries(_me(access))
    ]


def _inbox_request(access: Access, request_id: int) -> MentorRequest:
    return get_object_or_404(
        MentorRequest.objects.select_related("program__organization", "mentee__user"),
        pk=request_id,
        mentor=access.membership,
    )


@router.post(PROGRAM + "/requests/{request_id}/accept", response={201: AcceptOut, **ERRORS})
def accept(request: HttpRequest, org: str, program: str, request_id: int) -> Status[Any]:
    access = program_access(request, org, program)
    check_rule(can_answer_requests, access)
    relationship = services.accept_request(_inbox_request(access, request_id), by=access.user)
    return Status(
        201,
        {
            "relationship_id": relationship.pk,
            "mentee_id": relationship.mentee_id,
            "mentor_id": relationship.mentor_id,
            "score": relationship.score,
            "explanation": relationship.explanation,
        },
    )


@router.post(PROGRAM + "/requests/{request_id}/decline", response={204: None, **ERRORS})
def decline(
    request: HttpRequest, org: str, program: str, request_id: int, payload: DeclineIn
) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(can_answer_requests, access)
    services.decline_request(
        _inbox_request(access, request_id),
        by=access.user,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(204, None)


@router.post(PROGRAM + "/requests/{request_id}/ask", response={204: None, **ERRORS})
def ask(
    request: HttpRequest, org: str, program: str, request_id: int, payload: QuestionIn
) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(can_answer_requests, access)
    services.ask_for_information(
        _inbox_request(access, request_id), by=access.user, question=payload.question
    )
    return Status(204, None)


# --- coordinators -------------------------------------------------------------------------


@router.get(PROGRAM + "/requests/overview", response={200: list[CascadeOut], **ERRORS})
def overview(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(can_oversee_requests, access)
    return [
        {
            "mentee_id": cascade.mentee.pk,
            "mentee_name": cascade.mentee.user.display_name,
            "state": cascade.state,
            "mentor_id": cascade.relationship.mentor_id if cascade.relationship else None,
            "current_request_id": cascade.current.pk if cascade.current else None,
            "deadline": cascade.current.deadline if cascade.current else None,
            "requests": [
                {
                    "rank": r.rank,
                    "mentor_id": r.mentor_id,
                    "mentor_name": r.mentor.user.display_name,
                    "status": r.status,
                    "deadline": r.deadline,
                }
                for r in cascade.requests
            ],
        }
        for cascade in services.program_cascades(access.program_or_404)
    ]
