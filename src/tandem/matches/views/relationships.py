"""After matching: a participant's "my match" page, ending early, the coordinator's
relationships page with rematch suggestions and manual pairs, and groups."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.enrolment.highlights import common_ground, highlights
from tandem.matches import pairing
from tandem.matches.participants import standing_of
from tandem.matches.services import open_relationship_counts, score_pair
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.forms.relationships import (
    EndRelationshipForm,
    FacilitatorForm,
    GroupSpaceForm,
    MoveMemberForm,
    PairForm,
    RelationshipFilterForm,
    RematchForm,
)
from tandem.mentoring.models import OPEN_STATUSES, MentoringGroup, Relationship
from tandem.mentoring.queries import mentorships as mentorship_queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import groups, mentorships
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    program = request.access.program_or_404
    return reverse(
        f"matches:{name}",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, **kwargs},
    )


# --- the participant's page ---------------------------------------------------------------


def _partner_card(relationship: Relationship, me: Membership) -> dict[str, Any]:
    partner = relationship.mentor if relationship.mentee_id == me.pk else relationship.mentee
    return {
        "relationship": relationship,
        "partner": partner,
        "role": partner.get_role_display().lower(),
        "highlights": highlights(partner),
        "common_ground": common_ground(me, partner),
    }


@requires(rules.can_view_my_match)
def my_match(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    me = request.access.membership
    assert me is not None  # guaranteed by the rule
    mine = list(mentorship_queries.relationships_of(me))
    current = [r for r in mine if r.status in OPEN_STATUSES]
    past = [r for r in mine if r.status not in OPEN_STATUSES]
    groups = []
    for group in mentorship_queries.groups_of(me):
        facilitators, members = mentorship_queries.split_members(group)
        groups.append({"group": group, "facilitators": facilitators, "members": members})
    return render(
        request,
        "matches/relationships/my_match.html",
        {
            "program": program,
            "me": me,
            "current": [_partner_card(r, me) for r in current],
            "past": [
                {
                    "relationship": r,
                    "partner": r.mentor if r.mentee_id == me.pk else r.mentee,
                }
                for r in past
            ],
            "groups": groups,
            "standing": standing_of(me),
            # the cards below lead to the shared space already
            "here": "my-mentorship/" if current or groups else "match/",
        },
    )


# --- ending early -------------------------------------------------------------------------


def _relationship(request: TenantRequest, relationship_id: int) -> Relationship:
    return get_object_or_404(
        Relationship.objects.select_related("mentor__user", "mentee__user", "ended_by"),
        pk=relationship_id,
        program=request.access.program_or_404,
    )


@requires(rules.can_view_groups_or_own)
def relationship_end(
    request: TenantRequest, org_slug: str, program_slug: str, relationship_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    relationship = _relationship(request, relationship_id)
    if not rules.can_end_relationship(request.access, relationship):
        raise PermissionDenied("Only the pair and the coordinators can end this relationship.")
    coordinator = rules.can_manage_relationships(request.access)
    back = _url(request, "relationship_list" if coordinator else "my_match")
    form = EndRelationshipForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mentorships.end_relationship(
                relationship,
                by=request.user,
                reason=EndReason(form.cleaned_data["reason"]),
                note=form.cleaned_data["note"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"The relationship between {relationship.mentor.user.display_name} and "
                f"{relationship.mentee.user.display_name} has ended. "
                + (
                    "See the rematch suggestions for the mentee below."
                    if coordinator
                    else "The coordinators have been told and will help with what comes next."
                ),
            )
            if coordinator:
                return redirect(
                    _url(request, "relationship_rematch", relationship_id=relationship.pk)
                )
            return redirect(back)
    return render(
        request,
        "matches/relationships/end.html",
        {
            "program": program,
            "relationship": relationship,
            "form": form,
            "back": back,
            "coordinator": coordinator,
        },
        status=422 if request.method == "POST" else 200,
    )


# --- the coordinator's relationships page -------------------------------------------------


@requires(rules.can_manage_relationships)
def relationship_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    filters = RelationshipFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    relationships = list(mentorship_queries.program_relationships(program, status=status)[:500])
    open_mentees, _ = open_relationship_counts(program)
    counts = Counter(Relationship.objects.filter(program=program).values_list("status", flat=True))
    rows = [
        {"relationship": r, "needs_rematch": pairing.needs_rematch(r, open_mentees)}
        for r in relationships
    ]
    template = "matches/relationships/list.html"
    if request.htmx and request.htmx.target == "relationship-table":
        template += "#relationship-table"
    return render(
        request,
        template,
        {
            "program": program,
            "filters": filters,
            "rows": rows,
            "status": status,
            "figures": [
                (label, counts[value], value) for value, label in RelationshipStatus.choices
            ],
        },
    )


def _pair_form(request: TenantRequest) -> PairForm:
    program = request.access.program_or_404
    mentees = [(m.pk, m.user.display_name) for m in pairing.mentees_without_mentor(program)]
    mentors = [
        (m.pk, f"{m.user.display_name} ({free} place{'s' if free != 1 else ''} left)")
        for m, free in pairing.mentors_with_places(program)
    ]
    data = request.POST if request.method == "POST" else (request.GET or None)
    return PairForm(data, mentees=mentees, mentors=mentors)


def _pair_preview(request: TenantRequest, form: PairForm) -> dict[str, Any] | None:
    if not form.is_valid():
        return None
    program = request.access.program_or_404
    mentee = get_object_or_404(Membership, pk=form.cleaned_data["mentee"], program=program)
    mentor = get_object_or_404(Membership, pk=form.cleaned_data["mentor"], program=program)
    pair = score_pair(program, mentee=mentee, mentor=mentor)
    return {"mentee": mentee, "mentor": mentor, "score": pair}


@requires(rules.can_manage_relationships)
def relationship_create(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = _pair_form(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            mentee = get_object_or_404(Membership, pk=form.cleaned_data["mentee"], program=program)
            mentor = get_object_or_404(Membership, pk=form.cleaned_data["mentor"], program=program)
            try:
                relationship = pairing.create_relationship(
                    program, mentee=mentee, mentor=mentor, by=request.user
                )
            except ServiceError as error:
                show_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{relationship.mentee.user.display_name} and "
                    f"{relationship.mentor.user.display_name} are matched; both were introduced.",
                )
                return redirect(_url(request, "relationship_list"))
        status = 422
    preview = _pair_preview(request, form) if request.method == "GET" and request.GET else None
    template = "matches/relationships/create.html"
    if request.htmx and request.method == "GET":
        template += "#pair-preview"
    return render(
        request,
        template,
        {"program": program, "form": form, "preview": preview},
        status=status,
    )


@requires(rules.can_manage_relationships)
def relationship_rematch(
    request: TenantRequest, org_slug: str, program_slug: str, relationship_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    relationship = _relationship(request, relationship_id)
    open_mentees, _ = open_relationship_counts(program)
    needed = pairing.needs_rematch(relationship, open_mentees)
    error = ""
    status = 200
    if request.method == "POST":
        form = RematchForm(request.POST)
        if not form.is_valid():
            error = "Choose a mentor from the suggestions."
        else:
            mentor = get_object_or_404(
                Membership, pk=form.cleaned_data["mentor"], program=program, role=Role.MENTOR
            )
            try:
                created = pairing.create_relationship(
                    program,
                    mentee=relationship.mentee,
                    mentor=mentor,
                    by=request.user,
                    source=Relationship.Source.REMATCH,
                )
            except ServiceError as refused:
                error = refused.message
            else:
                messages.success(
                    request,
                    f"{created.mentee.user.display_name} is matched with "
                    f"{created.mentor.user.display_name}; both were introduced.",
                )
                return redirect(_url(request, "relationship_list"))
        status = 422
    current = None
    if not needed:
        current = (
            Relationship.objects.filter(mentee=relationship.mentee, status__in=OPEN_STATUSES)
            .select_related("mentor__user")
            .first()
        )
    return render(
        request,
        "matches/relationships/rematch.html",
        {
            "program": program,
            "relationship": relationship,
            "needed": needed,
            "current": current,
            "suggestions": pairing.rematch_options(relationship) if needed else [],
            "error": error,
        },
        status=status,
    )


# --- groups -------------------------------------------------------------------------------


@requires(rules.can_manage_groups)
def group_list(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    groups = []
    for group in mentorship_queries.program_groups(program):
        facilitators, members = mentorship_queries.split_members(group)
        groups.append({"group": group, "facilitators": facilitators, "members": members})
    return render(request, "matches/groups/list.html", {"program": program, "groups": groups})


def _group(request: TenantRequest, group_id: int) -> MentoringGroup:
    group = get_object_or_404(
        mentorship_queries.program_groups(request.access.program_or_404), pk=group_id
    )
    if not rules.can_view_group(request.access, group):
        raise PermissionDenied("Only the group's members and the coordinators see this group.")
    return group


def _group_page(
    request: TenantRequest,
    group: MentoringGroup,
    *,
    space_form: GroupSpaceForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    program = request.access.program_or_404
    facilitators, members = mentorship_queries.split_members(group)
    manage = rules.can_manage_groups(request.access)
    context: dict[str, Any] = {
        "program": program,
        "group": group,
        "facilitators": [
            {"place": f, "highlights": highlights(f.membership)} for f in facilitators
        ],
        "members": [{"place": m, "highlights": highlights(m.membership)} for m in members],
        "cadence": mentorship_queries.group_cadence_label(group),
        "can_edit_space": rules.can_edit_group_space(request.access, group),
        "space_form": space_form
        or GroupSpaceForm(
            initial={"description": group.description, "meeting_cadence": group.meeting_cadence}
        ),
        "manage": manage,
        "error": error,
    }
    if manage:
        context["other_groups"] = list(
            MentoringGroup.objects.filter(program=program).exclude(pk=group.pk).order_by("name")
        )
        present = {f.membership_id for f in facilitators}
        context["mentors"] = list(
            program.memberships.filter(role=Role.MENTOR, status=MembershipStatus.APPROVED)
            .exclude(pk__in=present)
            .select_related("user")
            .order_by("user__full_name")
        )
    template = "matches/groups/detail.html"
    if request.htmx and request.htmx.target == "group-space":
        template += "#group-space"
    return render(request, template, context, status=status)


@requires(rules.can_view_groups_or_own)
def group_detail(
    request: TenantRequest, org_slug: str, program_slug: str, group_id: int
) -> HttpResponse:
    return _group_page(request, _group(request, group_id))


@require_POST
@requires(rules.can_view_groups_or_own)
def group_space(
    request: TenantRequest, org_slug: str, program_slug: str, group_id: int
) -> HttpResponse:
    group = _group(request, group_id)
    if not rules.can_edit_group_space(request.access, group):
        raise PermissionDenied("Only the group's facilitators and the coordinators edit this.")
    form = GroupSpaceForm(request.POST)
    if form.is_valid():
        try:
            groups.update_group_space(
                group,
                by=request.user,
                description=form.cleaned_data["description"],
                meeting_cadence=form.cleaned_data["meeting_cadence"],
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, "The group's space is saved.")
                return redirect(_url(request, "group_detail", group_id=group.pk))
            group = _group(request, group_id)
            return _group_page(request, group)
    return _group_page(request, group, space_form=form, status=422)


def _after_group_change(
    request: TenantRequest, group: MentoringGroup, done: str, error: ServiceError | None
) -> HttpResponse:
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_url(request, "group_detail", group_id=group.pk))


@require_POST
@requires(rules.can_manage_groups)
def group_move(
    request: TenantRequest, org_slug: str, program_slug: str, group_id: int
) -> HttpResponse:
    program = request.access.program_or_404
    group = _group(request, group_id)
    form = MoveMemberForm(request.POST)
    if not form.is_valid():
        return _after_group_change(request, group, "", ServiceError("Choose a group to move to."))
    mentee = get_object_or_404(Membership, pk=form.cleaned_data["mentee"], program=program)
    target = get_object_or_404(MentoringGroup, pk=form.cleaned_data["to"], program=program)
    try:
        groups.move_group_member(group, mentee=mentee, to=target, by=request.user)
    except ServiceError as error:
        return _after_group_change(request, group, "", error)
    return _after_group_change(
        request, group, f"{mentee.user.display_name} moved to {target.name}.", None
    )


@require_POST
@requires(rules.can_manage_groups)
def group_facilitator(
    request: TenantRequest, org_slug: str, program_slug: str, group_id: int, action: str
) -> HttpResponse:
    program = request.access.program_or_404
    group = _group(request, group_id)
    form = FacilitatorForm(request.POST)
    if not form.is_valid():
        return _after_group_change(request, group, "", ServiceError("Choose a mentor."))
    mentor = get_object_or_404(Membership, pk=form.cleaned_data["mentor"], program=program)
    try:
        if action == "add":
            groups.add_facilitator(group, mentor=mentor, by=request.user)
            done = f"{mentor.user.display_name} now facilitates {group.name}."
        else:
            groups.remove_facilitator(group, mentor=mentor, by=request.user)
            done = f"{mentor.user.display_name} no longer facilitates {group.name}."
    except ServiceError as error:
        return _after_group_change(request, group, "", error)
    return _after_group_change(request, group, done, None)


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "match/", my_match, name="my_match"),
    path(PROGRAM + "relationships/", relationship_list, name="relationship_list"),
    path(PROGRAM + "relationships/new/", relationship_create, name="relationship_create"),
    path(
        PROGRAM + "relationships/<int:relationship_id>/end/",
        relationship_end,
        name="relationship_end",
    ),
    path(
        PROGRAM + "relationships/<int:relationship_id>/rematch/",
        relationship_rematch,
        name="relationship_rematch",
    ),
    path(PROGRAM + "groups/", group_list, name="group_list"),
    path(PROGRAM + "groups/<int:group_id>/", group_detail, name="group_detail"),
    path(PROGRAM + "groups/<int:group_id>/space/", group_space, name="group_space"),
    path(PROGRAM + "groups/<int:group_id>/move/", group_move, name="group_move"),
    path(
        PROGRAM + "groups/<int:group_id>/facilitators/add/",
        group_facilitator,
        {"action": "add"},
        name="group_facilitator_add",
    ),
    path(
        PROGRAM + "groups/<int:group_id>/facilitators/remove/",
        group_facilitator,
        {"action": "remove"},
        name="group_facilitator_remove",
    ),
]
