from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.accounts.http import AuthedRequest
from tandem.core.errors import ServiceError
from tandem.programs import queries, rules, services
from tandem.programs.access import sees_draft
from tandem.programs.audit import readable_entries
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.forms import (
    InvitationForm,
    MemberFilterForm,
    MembershipChangeForm,
    ObjectiveForm,
    OrganizationForm,
    ProgramForm,
)
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Invitation, Membership, Objective

AUDIT_PAGE_SIZE = 50
MEMBERS_PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Participants see their programs; organization admins also see their organizations."""
    if not request.user.is_authenticated:
        return render(request, "core/welcome.html")
    memberships = list(queries.memberships_of(request.user))
    organizations = list(queries.organizations_administered_by(request.user))
    return render(
        request,
        "programs/home.html",
        {"memberships": memberships, "organizations": organizations},
    )


@login_required
def organization_create(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only site administrators can create organizations.")
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.create_organization(
                name=form.cleaned_data["name"], slug=form.cleaned_data["slug"], by=request.user
            )
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{organization.name} is ready: create its first program.")
            return redirect(organization)
    return render(request, "programs/organization_form.html", {"form": form})


def organization_home(request: TenantRequest, org_slug: str) -> HttpResponse:
    access = request.access
    if rules.is_organization_admin(access):
        programs = list(queries.programs_of_organization(access.organization))
    else:
        places = queries.memberships_of(request.user).filter(
            program__organization=access.organization
        )
        programs = list(
            queries.programs_of_organization(access.organization).filter(
                pk__in=places.values("program_id")
            )
        )
    return render(
        request,
        "programs/organization_home.html",
        {"organization": access.organization, "programs": programs},
    )


@requires(rules.can_view_program)
def program_home(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    context = {
        "program": program,
        "objectives": list(program.objectives.all()),
        "coordinators": list(
            queries.members_of(program, role=Role.COORDINATOR, status=MembershipStatus.APPROVED)
        ),
    }
    if rules.can_manage_program(request.access):
        context["figures"] = queries.program_figures(program)
        context["objective_form"] = ObjectiveForm()
        return render(request, "programs/program_home_coordinator.html", context)
    return render(request, "programs/program_home_participant.html", context)


@requires(rules.can_manage_program)
def program_edit(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_program(program, by=request.user, **changes)
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Program settings saved.")
            return redirect(program)
    return render(
        request,
        "programs/program_form.html",
        {"form": form, "organization": request.access.organization, "program": program},
    )


def _objectives_fragment(
    request: TenantRequest, form: ObjectiveForm | None = None, status: int = 200
) -> HttpResponse:
    program = request.access.program_or_404
    return render(
        request,
        "programs/program_home_coordinator.html#objectives",
        {
            "program": program,
            "objectives": list(program.objectives.all()),
            "objective_form": form or ObjectiveForm(),
        },
        status=status,
    )


@require_POST
@requires(rules.can_manage_program)
def objective_add(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = ObjectiveForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _objectives_fragment(request, form, status=422)
        messages.error(request, "The objective was not added: see the highlighted fields.")
        return redirect(program)
    services.add_objective(program, by=request.user, **form.cleaned_data)
    if request.htmx:
        return _objectives_fragment(request)
    messages.success(request, "Objective added.")
    return redirect(program)


@requires(rules.can_manage_program)
def objective_edit(
    request: TenantRequest, org_slug: str, program_slug: str, objective_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    objective = get_object_or_404(Objective, pk=objective_id, program=program)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        services.update_objective(objective, by=request.user, **form.cleaned_data)
        messages.success(request, "Objective saved.")
        return redirect(program)
    return render(request, "programs/objective_form.html", {"form": form, "program": program})


@require_POST
@requires(rules.can_manage_program)
def objective_remove(
    request: TenantRequest, org_slug: str, program_slug: str, objective_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    objective = get_object_or_404(Objective, pk=objective_id, program=program)
    services.remove_objective(objective, by=request.user)
    if request.htmx:
        return _objectives_fragment(request)
    messages.success(request, "Objective removed.")
    return redirect(program)


@requires(rules.can_view_members)
def member_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    filters = MemberFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    members = queries.members_of(
        program,
        role=criteria.get("role", ""),
        status=criteria.get("status", ""),
        search=criteria.get("q", ""),
    )
    page = Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "query": query.urlencode(),
        "program": program,
        "filters": filters,
        "page": page,
        "invitation_form": InvitationForm(),
        "invitations": list(queries.invitations_of(program)[:100]),
        "roles": Role.choices,
        "statuses": MembershipStatus.choices,
    }
    template = "programs/member_list.html"
    if request.htmx and request.htmx.target == "member-table":
        template += "#member-table"
    return render(request, template, context)


@require_POST
@requires(rules.can_manage_program)
def member_change(
    request: TenantRequest, org_slug: str, program_slug: str, membership_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    membership = get_object_or_404(Membership, pk=membership_id, program=program)
    form = MembershipChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role and status.")
    else:
        try:
            services.change_membership(
                membership,
                by=request.user,
                role=Role(form.cleaned_data["role"]),
                status=MembershipStatus(form.cleaned_data["status"]),
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{membership.user.display_name} updated.")
    return redirect(
        reverse("programs:members", kwargs={"org_slug": org_slug, "program_slug": program_slug})
    )


@require_POST
@requires(rules.can_invite)
def invitation_create(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_person(
                program,
                email=form.cleaned_data["email"],
                role=Role(form.cleaned_data["role"]),
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect(
                reverse(
                    "programs:members", kwargs={"org_slug": org_slug, "program_slug": program_slug}
                )
            )
    members = queries.members_of(program)
    return render(
        request,
        "programs/member_list.html",
        {
            "program": program,
            "filters": MemberFilterForm(),
            "page": Paginator(members, MEMBERS_PAGE_SIZE).get_page(1),
            "invitation_form": form,
            "invitations": list(queries.invitations_of(program)[:100]),
            "roles": Role.choices,
            "statuses": MembershipStatus.choices,
        },
        status=422,
    )


@require_POST
@requires(rules.can_invite)
def invitation_action(
    request: TenantRequest, org_slug: str, program_slug: str, invitation_id: int, action: str
) -> HttpResponse:
    program = request.access.program_or_404
    invitation = get_object_or_404(Invitation, pk=invitation_id, program=program)
    try:
        if action == "resend":
            services.resend_invitation(invitation, by=request.user)
            messages.success(request, f"Invitation sent again to {invitation.email}.")
        else:
            services.revoke_invitation(invitation, by=request.user)
            messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(
        reverse("programs:members", kwargs={"org_slug": org_slug, "program_slug": program_slug})
    )


@requires(rules.can_view_program_audit_log)
def program_audit(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    page = Paginator(queries.audit_entries_of_program(program), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "programs/audit_log.html",
        {
            "page": page,
            "entries": readable_entries(page),
            "program": program,
            "organization": request.access.organization,
        },
    )


@requires(rules.can_view_organization_audit_log)
def organization_audit(request: TenantRequest, org_slug: str) -> HttpResponse:
    organization = request.access.organization
    page = Paginator(queries.audit_entries_of_organization(organization), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "programs/audit_log.html",
        {
            "page": page,
            "entries": readable_entries(page),
            "program": None,
            "organization": organization,
        },
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The landing page of an invitation link, for people with and without an account."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("program__organization"), token=token
    )
    context: dict[str, Any] = {"invitation": invitation, "program": invitation.program}
    if invitation.state != "pending":
        return render(request, "programs/invitation.html", context, status=410)
    user = request.user
    if not user.is_authenticated:
        from allauth.account.adapter import get_adapter

        from tandem.accounts.models import User

        request.session["invitation_token"] = invitation.token
        get_adapter(request).stash_verified_email(request, invitation.email)
        context["has_account"] = User.objects.filter(email__iexact=invitation.email).exists()
        return render(request, "programs/invitation.html", context)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(invitation, user=user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            request.session.pop("invitation_token", None)
            if membership.program.status == ProgramStatus.DRAFT and not sees_draft(membership):
                # A draft is its coordinators' alone: the program opens to them later.
                messages.success(
                    request,
                    f"Welcome to {membership.program.name}! It opens to participants when its "
                    "coordinators open enrolment; you will find it here then.",
                )
                return redirect("home")
            messages.success(request, f"Welcome to {membership.program.name}!")
            return redirect(membership.program)
    return render(request, "programs/invitation.html", context)
