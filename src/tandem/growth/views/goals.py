"""A mentorship's goals page, for its members only: the goals with their milestones, progress,
comments and status actions, writing and editing a goal with the SMART helper's prompts as
one types, and the mentor's suggestions. Everyone else gets the same 404 as for a mentorship
that does not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.growth.enums import GoalStatus
from tandem.growth.forms.goals import CheckInForm, CommentForm, DropForm, GoalForm, MilestoneForm
from tandem.growth.models import Goal, GoalTemplate, Milestone, Skill
from tandem.growth.queries import goals as queries
from tandem.growth.rules import goals as rules
from tandem.growth.services import goals as services
from tandem.growth.services.vocabulary import ensure_starter_skills
from tandem.growth.smart import smart_prompts
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentorship_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership, Objective

MENTORSHIP = "o/<slug:org_slug>/p/<slug:program_slug>/mentorships/<int:mentorship_id>/"
GOAL = MENTORSHIP + "goals/<int:goal_id>/"


def goals_url(mentorship: Mentorship) -> str:
    return services.goals_url(mentorship)


def _vocabulary(mentorship: Mentorship) -> tuple[list[Objective], list[Skill], list[GoalTemplate]]:
    program = mentorship.program
    ensure_starter_skills(program)
    objectives = list(Objective.objects.filter(program=program).order_by("position", "id"))
    skills = list(Skill.objects.filter(program=program))
    templates = list(GoalTemplate.objects.filter(program=program))
    return objectives, skills, templates


def _owners(mentorship: Mentorship) -> list[tuple[int, str]]:
    return [(m.membership_id, m.membership.user.display_name) for m in mentorship.members.all()]


def _goal_form(
    mentorship: Mentorship, data: Any = None, *, initial: dict[str, Any] | None = None
) -> GoalForm:
    objectives, skills, templates = _vocabulary(mentorship)
    return GoalForm(
        data,
        mentorship=mentorship,
        objectives=objectives,
        skills=skills,
        templates=templates,
        initial=initial,
    )


def _page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    goal_form: GoalForm | None = None,
    bound: tuple[int, str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    views = queries.goal_views(mentorship, member)
    owners = _owners(mentorship)
    for view in views:
        view.milestone_form = MilestoneForm(owners=owners, initial={"owner": view.goal.owner_id})
        view.comment_form = CommentForm()
        view.check_in_form = CheckInForm(initial={"progress": view.goal.progress})
        view.drop_form = DropForm()
        if bound is not None and bound[0] == view.goal.pk:
            setattr(view, bound[1], bound[2])
        # One set of forms per goal on one page: ids of their own, so that each label names
        # its own goal's field (Django's default "id_title" would repeat on every goal).
        view.milestone_form.auto_id = f"goal-{view.goal.pk}-milestone-%s"
        view.comment_form.auto_id = f"goal-{view.goal.pk}-comment-%s"
        view.check_in_form.auto_id = f"goal-{view.goal.pk}-check-in-%s"
        view.drop_form.auto_id = f"goal-{view.goal.pk}-drop-%s"
    can_write = rules.can_write_goals(member) or rules.can_suggest_goals(member)
    initial = {}
    template_id = request.GET.get("template")
    if goal_form is None and template_id and template_id.isdigit():
        template = GoalTemplate.objects.filter(
            pk=int(template_id), program=mentorship.program
        ).first()
        if template is not None:
            initial = {
                "template": template.pk,
                "statement": template.statement,
                "measure": template.measure,
                "target": template.target,
                "objective": template.objective_id,
                "skills": list(template.skills.values_list("pk", flat=True)),
            }
    return render(
        request,
        "growth/goals/page.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "member": member,
            "goals": views,
            "is_mentee": rules.can_write_goals(member),
            "can_write": can_write and mentorship.is_live,
            "goal_form": goal_form
            or (_goal_form(mentorship, initial=initial) if can_write else None),
            "goals_url": goals_url(mentorship),
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires(mentorship_rules.can_open_mentorship_pages)
def goals_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """GET: the goals. POST: the mentee writes a goal (draft or active at once); the mentor
    suggests one."""
    mentorship, member = member_mentorship(request, mentorship_id)
    if request.method != "POST":
        return _page(request, mentorship, member)
    form = _goal_form(mentorship, request.POST)
    if form.is_valid():
        try:
            if rules.can_write_goals(member):
                goal = services.create_goal(
                    mentorship,
                    by=member.membership,
                    data=form.goal_input(),
                    activate=request.POST.get("action") == "activate",
                )
                flash.success(
                    request,
                    "Your goal is saved as a draft."
                    if goal.status == GoalStatus.DRAFT
                    else "Your goal is set. Now break it into steps.",
                )
            else:
                goal = services.suggest_goal(
                    mentorship, by=member.membership, data=form.goal_input()
                )
                flash.success(request, "Your suggestion is on its way to your mentee.")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return redirect(goals_url(mentorship) + f"#goal-{goal.pk}")
    return _page(request, mentorship, member, goal_form=form, status=422)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def goal_prompts(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """The SMART helper's prompts on the form as typed so far (htmx, as the mentee types)."""
    mentorship, _member = member_mentorship(request, mentorship_id)
    post = request.POST
    prompts = smart_prompts(
        statement=post.get("statement", "")[: services.STATEMENT_MAX],
        measure=post.get("measure", "")[: services.MEASURE_MAX],
        target=post.get("target", "")[: services.TARGET_MAX],
        deadline=_date(post.get("deadline", "")),
        ends_on=queries.mentorship_end(mentorship),
        today=timezone.localdate(),
        new=not post.get("version"),
    )
    return render(request, "growth/goals/_prompts.html", {"prompts": prompts, "live": True})


def _goal(mentorship: Mentorship, goal_id: int) -> Goal:
    goal = Goal.objects.filter(pk=goal_id, mentorship=mentorship).first()
    if goal is None:
        raise Http404("No such goal.")
    goal.mentorship = mentorship
    return goal


def _back(goal: Goal) -> HttpResponse:
    return redirect(goals_url(goal.mentorship) + f"#goal-{goal.pk}")


@require_http_methods(["GET", "POST"])
@requires(mentorship_rules.can_open_mentorship_pages)
def goal_edit(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, goal_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    if not rules.owns_goal(member, goal):
        raise Http404("No such goal.")
    stale: services.StaleGoal | None = None
    if request.method == "POST":
        form = _goal_form(mentorship, request.POST)
        if form.is_valid():
            try:
                services.update_goal(
                    goal,
                    by=member.membership,
                    data=form.goal_input(),
                    version=form.cleaned_data["version"],
                )
            except services.StaleGoal as error:
                stale = error
                goal.refresh_from_db()
                data = request.POST.copy()
                data["version"] = str(goal.version)
                form = _goal_form(mentorship, data)
                form.is_valid()
                form.add_error(None, error.message)
            except ServiceError as error:
                show_service_error(form, error)
            else:
                flash.success(request, "Your goal is saved.")
                return _back(goal)
        status = 409 if stale else 422
    else:
        form = _goal_form(
            mentorship,
            initial={
                "statement": goal.statement,
                "measure": goal.measure,
                "target": goal.target,
                "achievable": goal.achievable,
                "relevant": goal.relevant,
                "deadline": goal.deadline,
                "project": goal.project,
                "objective": goal.objective_id,
                "skills": list(goal.skills.values_list("pk", flat=True)),
                "progress_mode": goal.progress_mode,
                "version": goal.version,
            },
        )
        status = 200
    if "template" in form.fields:
        del form.fields["template"]
    return render(
        request,
        "growth/goals/edit.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "goal": goal,
            "goal_form": form,
            "stale": stale,
            "goals_url": goals_url(mentorship),
        },
        status=status,
    )


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def goal_status(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, goal_id: int
) -> HttpResponse:
    """The mentee's status actions: start, achieved, drop (with a reason), reopen, and accept
    or decline a suggestion."""
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    action = request.POST.get("action", "")
    by = member.membership
    try:
        if action == "activate":
            services.activate_goal(goal, by=by)
            flash.success(request, "Your goal is set. Good luck!")
        elif action == "achieve":
            services.achieve_goal(goal, by=by)
            flash.success(request, "Congratulations — you achieved it!")
        elif action == "reopen":
            services.reopen_goal(goal, by=by)
            flash.success(request, "The goal is open again.")
        elif action == "accept":
            services.accept_suggestion(goal, by=by)
            flash.success(request, "The suggestion is now your draft: make it your own.")
        elif action == "decline":
            services.decline_suggestion(goal, by=by)
            flash.success(request, "You declined the suggestion.")
            return redirect(goals_url(mentorship))
        elif action == "drop":
            form = DropForm(request.POST)
            if not form.is_valid():
                return _page(
                    request, mentorship, member, bound=(goal.pk, "drop_form", form), status=422
                )
            services.drop_goal(goal, by=by, reason=form.cleaned_data["reason"])
            flash.success(request, "The goal is dropped; its history stays here.")
        elif action in ("share", "unshare"):
            services.share_goal(goal, by=by, shared=action == "share")
            flash.success(
                request,
                "The program's coordinators can now read this goal."
                if action == "share"
                else "This goal's text is private to your mentorship again.",
            )
        else:
            raise ServiceError("Choose what to do with the goal.")
    except ServiceError as error:
        if action == "drop":
            form = DropForm(request.POST)
            form.is_valid()
            form.add_error("reason" if error.field == "reason" else None, error.message)
            return _page(
                request, mentorship, member, bound=(goal.pk, "drop_form", form), status=422
            )
        flash.error(request, error.message)
    return _back(goal)


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def milestone_add(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, goal_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    form = MilestoneForm(request.POST, owners=_owners(mentorship))
    if form.is_valid():
        owner_id = form.cleaned_data["owner"]
        owner = Membership.objects.filter(pk=owner_id).first() if owner_id else None
        try:
            milestone = services.add_milestone(
                goal,
                by=member.membership,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                owner=owner,
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash.success(request, f"Step added: “{milestone.title}”.")
            return _back(goal)
    return _page(request, mentorship, member, bound=(goal.pk, "milestone_form", form), status=422)


def _milestone(goal: Goal, milestone_id: int) -> Milestone:
    milestone = Milestone.objects.filter(pk=milestone_id, goal=goal).first()
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def milestone_action(
    request: TenantRequest,
    org_slug: str,
    program_slug: str,
    mentorship_id: int,
    goal_id: int,
    milestone_id: int,
) -> HttpResponse:
    """Tick a step done or not done, or remove it."""
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    milestone = _milestone(goal, milestone_id)
    action = request.POST.get("action", "")
    try:
        if action in ("done", "undone"):
            services.set_milestone_done(milestone, by=member.membership, done=action == "done")
            if action == "done":
                flash.success(request, f"“{milestone.title}” is done — well done!")
        elif action == "remove":
            services.remove_milestone(milestone, by=member.membership)
        else:
            raise ServiceError("Choose what to do with the step.")
    except ServiceError as error:
        flash.error(request, error.message)
    return _back(goal)


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def goal_comment(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, goal_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        milestone_id = form.cleaned_data["milestone"]
        milestone = _milestone(goal, milestone_id) if milestone_id else None
        try:
            services.comment_on_goal(
                goal, by=member.membership, text=form.cleaned_data["text"], milestone=milestone
            )
        except ServiceError as error:
            form.add_error("text" if error.field == "text" else None, error.message)
        else:
            flash.success(request, "Your comment is posted.")
            return _back(goal)
    return _page(request, mentorship, member, bound=(goal.pk, "comment_form", form), status=422)


@require_POST
@requires(mentorship_rules.can_open_mentorship_pages)
def goal_check_in(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, goal_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    goal = _goal(mentorship, goal_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.check_in(
                goal,
                by=member.membership,
                progress=form.cleaned_data["progress"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash.success(request, "Progress noted.")
            return _back(goal)
    return _page(request, mentorship, member, bound=(goal.pk, "check_in_form", form), status=422)


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "goals/", goals_page, name="goals"),
    path(MENTORSHIP + "goals/prompts/", goal_prompts, name="goal_prompts"),
    path(GOAL + "edit/", goal_edit, name="goal_edit"),
    path(GOAL + "status/", goal_status, name="goal_status"),
    path(GOAL + "milestones/", milestone_add, name="milestone_add"),
    path(GOAL + "milestones/<int:milestone_id>/", milestone_action, name="milestone_action"),
    path(GOAL + "comments/", goal_comment, name="goal_comment"),
    path(GOAL + "check-in/", goal_check_in, name="goal_check_in"),
]
