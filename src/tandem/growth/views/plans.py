"""The development plan page: the plan (rendered), what changed since the mentor's review, the
form (carrying the version it was opened at), the mentor's review, comments and versions.

Members only: the mentee whose plan it is and the mentorship's mentors; everyone else gets the
same 404 as for a mentorship that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.core.text import render_markdown
from tandem.growth.forms.plans import PlanCommentForm, PlanForm, ReviewForm
from tandem.growth.models import DevelopmentPlan
from tandem.growth.queries import plans as queries
from tandem.growth.rules import reflection as rules
from tandem.growth.services import plans as services
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentoring_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"


def plan_owner(
    request: TenantRequest, mentorship: Mentorship, member: MentorshipMember
) -> Membership:
    """Whose plan the page is about: a mentee's own; for a mentor, their mentee (in a group,
    the one named by ``?mentee=``, else the first)."""
    if member.role == MemberRole.MENTEE:
        return member.membership
    mentees = [m for m in mentorship.members.all() if m.role == MemberRole.MENTEE]
    if not mentees:
        raise Http404("No mentee in this mentorship.")
    wanted = request.POST.get("mentee") or request.GET.get("mentee")
    if wanted:
        found = next((m for m in mentees if str(m.membership_id) == wanted), None)
        if found is None:
            raise Http404("No such mentee.")
        return found.membership
    return mentees[0].membership


def _existing_plan(
    request: TenantRequest, mentorship_id: int
) -> tuple[Mentorship, MentorshipMember, Membership, DevelopmentPlan]:
    """The plan a review or a comment is about: 404 unless it exists and the viewer may read
    it."""
    mentorship, member = member_mentorship(request, mentorship_id)
    owner = plan_owner(request, mentorship, member)
    plan = queries.plan_of(mentorship, owner)
    if plan is None or not rules.can_read_plan(mentorship, owner.pk, member.membership):
        raise Http404("No such plan.")
    return mentorship, member, owner, plan


def plan_url(mentorship: Mentorship, owner: Membership | None = None) -> str:
    url = mentorship.get_absolute_url() + "plan/"
    if owner is not None and mentorship.is_group:
        url += f"?mentee={owner.pk}"
    return url


def _form(
    plan: DevelopmentPlan | None, mentorship: Mentorship, owner: Membership, viewer: Membership
) -> PlanForm:
    initial: dict[str, Any] = {"version": plan.version if plan else 0, **queries.sections_of(plan)}
    if plan is not None:
        initial["goals"] = [goal.pk for goal in plan.goals.all()]
    return PlanForm(
        initial=initial,
        goals=queries.goal_choices(mentorship, owner),
        can_link_goals=viewer.pk == owner.pk,
    )


def _page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    owner: Membership,
    *,
    form: PlanForm | None = None,
    review_form: ReviewForm | None = None,
    stale: services.StalePlan | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = member.membership
    plan = queries.plan_of(mentorship, owner)
    sections = queries.sections_of(plan)
    comments = list(queries.comments_of(plan)) if plan else []
    for comment in comments:
        comment.html = render_markdown(comment.text)  # type: ignore[attr-defined]
    context = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "owner": owner,
        "is_owner": viewer.pk == owner.pk,
        "plan": plan,
        "rendered": [
            (
                field,
                label,
                render_markdown(sections[field]),
                [c for c in comments if c.section == field],
            )
            for field, label in queries.SECTION_LABELS.items()
        ],
        "general_comments": [c for c in comments if not c.section],
        "linked_goals": list(plan.goals.all()) if plan else [],
        "changes": queries.changes_since_review(plan) if plan else [],
        "versions": list(queries.versions_of(plan)) if plan else [],
        "form": form or _form(plan, mentorship, owner, viewer),
        "can_edit": rules.can_edit_plan(mentorship, owner.pk, viewer),
        "can_review": plan is not None
        and plan.version > 0
        and rules.can_review_plan(mentorship, owner.pk, viewer),
        "review_form": review_form or ReviewForm(initial={"version": plan.version if plan else 1}),
        "comment_form": PlanCommentForm(),
        "stale": stale,
        "plan_url": plan_url(mentorship, owner),
        "mentees": [m.membership for m in mentorship.members.all() if m.role == MemberRole.MENTEE]
        if mentorship.is_group and viewer.pk != owner.pk
        else [],
    }
    return render(request, "growth/plan.html", context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def plan_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    owner = plan_owner(request, mentorship, member)
    return _page(request, mentorship, member, owner)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def plan_save(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    owner = plan_owner(request, mentorship, member)
    form = PlanForm(
        request.POST,
        goals=queries.goal_choices(mentorship, owner),
        can_link_goals=member.membership_id == owner.pk,
    )
    if form.is_valid():
        try:
            services.save_plan(
                mentorship,
                by=member.membership,
                owner=owner,
                sections=form.sections(),
                opened_at=form.cleaned_data["version"],
                goal_ids=form.goal_ids(),
            )
        except services.StalePlan as stale:
            # Keep the person's own text; move the form on to the current version so that
            # saving again (after merging) is accepted.
            data = request.POST.copy()
            data["version"] = str(stale.plan.version)
            form = PlanForm(
                data,
                goals=queries.goal_choices(mentorship, owner),
                can_link_goals=member.membership_id == owner.pk,
            )
            form.is_valid()
            return _page(request, mentorship, member, owner, form=form, stale=stale, status=409)
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Your plan is saved.")
            return redirect(plan_url(mentorship, owner))
    return _page(request, mentorship, member, owner, form=form, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def plan_review(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member, owner, plan = _existing_plan(request, mentorship_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_plan(
                plan,
                by=member.membership,
                comments=form.comments(),
                opened_at=form.cleaned_data["version"],
            )
        except services.StalePlan as stale:
            return _page(
                request, mentorship, member, owner, review_form=form, stale=stale, status=409
            )
        except ServiceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Marked as reviewed. Your mentee has been told.")
            return redirect(plan_url(mentorship, owner))
    return _page(request, mentorship, member, owner, review_form=form, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def plan_comment(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member, owner, plan = _existing_plan(request, mentorship_id)
    form = PlanCommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_on_plan(
                plan,
                by=member.membership,
                text=form.cleaned_data["text"],
                section=form.cleaned_data["section"],
            )
        except ServiceError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, "Comment added.")
    else:
        messages.error(request, "Write a comment before adding it.")
    return redirect(plan_url(mentorship, owner) + "#comments")


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "plan/", plan_page, name="plan"),
    path(MENTORSHIP + "plan/save/", plan_save, name="plan_save"),
    path(MENTORSHIP + "plan/review/", plan_review, name="plan_review"),
    path(MENTORSHIP + "plan/comment/", plan_comment, name="plan_comment"),
]
