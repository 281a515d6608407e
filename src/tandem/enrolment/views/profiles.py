"""Profile questions (coordinators), the participant's profile, the coordinator's profile list,
the mentor directory and a mentee's ranked choices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.enrolment import queries
from tandem.enrolment.answers import completeness
from tandem.enrolment.forms.profiles import (
    ChoiceMoveForm,
    ConsentForm,
    ProfileFilterForm,
    ProfileForm,
    QuestionForm,
)
from tandem.enrolment.models import DemographicConsent, ProfileQuestion
from tandem.enrolment.rules import profiles as rules
from tandem.enrolment.sections import profile_sections
from tandem.enrolment.services import profiles as services
from tandem.enrolment.services.programs import switch_on_starter_questions
from tandem.enrolment.services.readiness import refresh_stale_readiness
from tandem.enrolment.starter import suggested_questions
from tandem.programs.enums import Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership

PROFILES_PAGE_SIZE = 50


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    program = request.access.program_or_404
    return reverse(
        f"enrolment:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs},
    )


# --- question builder --------------------------------------------------------------------


def _questions_page(request: TenantRequest, *, fragment: bool = False) -> HttpResponse:
    program = request.access.program_or_404
    template = "enrolment/profiles/question_list.html"
    if fragment:
        template += "#question-table"
    return render(
        request,
        template,
        {
            "program": program,
            "questions": list(queries.questions_of(program)),
            "suggestions": suggested_questions(program),
        },
    )


@requires(rules.can_manage_questions)
def question_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _questions_page(request)


@require_POST
@requires(rules.can_manage_questions)
def question_switch_on(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Switch on one suggested starter question (``key``), or all of them (``all``)."""
    program = request.access.program_or_404
    if request.POST.get("all"):
        keys = [spec.key for spec in suggested_questions(program)]
    else:
        keys = [request.POST.get("key", "")]
    try:
        added = switch_on_starter_questions(program, by=request.user, keys=keys)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if len(added) == 1:
            messages.success(request, f"Question “{added[0].label}” switched on: it is now last.")
        elif added:
            messages.success(request, f"{len(added)} suggested questions switched on.")
        else:
            messages.info(request, "The program already asks that question.")
    return redirect(_url(request, "questions"))


def _question_form_page(request: TenantRequest, question: ProfileQuestion | None) -> HttpResponse:
    program = request.access.program_or_404
    others = list(queries.questions_of(program))
    form = QuestionForm(
        request.POST if request.method == "POST" else None,
        program_questions=others,
        instance=question,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if question is None:
                saved = services.add_question(program, by=request.user, **form.service_fields())
                messages.success(request, f"Question “{saved.label}” added.")
            else:
                saved = services.update_question(
                    question,
                    by=request.user,
                    remove_from_answers=form.cleaned_data.get("remove_from_answers", False),
                    **form.service_fields(),
                )
                messages.success(request, f"Question “{saved.label}” saved.")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return redirect(_url(request, "questions"))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "enrolment/profiles/question_form.html",
        {"program": program, "form": form, "question": question},
        status=status,
    )


@requires(rules.can_manage_questions)
def question_add(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _question_form_page(request, None)


@requires(rules.can_manage_questions)
def question_edit(
    request: TenantRequest, org_slug: str, program_slug: str, question_id: int
) -> HttpResponse:
    question = get_object_or_404(
        ProfileQuestion, pk=question_id, program=request.access.program_or_404
    )
    return _question_form_page(request, question)


@require_POST
@requires(rules.can_manage_questions)
def question_delete(
    request: TenantRequest, org_slug: str, program_slug: str, question_id: int
) -> HttpResponse:
    question = get_object_or_404(
        ProfileQuestion, pk=question_id, program=request.access.program_or_404
    )
    services.delete_question(question, by=request.user)
    if request.htmx:
        return _questions_page(request, fragment=True)
    messages.success(request, f"Question “{question.label}” deleted.")
    return redirect(_url(request, "questions"))


@require_POST
@requires(rules.can_manage_questions)
def question_move(
    request: TenantRequest, org_slug: str, program_slug: str, question_id: int
) -> HttpResponse:
    question = get_object_or_404(
        ProfileQuestion, pk=question_id, program=request.access.program_or_404
    )
    form = ChoiceMoveForm(request.POST)
    if form.is_valid():
        services.move_question(question, by=request.user, direction=form.cleaned_data["direction"])
    if request.htmx:
        return _questions_page(request, fragment=True)
    return redirect(_url(request, "questions"))


# --- the participant's own profile -------------------------------------------------------


def _own_membership(request: TenantRequest) -> Membership:
    membership = request.access.membership
    assert membership is not None  # guaranteed by can_edit_own_profile
    return membership


@requires(rules.can_edit_own_profile)
def profile(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    membership = _own_membership(request)
    consent = DemographicConsent.objects.filter(membership=membership).first()
    questions = [q for q in services.questions_for(membership) if consent or not q.is_demographic]
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        answers=membership.answers,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_profile(
                    membership, by=request.user, answers=form.answers, partial=True
                )
            except services.ProfileAnswerErrors as errors:
                for key, reason in errors.errors.items():
                    form.add_error(key if key in form.fields else None, reason)
            else:
                membership.refresh_from_db()
                done = completeness(questions, membership.answers, membership.role)
                if done.complete:
                    messages.success(request, "Profile saved. It is complete.")
                else:
                    count = len(done.missing_required)
                    messages.success(
                        request,
                        f"Profile saved. {count} required answer{'s' if count != 1 else ''} "
                        "still missing.",
                    )
                return redirect(_url(request, "profile"))
        status = 422
    all_questions = services.questions_for(membership)
    has_demographics = any(q.is_demographic for q in all_questions)
    done = completeness(all_questions, membership.answers, membership.role)
    labels = {q.key: q.label for q in all_questions}
    return render(
        request,
        "enrolment/profiles/profile_form.html",
        {
            "program": program,
            "membership": membership,
            "form": form,
            "sections": profile_sections(form.general_fields(), membership.answers),
            "completeness": done,
            "missing": [(key, labels[key]) for key in done.missing_required],
            "consent": consent,
            "has_demographics": has_demographics,
            "consent_form": ConsentForm(
                initial={"allow_matching": consent.allow_matching if consent else False}
            ),
        },
        status=status,
    )


@require_POST
@requires(rules.can_edit_own_profile)
def profile_consent(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    membership = _own_membership(request)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.give_demographic_consent(
            membership, by=request.user, allow_matching=form.cleaned_data["allow_matching"]
        )
        messages.success(request, "Thank you. The demographic questions are below.")
        return redirect(_url(request, "profile") + "#demographics")
    messages.error(request, "Tick the consent box to answer the demographic questions.")
    return redirect(_url(request, "profile") + "#demographics")


@require_POST
@requires(rules.can_edit_own_profile)
def profile_consent_withdraw(
    request: TenantRequest, org_slug: str, program_slug: str
) -> HttpResponse:
    services.withdraw_demographic_consent(_own_membership(request), by=request.user)
    messages.success(request, "Consent withdrawn; your demographic answers were deleted.")
    return redirect(_url(request, "profile"))


# --- coordinators: everyone's profiles ---------------------------------------------------


@requires(rules.can_view_profiles)
def profile_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    filters = ProfileFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    recalculating = refresh_stale_readiness(program)
    rows = queries.profile_rows(
        program,
        role=criteria.get("role", ""),
        incomplete_only=criteria.get("incomplete", False),
        search=criteria.get("q", ""),
    )
    page = Paginator(rows, PROFILES_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "enrolment/profiles/profile_list.html"
    if request.htmx and request.htmx.target == "profile-table":
        template += "#profile-table"
    return render(
        request,
        template,
        {
            "program": program,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "recalculating": recalculating,
        },
    )


@requires(rules.can_view_profiles)
def profile_detail(
    request: TenantRequest, org_slug: str, program_slug: str, membership_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=membership_id,
        program=program,
        role__in=[Role.MENTOR, Role.MENTEE],
    )
    questions = list(queries.questions_of(program))
    labels = {q.key: q.label for q in questions}
    done = completeness(questions, membership.answers, membership.role)
    return render(
        request,
        "enrolment/profiles/profile_detail.html",
        {
            "program": program,
            "membership": membership,
            "rows": queries.answer_rows(questions, membership.answers, membership.role),
            "completeness": done,
            "missing": [labels[key] for key in done.missing_required],
        },
    )


PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"

urlpatterns: list[URLPattern] = [
    path(PROGRAM + "questions/", question_list, name="questions"),
    path(PROGRAM + "questions/new/", question_add, name="question_add"),
    path(PROGRAM + "questions/suggested/", question_switch_on, name="question_switch_on"),
    path(PROGRAM + "questions/<int:question_id>/", question_edit, name="question_edit"),
    path(PROGRAM + "questions/<int:question_id>/delete/", question_delete, name="question_delete"),
    path(PROGRAM + "questions/<int:question_id>/move/", question_move, name="question_move"),
    path(PROGRAM + "profile/", profile, name="profile"),
    path(PROGRAM + "profile/consent/", profile_consent, name="profile_consent"),
    path(
        PROGRAM + "profile/consent/withdraw/",
        profile_consent_withdraw,
        name="profile_consent_withdraw",
    ),
    path(PROGRAM + "profiles/", profile_list, name="profiles"),
    path(PROGRAM + "profiles/<int:membership_id>/", profile_detail, name="profile_detail"),
]
