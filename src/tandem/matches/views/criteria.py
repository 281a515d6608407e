"""Matching criteria per program (coordinators), with a live preview for a sample mentee."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.matches import criteria as criteria_services
from tandem.matches import queries, rules
from tandem.matches.forms.criteria import CriterionForm, MoveForm, TryWeightsForm
from tandem.matches.models import MatchingCriterion
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    program = request.access.program_or_404
    return reverse(
        f"matches:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs},
    )


def _criterion(request: TenantRequest, criterion_id: int) -> MatchingCriterion:
    return get_object_or_404(
        MatchingCriterion.objects.select_related("mentee_question", "mentor_question", "program"),
        pk=criterion_id,
        program=request.access.program_or_404,
    )


def _rows(criteria: list[MatchingCriterion]) -> list[dict[str, Any]]:
    return [
        {
            "criterion": c,
            "text": criteria_services.describe(c),
            "params": criteria_services.params_text(c),
            "default": criteria_services.is_default(c),
        }
        for c in criteria
    ]


def _page_context(
    request: TenantRequest,
    *,
    mentee_id: int | None = None,
    weights_form: TryWeightsForm | None = None,
) -> dict[str, Any]:
    program = request.access.program_or_404
    criteria = queries.criteria_of(program)
    weights = None
    if weights_form is not None and weights_form.is_valid():
        weights = weights_form.weights()
    preview_error = ""
    try:
        preview = queries.preview(program, mentee_id=mentee_id, weights=weights)
    except ServiceError as error:
        preview = queries.preview(program, mentee_id=mentee_id)
        preview_error = error.message
    if weights_form is None:
        weights_form = TryWeightsForm(
            criteria=criteria,
            initial={"mentee": preview.mentee.pk if preview.mentee else None},
        )
    rows = _rows(criteria)
    return {
        "program": program,
        "rows": rows,
        "all_defaults": bool(rows) and all(row["default"] for row in rows),
        "preview": preview,
        "preview_error": preview_error,
        "weights_form": weights_form,
        "tried": weights is not None,
    }


@requires(rules.can_manage_criteria)
def criteria_page(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    mentee_id = _int(request.GET.get("mentee"))
    return render(
        request, "matches/criteria/page.html", _page_context(request, mentee_id=mentee_id)
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@requires(rules.can_manage_criteria)
def preview(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """GET ?mentee=: another sample mentee. POST weights: try them without saving."""
    program = request.access.program_or_404
    if request.method == "POST":
        criteria = queries.criteria_of(program)
        form = TryWeightsForm(request.POST, criteria=criteria)
        mentee_id = _int(request.POST.get("mentee"))
        context = _page_context(request, mentee_id=mentee_id, weights_form=form)
        status = 200 if form.is_valid() and not context["preview_error"] else 422
    else:
        context = _page_context(request, mentee_id=_int(request.GET.get("mentee")))
        status = 200
    template = "matches/criteria/page.html"
    if request.htmx:
        template += "#preview"
    return render(request, template, context, status=status)


def _form_page(request: TenantRequest, criterion: MatchingCriterion | None) -> HttpResponse:
    program = request.access.program_or_404
    form = CriterionForm(
        request.POST if request.method == "POST" else None,
        program=program,
        criterion=criterion,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if criterion is None:
                saved = criteria_services.add_criterion(
                    program, form.criterion_input(), by=request.user
                )
                messages.success(request, f"Criterion “{saved}” added.")
            else:
                saved = criteria_services.update_criterion(
                    criterion, form.criterion_input(), by=request.user
                )
                messages.success(request, f"Criterion “{saved}” saved.")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return redirect(_url(request, "criteria"))
    return render(
        request,
        "matches/criteria/form.html",
        {"program": program, "form": form, "criterion": criterion},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(rules.can_manage_criteria)
def criterion_add(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@requires(rules.can_manage_criteria)
def criterion_edit(
    request: TenantRequest, org_slug: str, program_slug: str, criterion_id: int
) -> HttpResponse:
    return _form_page(request, _criterion(request, criterion_id))


def _after_change(request: TenantRequest) -> HttpResponse:
    if request.htmx:
        return render(request, "matches/criteria/page.html#criteria-table", _page_context(request))
    return redirect(_url(request, "criteria"))


@require_POST
@requires(rules.can_manage_criteria)
def criterion_delete(
    request: TenantRequest, org_slug: str, program_slug: str, criterion_id: int
) -> HttpResponse:
    criterion = _criterion(request, criterion_id)
    criteria_services.delete_criterion(criterion, by=request.user)
    messages.success(request, f"Criterion “{criterion}” deleted.")
    return _after_change(request)


@require_POST
@requires(rules.can_manage_criteria)
def criterion_move(
    request: TenantRequest, org_slug: str, program_slug: str, criterion_id: int
) -> HttpResponse:
    criterion = _criterion(request, criterion_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        criteria_services.move_criterion(
            criterion, direction=form.cleaned_data["direction"], by=request.user
        )
    return _after_change(request)


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "matching/criteria/", criteria_page, name="criteria"),
    path(PROGRAM + "matching/criteria/preview/", preview, name="criteria_preview"),
    path(PROGRAM + "matching/criteria/new/", criterion_add, name="criterion_add"),
    path(PROGRAM + "matching/criteria/<int:criterion_id>/", criterion_edit, name="criterion_edit"),
    path(
        PROGRAM + "matching/criteria/<int:criterion_id>/delete/",
        criterion_delete,
        name="criterion_delete",
    ),
    path(
        PROGRAM + "matching/criteria/<int:criterion_id>/move/",
        criterion_move,
        name="criterion_move",
    ),
]
