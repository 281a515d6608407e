"""Match runs (scenarios): start, follow, compare, review and edit, publish (coordinators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.matches import queries, rules, services
from tandem.matches.enums import RunMode, RunObjective, RunStatus
from tandem.matches.forms.runs import AssignForm, ReviewFilterForm, RunForm, SwapForm
from tandem.matches.models import MatchRun
from tandem.programs.enums import Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
REVIEW_PAGE_SIZE = 50
#: Statuses a run is still working in (the page polls them).
WORKING = (RunStatus.QUEUED, RunStatus.RUNNING)


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    program = request.access.program_or_404
    return reverse(
        f"matches:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs},
    )


def _run(request: TenantRequest, run_id: int) -> MatchRun:
    run = queries.annotated_run(request.access.program_or_404, run_id)
    if run is None:
        raise Http404("No such scenario in this program.")
    return run


def _member(request: TenantRequest, membership_id: Any, role: Role) -> Membership:
    try:
        pk = int(membership_id)
    except (TypeError, ValueError):
        raise Http404("No such person in this program.") from None
    return get_object_or_404(
        Membership.objects.select_related("user", "program"),
        pk=pk,
        program=request.access.program_or_404,
        role=role,
    )


# --- scenarios ----------------------------------------------------------------------------


def _runs_page(
    request: TenantRequest, form: RunForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    program = request.access.program_or_404
    scenarios = queries.scenario_rows(program)
    return render(
        request,
        "matches/runs/list.html",
        {
            "program": program,
            "form": form or RunForm(program=program),
            "error": error,
            "scenarios": scenarios,
            "comparable": [run for run, _ in scenarios if run.status not in WORKING],
        },
        status=status,
    )


@requires(rules.can_run_matching)
def run_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _runs_page(request)


@require_POST
@requires(rules.can_run_matching)
def run_start(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = RunForm(request.POST, program=program)
    if not form.is_valid():
        return _runs_page(request, form, status=422)
    try:
        run = services.start_run(
            program,
            by=request.user,
            name=form.cleaned_data["name"],
            objective=RunObjective(form.cleaned_data["objective"]),
            mode=RunMode(form.cleaned_data["mode"]),
        )
    except ServiceError as error:
        return _runs_page(request, form, error=error.message, status=422)
    return redirect(_url(request, "run_detail", run_id=run.pk))


@requires(rules.can_run_matching)
def run_compare(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    ids = [request.GET.get("a"), request.GET.get("b")]
    try:
        a, b = (int(value or "") for value in ids)
    except ValueError:
        messages.error(request, "Pick two scenarios to compare.")
        return redirect(_url(request, "runs"))
    if a == b:
        messages.error(request, "Pick two different scenarios to compare.")
        return redirect(_url(request, "runs"))
    run_a = get_object_or_404(MatchRun, pk=a, program=program)
    run_b = get_object_or_404(MatchRun, pk=b, program=program)
    return render(
        request,
        "matches/runs/compare.html",
        {"program": program, "comparison": queries.compare(run_a, run_b)},
    )


# --- one scenario: progress and review ----------------------------------------------------


def _review_context(request: TenantRequest, run: MatchRun) -> dict[str, Any]:
    filters = ReviewFilterForm(request.GET or None)
    search = source = ""
    if filters.is_valid():
        search, source = filters.cleaned_data["q"], filters.cleaned_data["source"]
    proposals = queries.proposals_of(run, search=search, source=source)
    page = Paginator(proposals, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    program = run.program
    labels = queries.criterion_labels(queries.criteria_of(program))
    locked = queries.locked_pairs(program)
    rows = [
        {
            "proposal": proposal,
            "locked": (proposal.mentee_id, proposal.mentor_id) in locked,
            "top": "; ".join(
                f"{part.label} ({part.contribution:.2f})"
                for part in sorted(
                    queries.contribution_rows(proposal.contributions, labels),
                    key=lambda row: -row.contribution,
                )[:3]
            ),
        }
        for proposal in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "program": program,
        "run": run,
        "figures": queries.figures(run, queries.reasons_by_run([run]).get(run.pk, [])),
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "unmatched": queries.unmatched_of(run) if run.status not in WORKING else [],
        "editable": run.status == RunStatus.DONE,
        "working": run.status in WORKING,
    }


@requires(rules.can_run_matching)
def run_detail(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    context = _review_context(request, run)
    if request.htmx and request.htmx.target == "proposal-table":
        return render(request, "matches/runs/detail.html#proposal-table", context)
    return render(request, "matches/runs/detail.html", context)


@requires(rules.can_run_matching)
def run_progress(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    """Polled every second while a run works; reloads the page once it is done."""
    run = _run(request, run_id)
    response = render(
        request, "matches/runs/detail.html#progress", {"program": run.program, "run": run}
    )
    if run.status not in WORKING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _after_edit(request: TenantRequest, run: MatchRun, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect(_url(request, "run_detail", run_id=run.pk) + _keep_query(request))


def _keep_query(request: TenantRequest) -> str:
    back = request.POST.get("back", "")
    return f"?{back}" if back and not back.startswith(("/", "http")) else ""


def _refused(request: TenantRequest, run: MatchRun, error: ServiceError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect(_url(request, "run_detail", run_id=run.pk) + _keep_query(request))


@require_POST
@requires(rules.can_run_matching)
def run_lock(request: TenantRequest, org_slug: str, program_slug: str, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    mentee = _member(request, request.POST.get("mentee"), Role.MENTEE)
    try:
        rule = services.lock_in_run(run, mentee=mentee, by=request.user)
    except ServiceError as error:
        return _refused(request, run, error)
    return _after_edit(
        request,
        run,
        f"{mentee.user.display_name} and {rule.mentor.user.display_name} are locked together: "
        "later runs keep them.",
    )


@require_POST
@requires(rules.can_run_matching)
def run_forbid(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    mentee = _member(request, request.POST.get("mentee"), Role.MENTEE)
    try:
        rule = services.forbid_in_run(run, mentee=mentee, by=request.user)
    except ServiceError as error:
        return _refused(request, run, error)
    return _after_edit(
        request,
        run,
        f"{mentee.user.display_name} will never be paired with {rule.mentor.user.display_name}; "
        "they are now unmatched in this scenario.",
    )


@require_POST
@requires(rules.can_run_matching)
def run_unassign(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    mentee = _member(request, request.POST.get("mentee"), Role.MENTEE)
    try:
        services.unassign_in_run(run, mentee=mentee, by=request.user)
    except ServiceError as error:
        return _refused(request, run, error)
    return _after_edit(request, run, f"{mentee.user.display_name} is unmatched in this scenario.")


@require_http_methods(["GET", "POST"])
@requires(rules.can_run_matching)
def run_swap(request: TenantRequest, org_slug: str, program_slug: str, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    source = request.POST if request.method == "POST" else request.GET
    mentee = _member(request, source.get("mentee"), Role.MENTEE)
    proposals = list(queries.proposals_of(run).order_by("mentee__user__full_name", "id"))
    form = SwapForm(
        request.POST if request.method == "POST" else None,
        proposals=proposals,
        mentee_id=mentee.pk,
        initial={"mentee": mentee.pk},
    )
    current = next((p for p in proposals if p.mentee_id == mentee.pk), None)
    if request.method == "POST" and form.is_valid():
        other = _member(request, form.cleaned_data["other"], Role.MENTEE)
        try:
            services.swap_in_run(run, first=mentee, second=other, by=request.user)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            return _after_edit(
                request,
                run,
                f"{mentee.user.display_name} and {other.user.display_name} swapped mentors.",
            )
    return render(
        request,
        "matches/runs/swap.html",
        {"program": run.program, "run": run, "mentee": mentee, "current": current, "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _assign_context(
    request: TenantRequest, run: MatchRun, mentee: Membership, form: AssignForm
) -> dict[str, Any]:
    mentor_id = form.data.get("mentor") if form.is_bound else request.GET.get("mentor")
    pair = mentor = None
    capacity_note = ""
    if mentor_id:
        mentor = _member(request, mentor_id, Role.MENTOR)
        pair = services.score_pair(run.program, mentee=mentee, mentor=mentor)
        for candidate, places, taken in form.mentors:
            if candidate.pk == mentor.pk and taken >= places:
                capacity_note = (
                    f"{mentor.user.display_name} has no place left in this scenario "
                    f"({taken} of {places} taken): move one of their mentees first."
                )
    labels = queries.criterion_labels(queries.criteria_of(run.program))
    return {
        "program": run.program,
        "run": run,
        "mentee": mentee,
        "form": form,
        "mentor": mentor,
        "pair": pair,
        "rows": queries.contribution_rows(pair.contributions, labels) if pair else [],
        "capacity_note": capacity_note,
        "current": run.proposals.select_related("mentor__user").filter(mentee=mentee).first(),
    }


@require_http_methods(["GET", "POST"])
@requires(rules.can_run_matching)
def run_assign(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    """Pick any mentor for a mentee, see the pair's live score first, then confirm."""
    run = _run(request, run_id)
    source = request.POST if request.method == "POST" else request.GET
    mentee = _member(request, source.get("mentee"), Role.MENTEE)
    mentors = queries.mentors_for_assignment(run)
    form = AssignForm(
        request.POST if request.method == "POST" else None,
        mentors=mentors,
        initial={"mentee": mentee.pk, "mentor": request.GET.get("mentor")},
    )
    if request.method == "POST" and form.is_valid():
        mentor = _member(request, form.cleaned_data["mentor"], Role.MENTOR)
        try:
            proposal = services.assign_in_run(run, mentee=mentee, mentor=mentor, by=request.user)
        except ServiceError as error:
            form.add_error("mentor", error.message)
        else:
            return _after_edit(
                request,
                run,
                f"{mentee.user.display_name} is now with {mentor.user.display_name} "
                f"(score {proposal.score:.2f}).",
            )
    context = _assign_context(request, run, mentee, form)
    template = "matches/runs/assign.html"
    if request.htmx and request.method == "GET":
        template += "#pair-score"
    return render(request, template, context, status=422 if request.method == "POST" else 200)


@require_POST
@requires(rules.can_run_matching)
def run_rerun(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    """A new scenario around the coordinator's decisions (locks, manual pairs) in this one."""
    run = _run(request, run_id)
    try:
        new_run = services.start_run(
            run.program,
            by=request.user,
            name=f"{run.name} (re-run)"[:80],
            objective=RunObjective(run.objective),
            mode=RunMode(run.mode),
            keep_from=run,
        )
    except ServiceError as error:
        return _refused(request, run, error)
    return redirect(_url(request, "run_detail", run_id=new_run.pk))


@require_POST
@requires(rules.can_run_matching)
def run_cancel(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    try:
        services.cancel_run(run, by=request.user)
    except ServiceError as error:
        return _refused(request, run, error)
    messages.success(request, f"{run.name} is cancelled. You can run it again when you are ready.")
    return redirect(_url(request, "run_detail", run_id=run.pk))


@require_POST
@requires(rules.can_run_matching)
def run_retry(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    try:
        services.retry_run(run, by=request.user)
    except ServiceError as error:
        return _refused(request, run, error)
    return redirect(_url(request, "run_detail", run_id=run.pk))


@require_http_methods(["GET", "POST"])
@requires(rules.can_publish_matches)
def run_publish(
    request: TenantRequest, org_slug: str, program_slug: str, run_id: int
) -> HttpResponse:
    run = _run(request, run_id)
    error = ""
    if request.method == "POST":
        try:
            relationships = services.publish_run(run, by=request.user)
        except ServiceError as refused:
            error = refused.message
        else:
            messages.success(
                request,
                f"{run.name} is published: {len(relationships)} relationship"
                f"{'s' if len(relationships) != 1 else ''} started and everyone was introduced.",
            )
            return redirect(_url(request, "run_detail", run_id=run.pk))
    mentors = run.proposals.values("mentor_id").distinct().count()
    figures = queries.figures(run)
    program = run.program
    try:
        services.check_publishing(program)
    except ServiceError as refused:
        stage_problem = refused.message
    else:
        stage_problem = ""
    return render(
        request,
        "matches/runs/publish.html",
        {
            "program": program,
            "run": run,
            "figures": figures,
            "mentors": mentors,
            "notifies": figures.matched + mentors,
            "error": error,
            "stage_problem": stage_problem,
            "starts_program": services.publishing_moves_to_active(program),
            "starts_later": program.starts_on > timezone.localdate(),
            "groups": run.mode == RunMode.GROUPS,
        },
        status=422 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "matching/", run_list, name="runs"),
    path(PROGRAM + "matching/start/", run_start, name="run_start"),
    path(PROGRAM + "matching/compare/", run_compare, name="run_compare"),
    path(PROGRAM + "matching/<int:run_id>/", run_detail, name="run_detail"),
    path(PROGRAM + "matching/<int:run_id>/progress/", run_progress, name="run_progress"),
    path(PROGRAM + "matching/<int:run_id>/lock/", run_lock, name="run_lock"),
    path(PROGRAM + "matching/<int:run_id>/forbid/", run_forbid, name="run_forbid"),
    path(PROGRAM + "matching/<int:run_id>/unassign/", run_unassign, name="run_unassign"),
    path(PROGRAM + "matching/<int:run_id>/swap/", run_swap, name="run_swap"),
    path(PROGRAM + "matching/<int:run_id>/assign/", run_assign, name="run_assign"),
    path(PROGRAM + "matching/<int:run_id>/rerun/", run_rerun, name="run_rerun"),
    path(PROGRAM + "matching/<int:run_id>/publish/", run_publish, name="run_publish"),
    path(PROGRAM + "matching/<int:run_id>/cancel/", run_cancel, name="run_cancel"),
    path(PROGRAM + "matching/<int:run_id>/retry/", run_retry, name="run_retry"),
]
