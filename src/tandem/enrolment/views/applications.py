"""Applying to a program, reviewing applications, and inviting many people at once."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.enrolment.answers import completeness
from tandem.enrolment.forms.applications import (
    ApplicationForm,
    BulkApproveForm,
    BulkInvitationForm,
    DecisionForm,
)
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.queries import joinable_program
from tandem.enrolment.rules.applications import can_bulk_invite, can_review_applications
from tandem.enrolment.services import applications as services
from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus, Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership, Program
from tandem.programs.signup import ENROLMENT_SESSION_KEY


def join_url(program: Program) -> str:
    return reverse(
        "enrolment:join",
        kwargs={"organization": program.organization.slug, "program": program.slug},
    )


def join(request: HttpRequest, organization: str, program: str) -> HttpResponse:
    """The enrolment page anyone may open: apply, or learn why they cannot (yet)."""
    found = joinable_program(request.user, organization, program)
    user = request.user
    membership = None
    reason = ""
    if user.is_authenticated:
        membership = Membership.objects.filter(program=found, user=user).first()
        reason = services.why_cannot_apply(user, found)
    elif found.enrolment_access == EnrolmentAccess.PUBLIC:
        request.session[ENROLMENT_SESSION_KEY] = f"{found.organization.slug}/{found.slug}"
    can_reapply = membership is None or membership.status == MembershipStatus.WITHDRAWN
    form = ApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                services.apply_to_program(
                    found,
                    by=user,
                    role=Role(form.cleaned_data["role"]),
                    motivation=form.cleaned_data["motivation"],
                )
            except ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    f"Thank you: your application to {found.name} is sent. The coordinators "
                    "will tell you their decision.",
                )
                return redirect(found)
        status = 422
    return render(
        request,
        "enrolment/applications/join.html",
        {
            "program": found,
            "form": form,
            "membership": membership,
            "can_reapply": can_reapply,
            "reason": reason,
            "is_open": found.status == ProgramStatus.ENROLLING,
        },
        status=status,
    )


def _queue(program: Program) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            program=program,
            role__in=[Role.MENTOR, Role.MENTEE],
            status__in=services.UNDECIDED,
        )
        .select_related("user", "application")
        .order_by("status", "joined_at", "pk")
    )


def _rows(program: Program, memberships: list[Membership]) -> list[dict[str, object]]:
    questions = list(ProfileQuestion.objects.filter(program=program))
    return [
        {
            "membership": membership,
            "application": getattr(membership, "application", None),
            "profile": completeness(questions, membership.answers, membership.role),
            "form": DecisionForm(),
        }
        for membership in memberships
    ]


@requires(can_review_applications)
def application_queue(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    memberships = list(_queue(program))
    return render(
        request,
        "enrolment/applications/queue.html",
        {
            "program": program,
            "rows": _rows(program, memberships),
            "applied_count": sum(m.status == MembershipStatus.APPLIED for m in memberships),
            "waitlisted_count": sum(m.status == MembershipStatus.WAITLISTED for m in memberships),
            "join_url": request.build_absolute_uri(join_url(program)),
        },
    )


@require_POST
@requires(can_review_applications)
def application_decide(
    request: TenantRequest, org_slug: str, program_slug: str, membership_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    membership = get_object_or_404(
        Membership.objects.select_related("user", "application"),
        pk=membership_id,
        program=program,
    )
    form = DecisionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            membership = services.decide_application(
                membership,
                decision=MembershipStatus(form.cleaned_data["decision"]),
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except ServiceError as service_error:
            error = service_error.message
    else:
        error = "Choose approve, waiting list or decline."
    if request.htmx:
        membership = Membership.objects.select_related("user", "application").get(pk=membership.pk)
        row = _rows(program, [membership])[0]
        if error:
            row["form"] = form
        return render(
            request,
            "enrolment/applications/queue.html#row",
            {"program": program, "row": row, "error": error, "decided": not error},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            f"{membership.user.display_name}: "
            f"{services.DECISIONS[MembershipStatus(membership.status)]}.",
        )
    return redirect(services.review_url(program))


@require_POST
@requires(can_review_applications)
def application_bulk_approve(
    request: TenantRequest, org_slug: str, program_slug: str
) -> HttpResponse:
    program = request.access.program_or_404
    queue = {membership.pk: membership for membership in _queue(program)}
    form = BulkApproveForm(request.POST, membership_ids=list(queue))
    if not form.is_valid():
        messages.error(request, "Select at least one application to approve.")
        return redirect(services.review_url(program))
    chosen = [queue[pk] for pk in form.cleaned_data["selected"]]
    if request.POST.get("confirm") != "1":
        # Approving many people tells each of them: say how many before it happens.
        return render(
            request,
            "enrolment/applications/bulk_approve_confirm.html",
            {"program": program, "chosen": chosen, "message": form.cleaned_data["message"]},
        )
    try:
        services.decide_applications(
            chosen,
            decision=MembershipStatus.APPROVED,
            message=form.cleaned_data["message"],
            by=request.user,
        )
    except ServiceError as error:
        messages.error(request, f"Nothing was approved: {error.message}")
    else:
        messages.success(request, f"{len(chosen)} application(s) approved.")
    return redirect(services.review_url(program))


@requires(can_bulk_invite)
def invitation_bulk(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = BulkInvitationForm(request.POST or None)
    plan = preview = None
    status = 200
    confirmed = request.POST.get("confirm") == "1"
    if request.method == "POST" and not confirmed:
        # First the check, and what sending would do, in numbers; nothing is sent yet.
        status = 422
        if form.is_valid():
            checked = services.plan_bulk_invitations(
                program,
                text=form.cleaned_data["addresses"],
                default_role=Role(form.cleaned_data["role"]),
            )
            if checked.errors:
                plan = checked
            elif not checked.to_invite:
                form.add_error("addresses", "There is nobody new to invite in this list.")
            else:
                preview, status = checked, 200
    elif request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                plan = services.invite_people(
                    program,
                    text=form.cleaned_data["addresses"],
                    default_role=Role(form.cleaned_data["role"]),
                    message=form.cleaned_data["message"],
                    by=request.user,
                )
            except ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                if not plan.errors:
                    messages.success(
                        request,
                        f"{len(plan.to_invite)} invitation(s) sent"
                        + (f", {len(plan.resent)} of them again" if plan.resent else "")
                        + (f"; {len(plan.skipped)} address(es) skipped." if plan.skipped else "."),
                    )
                    status = 200
                    form = BulkInvitationForm(initial={"role": form.cleaned_data["role"]})
    return render(
        request,
        "enrolment/applications/bulk_invite.html",
        {"program": program, "form": form, "plan": plan, "preview": preview},
        status=status,
    )


def _program_path(suffix: str) -> str:
    return "o/<slug:org_slug>/p/<slug:program_slug>/" + suffix


urlpatterns: list[URLPattern] = [
    path("join/<slug:organization>/<slug:program>/", join, name="join"),
    path(_program_path("applications/"), application_queue, name="applications"),
    path(
        _program_path("applications/<int:membership_id>/decide/"),
        application_decide,
        name="application_decide",
    ),
    path(
        _program_path("applications/approve/"),
        application_bulk_approve,
        name="application_bulk_approve",
    ),
    path(_program_path("invitations/bulk/"), invitation_bulk, name="invitation_bulk"),
]
