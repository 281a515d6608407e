"""Self-selection pages: the mentee's requests, the mentor's inbox, the coordinators' overview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.enrolment.queries import choices_of
from tandem.matches import requests as services
from tandem.matches.enums import RequestStatus
from tandem.matches.forms.requests import (
    AnswerForm,
    DeclineForm,
    MatchByHandForm,
    QuestionForm,
    SendRequestsForm,
)
from tandem.matches.models import MentorRequest
from tandem.matches.participants import standing_of
from tandem.matches.problem import mentor_capacity
from tandem.matches.rules import (
    can_answer_requests,
    can_oversee_requests,
    can_send_requests,
)
from tandem.mentoring.models import OPEN_STATUSES
from tandem.programs.enums import Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership


def _url(request: TenantRequest, name: str) -> str:
    program = request.access.program_or_404
    return reverse(
        f"matches:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


def _me(request: TenantRequest) -> Membership:
    membership = request.access.membership
    assert membership is not None  # guaranteed by the role rules
    return Membership.objects.select_related("user", "program__organization").get(pk=membership.pk)


# --- the mentee ---------------------------------------------------------------------------


def _mentee_page(
    request: TenantRequest,
    *,
    form: SendRequestsForm | None = None,
    answer_forms: dict[int, AnswerForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    program = request.access.program_or_404
    mentee = _me(request)
    requests = services.requests_of(mentee)
    choices = choices_of(mentee)
    problem = services.sending_problem(mentee)
    if form is None:
        form = SendRequestsForm(
            mentors=[(c.mentor.pk, c.mentor.user.display_name) for c in choices]
        )
    answer_forms = answer_forms or {}
    rows = [
        (choice, form.note_field(choice.mentor.pk))
        for choice in choices
        if f"note_{choice.mentor.pk}" in form.fields
    ]
    waiting = [
        (r, answer_forms.get(r.pk) or AnswerForm(prefix=f"r{r.pk}"))
        for r in requests
        if r.status == RequestStatus.INFO_REQUESTED
    ]
    open_requests = [r for r in requests if r.status in services.OPEN_REQUEST_STATUSES]
    return render(
        request,
        "matches/requests/mine.html",
        {
            "program": program,
            "mentee": mentee,
            "requests": requests,
            "open_requests": open_requests,
            "waiting": waiting,
            "relationship": services.open_relationship_of(mentee),
            "choices": choices,
            "rows": rows,
            "form": form,
            "problem": problem,
            "error": error,
            "standing": standing_of(mentee),
            "here": "requests/",
        },
        status=status,
    )


@requires(can_send_requests)
def my_requests(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _mentee_page(request)


@require_POST
@requires(can_send_requests)
def send(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    mentee = _me(request)
    choices = choices_of(mentee)
    form = SendRequestsForm(
        request.POST, mentors=[(c.mentor.pk, c.mentor.user.display_name) for c in choices]
    )
    if form.is_valid():
        try:
            sent = services.send_requests(mentee, by=request.user, notes=form.notes())
        except ServiceError as refused:
            return _mentee_page(request, form=form, error=refused.message, status=422)
        first = sent[0].mentor.user.display_name
        messages.success(
            request,
            f"Requests sent. {first} is asked first; the others wait their turn.",
        )
        return redirect(_url(request, "requests"))
    return _mentee_page(request, form=form, error="Check the notes below.", status=422)


@require_POST
@requires(can_send_requests)
def answer(
    request: TenantRequest, org_slug: str, program_slug: str, request_id: int
) -> HttpResponse:
    mentee = _me(request)
    mentor_request = get_object_or_404(MentorRequest, pk=request_id, mentee=mentee)
    form = AnswerForm(request.POST, prefix=f"r{request_id}")
    if form.is_valid():
        try:
            services.answer_question(
                mentor_request, by=request.user, answer=form.cleaned_data["answer"]
            )
        except ServiceError as refused:
            form.add_error("answer", refused.message)
        else:
            messages.success(request, "Answer sent. The mentor's time to answer starts again.")
            return redirect(_url(request, "requests"))
    return _mentee_page(request, answer_forms={request_id: form}, status=422)


@require_POST
@requires(can_send_requests)
def withdraw(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    try:
        count = services.withdraw_requests(_me(request), by=request.user)
    except ServiceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"{count} request{'s' if count != 1 else ''} withdrawn. Change your choices and "
            "send again when you are ready.",
        )
    return redirect(_url(request, "requests"))


# --- the mentor -----------------------------------------------------------------------------


def _inbox_page(
    request: TenantRequest,
    *,
    forms: dict[str, Any] | None = None,
    error: str = "",
    done: str = "",
    status: int = 200,
) -> HttpResponse:
    program = request.access.program_or_404
    mentor = _me(request)
    forms = forms or {}
    cards = [
        {
            "entry": entry,
            "decline": forms.get(f"decline-{entry.request.pk}")
            or DeclineForm(prefix=f"decline-{entry.request.pk}"),
            "ask": forms.get(f"ask-{entry.request.pk}")
            or QuestionForm(prefix=f"ask-{entry.request.pk}"),
        }
        for entry in services.inbox_entries(mentor)
    ]
    taken = mentor.mentor_relationships.filter(status__in=OPEN_STATUSES).count()
    template = "matches/requests/inbox.html"
    if request.htmx:
        template += "#inbox"
    return render(
        request,
        template,
        {
            "program": program,
            "mentor": mentor,
            "cards": cards,
            "capacity": mentor_capacity(mentor),
            "taken": taken,
            "error": error,
            "done": done,
        },
        status=status,
    )


@requires(can_answer_requests)
def inbox(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _inbox_page(request)


def _mentor_request(request: TenantRequest, request_id: int) -> MentorRequest:
    return get_object_or_404(
        MentorRequest.objects.select_related("program__organization", "mentee__user"),
        pk=request_id,
        mentor=request.access.membership,
    )


def _inbox_done(request: TenantRequest, done: str) -> HttpResponse:
    if request.htmx:
        return _inbox_page(request, done=done)
    messages.success(request, done)
    return redirect(_url(request, "request_inbox"))


@require_POST
@requires(can_answer_requests)
def accept(
    request: TenantRequest, org_slug: str, program_slug: str, request_id: int
) -> HttpResponse:
    mentor_request = _mentor_request(request, request_id)
    try:
        services.accept_request(mentor_request, by=request.user)
    except ServiceError as refused:
        return _inbox_page(request, error=refused.message, status=422)
    name = mentor_request.mentee.user.display_name
    return _inbox_done(request, f"You are now {name}'s mentor. You will both get an introduction.")


@require_POST
@requires(can_answer_requests)
def decline(
    request: TenantRequest, org_slug: str, program_slug: str, request_id: int
) -> HttpResponse:
    mentor_request = _mentor_request(request, request_id)
    prefix = f"decline-{request_id}"
    form = DeclineForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.decline_request(
                mentor_request,
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as refused:
            form.add_error(None, refused.message)
        else:
            name = mentor_request.mentee.user.display_name
            return _inbox_done(
                request, f"Declined. {name} is told, and their request passes to their next choice."
            )
    return _inbox_page(request, forms={prefix: form}, status=422)


@require_POST
@requires(can_answer_requests)
def ask(request: TenantRequest, org_slug: str, program_slug: str, request_id: int) -> HttpResponse:
    mentor_request = _mentor_request(request, request_id)
    prefix = f"ask-{request_id}"
    form = QuestionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            services.ask_for_information(
                mentor_request, by=request.user, question=form.cleaned_data["question"]
            )
        except ServiceError as refused:
            form.add_error("question", refused.message)
        else:
            return _inbox_done(
                request, "Question sent. Your deadline pauses until the mentee answers."
            )
    return _inbox_page(request, forms={prefix: form}, status=422)


# --- coordinators ---------------------------------------------------------------------------


def _overview_page(request: TenantRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    program = request.access.program_or_404
    cascades = services.program_cascades(program)
    services.attach_suggestions(program, cascades)
    unmatched = [c for c in cascades if c.state == services.CascadeState.UNMATCHED]
    counts = {state: 0 for state in services.CascadeState}
    for cascade in cascades:
        counts[cascade.state] += 1
    return render(
        request,
        "matches/requests/overview.html",
        {
            "program": program,
            "cascades": cascades,
            "unmatched": unmatched,
            "figures": [(state.label, counts[state]) for state in services.CascadeState],
            "error": error,
        },
        status=status,
    )


@requires(can_oversee_requests)
def overview(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _overview_page(request)


@require_POST
@requires(can_oversee_requests)
def match(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = MatchByHandForm(request.POST)
    if not form.is_valid():
        return _overview_page(request, error="Pick a mentee and a mentor.", status=422)
    mentee = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=form.cleaned_data["mentee"],
        program=program,
        role=Role.MENTEE,
    )
    mentor = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=form.cleaned_data["mentor"],
        program=program,
        role=Role.MENTOR,
    )
    try:
        services.match_by_hand(program, mentee=mentee, mentor=mentor, by=request.user)
    except ServiceError as refused:
        return _overview_page(request, error=refused.message, status=422)
    messages.success(
        request,
        f"{mentee.user.display_name} and {mentor.user.display_name} are matched; both get an "
        "introduction.",
    )
    return redirect(_url(request, "request_overview"))


PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/requests/"

urlpatterns: list[URLPattern] = [
    path(PROGRAM, my_requests, name="requests"),
    path(PROGRAM + "send/", send, name="request_send"),
    path(PROGRAM + "withdraw/", withdraw, name="request_withdraw"),
    path(PROGRAM + "<int:request_id>/answer/", answer, name="request_answer"),
    path(PROGRAM + "inbox/", inbox, name="request_inbox"),
    path(PROGRAM + "<int:request_id>/accept/", accept, name="request_accept"),
    path(PROGRAM + "<int:request_id>/decline/", decline, name="request_decline"),
    path(PROGRAM + "<int:request_id>/ask/", ask, name="request_ask"),
    path(PROGRAM + "overview/", overview, name="request_overview"),
    path(PROGRAM + "overview/match/", match, name="request_match"),
]
