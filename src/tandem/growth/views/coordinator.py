"""The coordinator's goal pages: goal alignment (objectives × mentorships, counts and
percentages; a goal's text only where its mentee shared it) and the program's skills
vocabulary and goal templates."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.growth.forms.goals import RenameSkillForm, SkillForm, TemplateForm
from tandem.growth.models import GoalTemplate, Skill
from tandem.growth.queries.goals import alignment
from tandem.growth.rules import goals as rules
from tandem.growth.services import vocabulary as services
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Objective, Program

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"


def _setup_url(program: Program) -> str:
    return reverse(
        "growth:goal_setup",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


@require_GET
@requires(rules.can_view_alignment)
def goal_alignment(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    matrix = alignment(program, page_number=request.GET.get("page"))
    return render(
        request,
        "growth/coordinator/alignment.html",
        {"program": program, "matrix": matrix, "setup_url": _setup_url(program)},
    )


def _setup(
    request: TenantRequest,
    program: Program,
    *,
    skill_form: SkillForm | None = None,
    template_form: TemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    services.ensure_starter_skills(program)
    objectives = list(Objective.objects.filter(program=program).order_by("position", "id"))
    return render(
        request,
        "growth/coordinator/setup.html",
        {
            "program": program,
            "skills": list(Skill.objects.filter(program=program)),
            "templates": list(
                GoalTemplate.objects.filter(program=program).select_related("objective")
            ),
            "skill_form": skill_form or SkillForm(),
            "template_form": template_form or TemplateForm(objectives=objectives),
            "setup_url": _setup_url(program),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires(rules.can_manage_vocabulary)
def goal_setup(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """GET: the skills and templates. POST: add a skill or a template."""
    program = request.access.program_or_404
    if request.method != "POST":
        return _setup(request, program)
    if request.POST.get("add") == "skill":
        form = SkillForm(request.POST)
        if form.is_valid():
            try:
                skill = services.add_skill(
                    program,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    family=form.cleaned_data["family"],
                )
            except ServiceError as error:
                form.add_error("name" if error.field == "name" else None, error.message)
            else:
                flash.success(request, f"“{skill.name}” is in the program's skills.")
                return redirect(_setup_url(program))
        return _setup(request, program, skill_form=form, status=422)
    objectives = list(Objective.objects.filter(program=program))
    template_form = TemplateForm(request.POST, objectives=objectives)
    if template_form.is_valid():
        data = template_form.cleaned_data
        try:
            services.add_template(
                program,
                by=request.user,
                statement=data["statement"],
                measure=data["measure"],
                target=data["target"],
                objective_id=data["objective"],
            )
        except ServiceError as error:
            field = error.field if error.field in template_form.fields else None
            template_form.add_error(field, error.message)
        else:
            flash.success(request, "The template is added.")
            return redirect(_setup_url(program))
    return _setup(request, program, template_form=template_form, status=422)


@require_POST
@requires(rules.can_manage_vocabulary)
def skill_action(
    request: TenantRequest, org_slug: str, program_slug: str, skill_id: int
) -> HttpResponse:
    """Rename, remove, or include in / leave out of the self-assessment."""
    program = request.access.program_or_404
    skill = Skill.objects.filter(pk=skill_id, program=program).first()
    if skill is None:
        raise Http404("No such skill.")
    action = request.POST.get("action", "")
    try:
        if action == "rename":
            form = RenameSkillForm(request.POST)
            if not form.is_valid():
                raise ServiceError("Give the skill a name.", field="name")
            services.rename_skill(skill, by=request.user, name=form.cleaned_data["name"])
            flash.success(request, "The skill is renamed.")
        elif action == "remove":
            services.remove_skill(skill, by=request.user)
            flash.success(request, f"“{skill.name}” is removed from the program's skills.")
        elif action in ("assess", "unassess"):
            services.set_skill_assessed(skill, by=request.user, assessed=action == "assess")
        else:
            raise ServiceError("Choose what to do with the skill.")
    except ServiceError as error:
        flash.error(request, error.message)
    return redirect(_setup_url(program))


@require_POST
@requires(rules.can_manage_vocabulary)
def template_action(
    request: TenantRequest, org_slug: str, program_slug: str, template_id: int
) -> HttpResponse:
    """Edit or remove a goal template."""
    program = request.access.program_or_404
    template = GoalTemplate.objects.filter(pk=template_id, program=program).first()
    if template is None:
        raise Http404("No such template.")
    if request.POST.get("action") == "remove":
        services.remove_template(template, by=request.user)
        flash.success(request, "The template is removed.")
        return redirect(_setup_url(program))
    form = TemplateForm(request.POST, objectives=list(Objective.objects.filter(program=program)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_template(
                template,
                by=request.user,
                statement=data["statement"],
                measure=data["measure"],
                target=data["target"],
                objective_id=data["objective"],
                skill_ids=list(template.skills.values_list("pk", flat=True)),
            )
        except ServiceError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, "The template is saved.")
    else:
        flash.error(request, "Write the goal the template offers.")
    return redirect(_setup_url(program))


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "goals/alignment/", goal_alignment, name="goal_alignment"),
    path(PROGRAM + "goals/setup/", goal_setup, name="goal_setup"),
    path(PROGRAM + "goals/setup/skills/<int:skill_id>/", skill_action, name="skill_action"),
    path(
        PROGRAM + "goals/setup/templates/<int:template_id>/",
        template_action,
        name="template_action",
    ),
]
