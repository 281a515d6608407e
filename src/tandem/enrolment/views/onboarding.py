"""Pages for getting ready to be matched: agreement, training, the checklist and the funnel.

Participant pages (read and accept, train, checklist) and coordinator pages (edit the
agreement, manage training, the funnel and reminders) are kept apart, each behind its rule.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.forms.onboarding import (
    AgreementAcceptForm,
    AgreementEditForm,
    NudgeForm,
    QuizAnswerForm,
    QuizFormSet,
    TrainingModuleForm,
    quiz_from,
    quiz_initial,
)
from tandem.enrolment.models import Agreement, TrainingCompletion, TrainingModule
from tandem.enrolment.readiness import (
    FUNNEL_ORDER,
    current_agreement,
    funnel_people,
    funnel_summary,
    progress_of,
    readiness_of,
    required_for_role,
)
from tandem.enrolment.rules.onboarding import can_get_ready, can_manage_onboarding
from tandem.enrolment.services import onboarding as services
from tandem.enrolment.services.readiness import refresh_stale_readiness
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership, Program

TEMPLATES = "enrolment/onboarding/"
#: People listed per page of the funnel; the counts and reminders cover everyone.
PEOPLE_SHOWN = 50


def _membership(request: TenantRequest) -> Membership:
    membership = request.access.membership
    assert membership is not None  # can_get_ready guarantees it
    return membership


def _base_url(program: Program) -> str:
    return program.get_absolute_url()


# --- the agreement --------------------------------------------------------------------------------


@requires(can_get_ready)
def agreement(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    membership = _membership(request)
    current = current_agreement(program)
    acceptance = (
        membership.agreement_acceptances.filter(agreement=current).first() if current else None
    )
    form = AgreementAcceptForm(
        request.POST or None, initial={"version": current and current.version}
    )
    status = 200
    if request.method == "POST" and current is not None:
        if form.is_valid():
            try:
                services.accept_agreement(
                    membership, by=request.user, version=form.cleaned_data["version"]
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Thank you: you accepted the agreement.")
                return redirect(_base_url(program) + "getting-ready/")
        status = 422
    accepted_before = (
        current is not None and acceptance is None and membership.agreement_acceptances.exists()
    )
    return render(
        request,
        TEMPLATES + "agreement.html",
        {
            "program": program,
            "agreement": current,
            "acceptance": acceptance,
            "accepted_before": accepted_before,
            "form": form,
        },
        status=status,
    )


@requires(can_manage_onboarding)
def agreement_edit(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    current = current_agreement(program)
    initial_text = current.text if current else services.DEFAULT_AGREEMENT_TEXT
    form = AgreementEditForm(request.POST or None, initial={"text": initial_text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                published = services.publish_agreement(
                    program, text=form.cleaned_data["text"], by=request.user
                )
            except ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                if current is not None and published.pk == current.pk:
                    messages.info(
                        request, f"The text is unchanged: version {current.version} stays."
                    )
                else:
                    messages.success(request, f"Version {published.version} is now in force.")
                return redirect(request.path)
        status = 422
    versions = list(
        Agreement.objects.filter(program=program)
        .order_by("-version")
        .select_related("published_by")
    )
    accepted_count = current.acceptances.count() if current else 0
    return render(
        request,
        TEMPLATES + "agreement_edit.html",
        {
            "program": program,
            "agreement": current,
            "form": form,
            "versions": versions,
            "accepted_count": accepted_count,
            "is_default_text": current is None,
        },
        status=status,
    )


# --- training for participants --------------------------------------------------------------------


def _my_modules(
    membership: Membership,
) -> list[tuple[TrainingModule, bool, TrainingCompletion | None]]:
    """Modules for the person's role and their completion, if any."""
    completions = {
        completion.module_id: completion
        for completion in TrainingCompletion.objects.filter(membership=membership)
    }
    modules = TrainingModule.objects.filter(program_id=membership.program_id)
    return [
        (module, required_for_role(module, membership.role), completions.get(module.pk))
        for module in modules
        if not module.required_for or required_for_role(module, membership.role)
    ]


@requires(can_get_ready)
def training(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    rows = _my_modules(_membership(request))
    required = [row for row in rows if row[1]]
    return render(
        request,
        TEMPLATES + "training.html",
        {
            "program": program,
            "rows": rows,
            "required_total": len(required),
            "required_done": sum(1 for row in required if row[2] is not None),
        },
    )


@requires(can_get_ready)
def training_module(
    request: TenantRequest, org_slug: str, program_slug: str, module_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    membership = _membership(request)
    module = get_object_or_404(TrainingModule, pk=module_id, program=program)
    if module.required_for and not required_for_role(module, membership.role):
        return redirect(_base_url(program) + "training/")
    completion = TrainingCompletion.objects.filter(membership=membership, module=module).first()
    quiz_form = QuizAnswerForm(module, request.POST or None) if module.quiz else None
    result = None
    status = 200
    if request.method == "POST":
        try:
            if quiz_form is not None:
                quiz_form.is_valid()
                result = services.answer_quiz(
                    membership, module, answers=quiz_form.answers(), by=request.user
                )
            else:
                services.acknowledge_module(membership, module, by=request.user)
        except ServiceError as error:
            if quiz_form is not None and error.field in quiz_form.fields:
                quiz_form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
            status = 422
        else:
            if result is None or result.passed:
                message = "Module completed."
                if result is not None:
                    message = f"You passed with {result.score}%. Module completed."
                messages.success(request, message)
                return redirect(_base_url(program) + "training/")
    return render(
        request,
        TEMPLATES + "training_module.html",
        {
            "program": program,
            "module": module,
            "body_html": services.render_markdown(module.body),
            "completion": completion,
            "quiz_form": quiz_form,
            "result": result,
        },
        status=status,
    )


# --- training for coordinators --------------------------------------------------------------------


@requires(can_manage_onboarding)
def training_manage(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _training_manage_page(request, request.access.program_or_404)


def _training_manage_page(request: TenantRequest, program: Program) -> HttpResponse:
    modules = list(TrainingModule.objects.filter(program=program))
    completion_counts = dict(
        TrainingCompletion.objects.filter(module__program=program)
        .values_list("module_id")
        .annotate(n=Count("id"))
        .values_list("module_id", "n")
    )
    template = TEMPLATES + "training_manage.html"
    if request.htmx and request.htmx.target == "module-list":
        template += "#module-list"
    return render(
        request,
        template,
        {
            "program": program,
            "rows": [(module, completion_counts.get(module.pk, 0)) for module in modules],
        },
    )


@requires(can_manage_onboarding)
def training_module_edit(
    request: TenantRequest, org_slug: str, program_slug: str, module_id: int | None = None
) -> HttpResponse:
    program = request.access.program_or_404
    module = get_object_or_404(TrainingModule, pk=module_id, program=program) if module_id else None
    if request.method == "POST":
        form = TrainingModuleForm(request.POST)
        quiz_formset = QuizFormSet(request.POST, prefix="quiz")
    else:
        form = TrainingModuleForm.for_module(module) if module else TrainingModuleForm()
        quiz_formset = QuizFormSet(initial=quiz_initial(module), prefix="quiz")
    status = 200
    if request.method == "POST":
        if form.is_valid() and quiz_formset.is_valid():
            fields = {
                "title": form.cleaned_data["title"],
                "body": form.cleaned_data["body"],
                "required_for": form.cleaned_data["required_for"],
                "pass_mark": form.cleaned_data["pass_mark"],
                "quiz": quiz_from(quiz_formset),
            }
            try:
                if module is None:
                    module = services.create_module(program, by=request.user, **fields)
                else:
                    module = services.update_module(module, by=request.user, **fields)
            except ServiceError as error:
                show_service_error(form, error)
            else:
                messages.success(request, f"“{module.title}” saved.")
                return redirect(_base_url(program) + "training/manage/")
        status = 422
    return render(
        request,
        TEMPLATES + "training_module_form.html",
        {
            "program": program,
            "module": module,
            "form": form,
            "quiz_formset": quiz_formset,
            "preview_html": services.render_markdown(module.body) if module else "",
        },
        status=status,
    )


@require_POST
@requires(can_manage_onboarding)
def training_module_delete(
    request: TenantRequest, org_slug: str, program_slug: str, module_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    module = get_object_or_404(TrainingModule, pk=module_id, program=program)
    title = module.title
    services.delete_module(module, by=request.user)
    if request.htmx:
        return _training_manage_page(request, program)
    messages.success(request, f"“{title}” deleted.")
    return redirect(_base_url(program) + "training/manage/")


@require_POST
@requires(can_manage_onboarding)
def training_module_move(
    request: TenantRequest, org_slug: str, program_slug: str, module_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    module = get_object_or_404(TrainingModule, pk=module_id, program=program)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.move_module(module, by=request.user, step=step)
    if request.htmx:
        return _training_manage_page(request, program)
    return redirect(_base_url(program) + "training/manage/")


# --- the checklist and the funnel -----------------------------------------------------------------


@requires(can_get_ready)
def getting_ready(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    membership = _membership(request)
    readiness = readiness_of(membership)
    base = _base_url(program)
    # (where, what to do, what to review once done)
    links = {
        FunnelStep.APPROVED: ("", "", ""),
        FunnelStep.PROFILE: (base + "profile/", "Complete your profile", "Review your profile"),
        FunnelStep.AGREEMENT: (
            base + "agreement/",
            "Read and accept the agreement",
            "Read the agreement again",
        ),
        FunnelStep.TRAINED: (base + "training/", "Do the training", "See your training"),
    }
    steps = [(item, *links[item.step]) for item in readiness.steps]
    return render(
        request,
        TEMPLATES + "getting_ready.html",
        {"program": program, "membership": membership, "readiness": readiness, "steps": steps},
    )


@requires(can_manage_onboarding)
def funnel(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    recalculating = refresh_stale_readiness(program)
    data = funnel_summary(program)
    selected_step = request.GET.get("step", "")
    selected_missing = request.GET.get("missing", "")
    heading = "Everyone"
    if selected_step in FunnelStep.values:
        step = FunnelStep(selected_step)
        people = funnel_people(program, stuck_at=step)
        heading = f"Stuck at “{step.label}”"
        if step == FunnelStep.READY:
            heading = "Ready to be matched"
    elif selected_missing in {FunnelStep.PROFILE, FunnelStep.AGREEMENT, FunnelStep.TRAINED}:
        step = FunnelStep(selected_missing)
        people = funnel_people(program, missing=step)
        heading = f"Approved, “{step.label}” not yet"
    else:
        selected_step = ""
        people = funnel_people(program)
    if selected_step == FunnelStep.INVITED:
        people = people.none()
    page = Paginator(people, PEOPLE_SHOWN).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "program": program,
        "funnel": data,
        "recalculating": recalculating,
        "page": page,
        "query": query.urlencode(),
        "people": progress_of(page.object_list),
        "people_total": page.paginator.count,
        "heading": heading,
        "selected_step": selected_step,
        "selected_missing": selected_missing,
        "show_invitations": selected_step in ("", FunnelStep.INVITED),
        "order": FUNNEL_ORDER,
    }
    template = TEMPLATES + "funnel.html"
    if request.htmx and request.htmx.target == "funnel-people":
        template += "#funnel-people"
    return render(request, template, context)


@require_POST
@requires(can_manage_onboarding)
def funnel_nudge(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = NudgeForm(request.POST)
    target = _base_url(program) + "funnel/"
    if not form.is_valid():
        messages.error(request, "Choose a step or a person to remind.")
        return redirect(target)
    step_value = form.cleaned_data["step"]
    membership_id = form.cleaned_data["membership"]
    step = FunnelStep(step_value) if step_value else None
    if step is None and membership_id is None:
        messages.error(request, "Choose a step or a person to remind.")
        return redirect(target)
    reminded = services.send_enrolment_reminders(
        program,
        by=request.user,
        step=step,
        membership_ids=[membership_id] if membership_id is not None else None,
    )
    if reminded:
        messages.success(
            request, f"Reminder sent to {reminded} {'person' if reminded == 1 else 'people'}."
        )
    else:
        messages.info(request, "Nobody to remind: they have nothing left to do themselves.")
    return redirect(target + (f"?step={step_value}" if step_value else ""))


program = "o/<slug:org_slug>/p/<slug:program_slug>/"

urlpatterns: list[URLPattern] = [
    path(program + "agreement/", agreement, name="agreement"),
    path(program + "agreement/edit/", agreement_edit, name="agreement_edit"),
    path(program + "training/", training, name="training"),
    path(program + "training/<int:module_id>/", training_module, name="training_module"),
    path(program + "training/manage/", training_manage, name="training_manage"),
    path(program + "training/manage/new/", training_module_edit, name="training_module_new"),
    path(
        program + "training/manage/<int:module_id>/",
        training_module_edit,
        name="training_module_edit",
    ),
    path(
        program + "training/manage/<int:module_id>/delete/",
        training_module_delete,
        name="training_module_delete",
    ),
    path(
        program + "training/manage/<int:module_id>/move/",
        training_module_move,
        name="training_module_move",
    ),
    path(program + "getting-ready/", getting_ready, name="getting_ready"),
    path(program + "funnel/", funnel, name="funnel"),
    path(program + "funnel/nudge/", funnel_nudge, name="funnel_nudge"),
]
