"""The JSON API at /api/v1/. It validates and orchestrates; the services do the work.

Every organization- and program-scoped endpoint resolves its objects through the same
:func:`resolve_access` as the web UI and checks the same rules, so a person who cannot see a
page cannot see its data here either (404 for "not yours", 403 for "not allowed").
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Status
from ninja.errors import ValidationError as NinjaValidationError

from tandem.accounts.models import User
from tandem.api.auth import SessionAuth, TokenAuth
from tandem.api.common import check_rule as _check
from tandem.api.common import program_access as _access
from tandem.api.common import request_user as _user
from tandem.api.schemas import (
    ErrorOut,
    InvitationIn,
    InvitationOut,
    MembershipOut,
    MembershipPatch,
    NotificationOut,
    ObjectiveIn,
    ObjectiveOut,
    OrganizationOut,
    ProgramIn,
    ProgramOut,
    ProgramPatch,
    StatusIn,
    UserOut,
)
from tandem.core.errors import ServiceError
from tandem.enrolment.services.programs import create_program
from tandem.mentoring.services.mentorships import change_program_status
from tandem.notifications import services as notification_services
from tandem.notifications.models import Notification
from tandem.programs import queries, rules, services
from tandem.programs.access import Access
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership, Objective, Organization, Program

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description=(
        "The whole program lifecycle, as in the web app: organizations, programs and their "
        "objectives; people, memberships, invitations, applications and imports; profiles and "
        "onboarding (agreement, training, readiness); matching runs, mentor requests and "
        "relationships; mentorships with their meetings, meeting records, goals and growth "
        "(plans, journal, feedback); notifications and your API tokens. Each call sees what "
        "your role lets you see in the web app, nothing more. Authenticate with a personal API "
        "token (`Authorization: Bearer tdm_…`, created under *Your account → API tokens*) or, "
        "from the browser, with the session cookie and CSRF token."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message, "field": error.field}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(error) or "Your role does not allow this."}, status=403
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found, or not yours to see."}, status=404)


#: Where ninja says a parameter came from; the client only needs the field inside it.
_PARAMETER_SOURCES = {"query", "path", "header", "cookie", "form", "file"}


def _field_name(location: tuple[Any, ...]) -> str | None:
    """``("body", "payload", "max_choices")`` → ``"max_choices"``; ``("query", "q")`` → ``"q"``.

    A body error's location starts with "body" and the view's parameter name, neither of
    which the client sent, so the field is named as in the JSON it posted (like ServiceError).
    """
    parts = [str(part) for part in location]
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] and parts[0] in _PARAMETER_SOURCES:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    problems = [
        {"field": _field_name(tuple(item.get("loc", ()))), "detail": item.get("msg", "invalid")}
        for item in error.errors
    ]
    first = problems[0] if problems else {"field": None, "detail": "Invalid input."}
    detail = f"{first['field']}: {first['detail']}" if first["field"] else first["detail"]
    return api.create_response(
        request,
        {"detail": detail, "field": first["field"], "errors": problems},
        status=422,
    )


def _program_out(program: Program, access: Access) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "organization": program.organization.slug,
        "name": program.name,
        "description": program.description,
        "program_type": program.program_type,
        "status": program.status,
        "starts_on": program.starts_on,
        "ends_on": program.ends_on,
        "meeting_cadence": program.meeting_cadence,
        "matching_mode": program.matching_mode,
        "max_choices": program.max_choices,
        "match_confirmation_days": program.match_confirmation_days,
        "early_publishing": program.early_publishing,
        "my_role": access.role,
        "objectives": list(program.objectives.all()),
    }


@api.get("/me", response=UserOut, tags=["people"])
def me(request: HttpRequest) -> User:
    return _user(request)


@api.get("/organizations", response=list[OrganizationOut], tags=["organizations"])
def organization_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    administered = set(queries.organizations_administered_by(user).values_list("pk", flat=True))
    visible = Organization.objects.filter(pk__in=administered) | Organization.objects.filter(
        programs__memberships__user=user
    )
    return [
        {
            "slug": o.slug,
            "name": o.name,
            "description": o.description,
            "is_admin": o.pk in administered,
        }
        for o in visible.distinct().order_by("name")
    ]


@api.get("/organizations/{org}", response=OrganizationOut, tags=["organizations"])
def organization_detail(request: HttpRequest, org: str) -> dict[str, Any]:
    access = _access(request, org)
    organization = access.organization
    return {
        "slug": organization.slug,
        "name": organization.name,
        "description": organization.description,
        "is_admin": access.is_org_admin,
    }


@api.get("/organizations/{org}/programs", response=list[ProgramOut], tags=["programs"])
def program_list(request: HttpRequest, org: str) -> list[dict[str, Any]]:
    access = _access(request, org)
    programs = (
        Program.objects.filter(organization=access.organization)
        .select_related("organization")
        .prefetch_related("objectives")
    )
    if not access.is_org_admin:
        # The programs resolve_access lets them open: not those that declined them or
        # that they withdrew from, nor drafts they do not coordinate.
        places = queries.memberships_of(access.user)
        programs = programs.filter(pk__in=places.values("program_id"))
    memberships = {
        m.program_id: m for m in Membership.objects.filter(user=access.user, program__in=programs)
    }
    result = []
    for program in programs.order_by("-starts_on", "name"):
        program_access = Access(
            user=access.user,
            organization=access.organization,
            organization_role=access.organization_role,
            program=program,
            membership=memberships.get(program.pk),
        )
        result.append(_program_out(program, program_access))
    return result


@api.post(
    "/organizations/{org}/programs",
    response={201: ProgramOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["programs"],
)
def program_create(request: HttpRequest, org: str, payload: ProgramIn) -> Status[dict[str, Any]]:
    access = _access(request, org)
    _check(rules.can_create_program, access)
    fields = payload.dict(exclude_none=True)
    name = fields.pop("name")
    program = create_program(access.organization, by=access.user, name=name, **fields)
    return Status(201, _program_out(program, _access(request, org, program.slug)))


@api.get("/organizations/{org}/programs/{program}", response=ProgramOut, tags=["programs"])
def program_detail(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    access = _access(request, org, program)
    _check(rules.can_view_program, access)
    return _program_out(access.program_or_404, access)


@api.patch(
    "/organizations/{org}/programs/{program}",
    response={200: ProgramOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["programs"],
)
def program_update(
    request: HttpRequest, org: str, program: str, payload: ProgramPatch
) -> dict[str, Any]:
    access = _access(request, org, program)
    _check(rules.can_manage_program, access)
    updated = services.update_program(
        access.program_or_404, by=access.user, **payload.dict(exclude_unset=True, exclude_none=True)
    )
    return _program_out(updated, access)


@api.post(
    "/organizations/{org}/programs/{program}/status",
    response={200: ProgramOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["programs"],
)
def program_status(
    request: HttpRequest, org: str, program: str, payload: StatusIn
) -> dict[str, Any]:
    access = _access(request, org, program)
    _check(rules.can_manage_program, access)
    updated = change_program_status(access.program_or_404, to=payload.status, by=access.user)
    return _program_out(updated, access)


@api.post(
    "/organizations/{org}/programs/{program}/objectives",
    response={201: ObjectiveOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["programs"],
)
def objective_create(
    request: HttpRequest, org: str, program: str, payload: ObjectiveIn
) -> Status[Objective]:
    access = _access(request, org, program)
    _check(rules.can_manage_program, access)
    return Status(
        201, services.add_objective(access.program_or_404, by=access.user, **payload.dict())
    )


@api.delete(
    "/organizations/{org}/programs/{program}/objectives/{objective_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    tags=["programs"],
)
def objective_delete(
    request: HttpRequest, org: str, program: str, objective_id: int
) -> Status[None]:
    access = _access(request, org, program)
    _check(rules.can_manage_program, access)
    objective = get_object_or_404(Objective, pk=objective_id, program=access.program_or_404)
    services.remove_objective(objective, by=access.user)
    return Status(204, None)


@api.get(
    "/organizations/{org}/programs/{program}/memberships",
    response=list[MembershipOut],
    tags=["memberships"],
)
def membership_list(
    request: HttpRequest,
    org: str,
    program: str,
    role: Role | None = None,
    status: MembershipStatus | None = None,
    search: str = Query("", alias="q"),
) -> list[Membership]:
    access = _access(request, org, program)
    _check(rules.can_view_members, access)
    members = queries.members_of(
        access.program_or_404, role=role or "", status=status or "", search=search
    )
    return list(members)


@api.patch(
    "/organizations/{org}/programs/{program}/memberships/{membership_id}",
    response={200: MembershipOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["memberships"],
)
def membership_update(
    request: HttpRequest, org: str, program: str, membership_id: int, payload: MembershipPatch
) -> Membership:
    access = _access(request, org, program)
    _check(rules.can_manage_program, access)
    membership = get_object_or_404(Membership, pk=membership_id, program=access.program_or_404)
    return services.change_membership(
        membership, by=access.user, role=payload.role, status=payload.status
    )


@api.post(
    "/organizations/{org}/programs/{program}/invitations",
    response={201: InvitationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["memberships"],
)
def invitation_create(
    request: HttpRequest, org: str, program: str, payload: InvitationIn
) -> Status[dict[str, Any]]:
    access = _access(request, org, program)
    _check(rules.can_invite, access)
    invitation = services.invite_person(
        access.program_or_404,
        email=payload.email,
        role=payload.role,
        message=payload.message,
        by=access.user,
    )
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "role": invitation.role,
            "state": invitation.state,
            "expires_at": invitation.expires_at,
        },
    )


@api.get("/notifications", response=list[NotificationOut], tags=["notifications"])
def notification_list(request: HttpRequest, unread: bool = False) -> list[dict[str, Any]]:
    notifications = Notification.objects.filter(recipient=_user(request))
    if unread:
        notifications = notifications.unread()
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "url": n.url,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in notifications[:200]
    ]


@api.post(
    "/notifications/{notification_id}/read",
    response={204: None, 404: ErrorOut},
    tags=["notifications"],
)
def notification_read(request: HttpRequest, notification_id: int) -> Status[None]:
    user = _user(request)
    notification = get_object_or_404(Notification, pk=notification_id, recipient=user)
    notification_services.mark_read(notification, by=user)
    return Status(204, None)


from tandem.api.routers import (  # noqa: E402
    applications,
    goals,
    growth,
    imports,
    matching_runs,
    meeting_records,
    meetings,
    mentor_requests,
    mentorships,
    onboarding,
    profiles,
    program_mentorships,
    relationships,
    tokens,
)

for _router in (
    profiles.router,
    applications.router,
    imports.router,
    onboarding.router,
    matching_runs.router,
    mentor_requests.router,
    relationships.router,
    mentorships.router,
    meetings.router,
    meeting_records.router,
    goals.router,
    program_mentorships.router,
    growth.router,
    tokens.router,
):
    api.add_router("/", _router)
