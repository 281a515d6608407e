"""The coordinator's meeting-guide page: the program's meeting templates in order, to edit,
add, reorder, remove, or reset to the starter guide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.mentoring.forms.guides import MoveForm, TemplateForm
from tandem.mentoring.models import MeetingTemplate
from tandem.mentoring.services import guides as services
from tandem.programs.http import TenantRequest, requires
from tandem.programs.rules import can_manage_program

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    program = request.access.program_or_404
    return reverse(
        f"mentoring:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs},
    )


def _template(request: TenantRequest, template_id: int) -> MeetingTemplate:
    return get_object_or_404(
        MeetingTemplate.objects.select_related("program__organization"),
        pk=template_id,
        program=request.access.program_or_404,
    )


def _context(request: TenantRequest) -> dict[str, Any]:
    program = request.access.program_or_404
    templates = services.ensure_guide(program)
    guided = 0
    rows = []
    for template in templates:
        if template.kind == "guided":
            guided += 1
        rows.append(
            {
                "template": template,
                "step": guided if template.kind == "guided" else None,
                "questions": len(template.question_list),
            }
        )
    return {
        "program": program,
        "org": program.organization,
        "rows": rows,
        "is_group": program.program_type == "group",
    }


@requires(can_manage_program)
def guide_page(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return render(request, "mentoring/guides/page.html", _context(request))


def _form_page(request: TenantRequest, template: MeetingTemplate | None) -> HttpResponse:
    program = request.access.program_or_404
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                if template is None:
                    saved = services.add_template(program, form.template_input(), by=request.user)
                    messages.success(request, f"“{saved}” added to the meeting guide.")
                else:
                    saved = services.update_template(
                        template, form.template_input(), by=request.user
                    )
                    messages.success(request, f"“{saved}” saved.")
            except ServiceError as error:
                show_service_error(form, error)
            else:
                return redirect(_url(request, "guide"))
        status = 422
    else:
        initial: dict[str, Any] = {"kind": "regular"}
        if template is not None:
            initial = {
                name: getattr(template, name)
                for name in (
                    "kind",
                    "title",
                    "purpose",
                    "questions",
                    "preparation",
                    "checklist",
                    "opens_tool",
                )
            }
        form = TemplateForm(initial=initial)
        status = 200
    return render(
        request,
        "mentoring/guides/form.html",
        {"program": program, "form": form, "template": template},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires(can_manage_program)
def template_add(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@requires(can_manage_program)
def template_edit(
    request: TenantRequest, org_slug: str, program_slug: str, template_id: int
) -> HttpResponse:
    return _form_page(request, _template(request, template_id))


def _after_change(request: TenantRequest) -> HttpResponse:
    if request.htmx:
        return render(request, "mentoring/guides/page.html#guide-table", _context(request))
    return redirect(_url(request, "guide"))


@require_POST
@requires(can_manage_program)
def template_remove(
    request: TenantRequest, org_slug: str, program_slug: str, template_id: int
) -> HttpResponse:
    template = _template(request, template_id)
    services.remove_template(template, by=request.user)
    messages.success(request, f"“{template}” removed from the meeting guide.")
    return _after_change(request)


@require_POST
@requires(can_manage_program)
def template_move(
    request: TenantRequest, org_slug: str, program_slug: str, template_id: int
) -> HttpResponse:
    template = _template(request, template_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move_template(template, direction=form.cleaned_data["direction"], by=request.user)
    return _after_change(request)


@require_POST
@requires(can_manage_program)
def guide_reset(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    services.reset_guide(request.access.program_or_404, by=request.user)
    messages.success(request, "The meeting guide is back to Tandem's starter guide.")
    return redirect(_url(request, "guide"))


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "guide/", guide_page, name="guide"),
    path(PROGRAM + "guide/new/", template_add, name="guide_template_add"),
    path(PROGRAM + "guide/reset/", guide_reset, name="guide_reset"),
    path(PROGRAM + "guide/<int:template_id>/", template_edit, name="guide_template_edit"),
    path(
        PROGRAM + "guide/<int:template_id>/remove/",
        template_remove,
        name="guide_template_remove",
    ),
    path(PROGRAM + "guide/<int:template_id>/move/", template_move, name="guide_template_move"),
]
