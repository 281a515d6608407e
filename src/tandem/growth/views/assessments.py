"""The skills page (the self-assessment due, the mentee's growth chart with its table, asking
the mentor for their view, and the mentor filling it) and the SWOT worksheet.

A mentee's ratings and the mentor's view of them are the mentee's: the mentor sees only the
view they gave; coordinators and everyone else get the same 404 as for a missing mentorship.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from tandem.core.charts import render_svg
from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.core.text import render_markdown
from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.forms.assessments import AssessmentForm, RequestViewForm, SwotForm
from tandem.growth.models import Assessment
from tandem.growth.queries import assessments as queries
from tandem.growth.services import assessments as services
from tandem.growth.services.vocabulary import starter_skills
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentoring_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"

STAGE_LABELS = {
    AssessmentStage.START: "At the start",
    AssessmentStage.MIDPOINT: "At the mid-point",
    AssessmentStage.END: "At the end",
}


def growth_chart(rows: list[queries.SkillRow], own: list[str], mentor: list[str]) -> SafeString:
    """A grouped bar chart: per skill, the mentee's score at each stage and the mentor's
    latest view. Its text alternative is the table next to it."""
    values: list[dict[str, Any]] = []
    series: list[str] = [f"You — {STAGE_LABELS[AssessmentStage(s)].lower()}" for s in own]
    latest_mentor = mentor[-1] if mentor else None
    if latest_mentor:
        series.append("Your mentor's view")
    for row in rows:
        for stage in own:
            if stage in row.own:
                label = f"You — {STAGE_LABELS[AssessmentStage(stage)].lower()}"
                values.append({"skill": row.skill.name, "series": label, "score": row.own[stage]})
        if latest_mentor and latest_mentor in row.mentor:
            values.append(
                {
                    "skill": row.skill.name,
                    "series": "Your mentor's view",
                    "score": row.mentor[latest_mentor],
                }
            )
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 360,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": False},
        "encoding": {
            "y": {"field": "skill", "type": "nominal", "title": None, "sort": None},
            "yOffset": {"field": "series", "sort": series},
            "x": {
                "field": "score",
                "type": "quantitative",
                "title": "Rating (1–5)",
                "scale": {"domain": [0, 5]},
                "axis": {"tickCount": 5},
            },
            "color": {
                "field": "series",
                "title": None,
                "sort": series,
                "scale": {"scheme": "tableau10"},
                "legend": {"orient": "bottom", "columns": 2},
            },
        },
        "config": {"font": "sans-serif", "view": {"stroke": None}},
    }
    described = ", ".join(series) or "no ratings yet"
    return render_svg(
        spec,
        title="Your skills, stage by stage",
        description=f"Bars per skill for: {described}. The table below gives the same figures.",
    )


def _skills_page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: AssessmentForm | None = None,
    mentor_forms: dict[int, AssessmentForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    skills = queries.assessed_skills(mentorship.program) or starter_skills(mentorship.program)
    skills = [s for s in skills if s.assessed]
    context: dict[str, Any] = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "is_mentee": member.role == MemberRole.MENTEE,
        "skills": skills,
        "stage_labels": {s.value: label for s, label in STAGE_LABELS.items()},
    }
    if member.role == MemberRole.MENTEE:
        assessments = queries.assessments_of(mentorship, member.membership)
        own_done = {a.stage for a in assessments if a.role == AssessorRole.SELF and a.submitted_at}
        due, opens_on = queries.stage_due(mentorship, own_done)
        rows, own, mentor = queries.growth_rows(skills, assessments)
        initial: dict[str, Any] = {"stage": due.value if due else ""}
        if due:
            current = next(
                (a for a in assessments if a.role == AssessorRole.SELF and a.stage == due), None
            )
            if current is not None:
                initial.update({f"skill_{r.skill_id}": str(r.score) for r in current.ratings.all()})
        requested = {a.stage: a for a in assessments if a.role == AssessorRole.MENTOR}
        mentors = [m for m in mentorship.members.all() if m.role == MemberRole.MENTOR]
        context.update(
            {
                "due": due,
                "due_label": STAGE_LABELS[due] if due else "",
                "redo": due in own_done if due else False,
                "opens_on": opens_on,
                "form": form or AssessmentForm(initial=initial, skills=skills),
                "table_heads": [
                    f"You, {STAGE_LABELS[AssessmentStage(stage)].lower()}" for stage in own
                ]
                + [
                    f"Your mentor, {STAGE_LABELS[AssessmentStage(stage)].lower()}"
                    for stage in mentor
                ],
                "table_rows": [
                    (
                        row.skill.name,
                        [row.own.get(stage, "—") for stage in own]
                        + [row.mentor.get(stage, "—") for stage in mentor],
                    )
                    for row in rows
                ],
                "mentor_stages": mentor,
                "chart": growth_chart(rows, own, mentor) if own or mentor else "",
                "can_request": bool(mentors)
                and mentorship.is_live
                and due is not None
                and due not in requested,
                "requested": requested.get(due) if due else None,
                "request_form": RequestViewForm(initial={"stage": due.value if due else ""}),
            }
        )
    else:
        asked = [
            a
            for a in Assessment.objects.filter(
                mentorship=mentorship, assessor=member.membership, role=AssessorRole.MENTOR
            )
            .select_related("subject__user")
            .prefetch_related("ratings")
        ]
        mentor_forms = mentor_forms or {}
        context["asked"] = [
            (
                a,
                STAGE_LABELS[AssessmentStage(a.stage)],
                mentor_forms.get(a.pk)
                or AssessmentForm(
                    initial={
                        "stage": a.stage,
                        **{f"skill_{r.skill_id}": str(r.score) for r in a.ratings.all()},
                    },
                    skills=skills,
                    auto_id=f"view-{a.pk}-%s",
                ),
            )
            for a in asked
        ]
    return render(request, "growth/skills.html", context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def skills_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _skills_page(request, mentorship, member)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def skills_submit(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    skills = queries.assessed_skills(mentorship.program)
    if member.role == MemberRole.MENTEE:
        form = AssessmentForm(request.POST, skills=skills)
        subject = member.membership
        assessment_id = None
    else:
        assessment_id = int(request.POST.get("assessment") or 0)
        asked = (
            Assessment.objects.filter(
                pk=assessment_id,
                mentorship=mentorship,
                assessor=member.membership,
                role=AssessorRole.MENTOR,
            )
            .select_related("subject")
            .first()
        )
        if asked is None:
            raise Http404("No such request.")
        form = AssessmentForm(request.POST, skills=skills, auto_id=f"view-{asked.pk}-%s")
        subject = asked.subject
    if form.is_valid():
        try:
            services.submit_assessment(
                mentorship,
                by=member.membership,
                subject=subject,
                stage=form.cleaned_data["stage"],
                scores=form.scores(),
            )
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(
                request,
                "Your ratings are saved."
                if member.role == MemberRole.MENTEE
                else "Your view is saved. Only your mentee can see it.",
            )
            return redirect(mentorship.get_absolute_url() + "skills/")
    if member.role == MemberRole.MENTEE:
        return _skills_page(request, mentorship, member, form=form, status=422)
    assert assessment_id is not None
    return _skills_page(request, mentorship, member, mentor_forms={assessment_id: form}, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def skills_request(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    mentor = next((m for m in mentorship.members.all() if m.role == MemberRole.MENTOR), None)
    if member.role != MemberRole.MENTEE or mentor is None:
        raise Http404("Only a mentee asks for their mentor's view.")
    form = RequestViewForm(request.POST)
    form.is_valid()
    try:
        services.request_mentor_view(
            mentorship,
            by=member.membership,
            mentor=mentor.membership,
            stage=form.cleaned_data.get("stage", ""),
        )
    except ServiceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, f"{mentor.membership.user.display_name} has been asked for their view."
        )
    return redirect(mentorship.get_absolute_url() + "skills/")


# --- SWOT ---------------------------------------------------------------------------------


def _swot_page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: SwotForm | None = None,
    status: int = 200,
    template: str = "growth/swot.html",
) -> HttpResponse:
    swot = queries.swot_of(mentorship, member.membership)
    initial = (
        {field: getattr(swot, field) for field, _label in services.SWOT_QUADRANTS} if swot else {}
    )
    shared = [
        (
            other,
            [
                (label, render_markdown(getattr(other, field)))
                for field, label in services.SWOT_QUADRANTS
            ],
        )
        for other in queries.shared_swots(mentorship, member.membership)
    ]
    context = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "swot": swot,
        "form": form or SwotForm(initial=initial),
        "shared": shared,
        "is_live": mentorship.is_live,
    }
    return render(request, template, context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def swot_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _swot_page(request, mentorship, member)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def swot_save(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    form = SwotForm(request.POST)
    if form.is_valid():
        try:
            services.save_swot(mentorship, by=member.membership, quadrants=form.quadrants())
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Your SWOT is saved.")
            return redirect(mentorship.get_absolute_url() + "swot/")
    return _swot_page(request, mentorship, member, form=form, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def swot_share(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    swot = queries.swot_of(mentorship, member.membership)
    if swot is None:
        raise Http404("Save your SWOT before sharing it.")
    shared = request.POST.get("shared") == "1"
    try:
        services.share_swot(swot, by=member.membership, shared=shared)
    except ServiceError as refused:
        messages.error(request, refused.message)
    if request.htmx:
        return _swot_page(request, mentorship, member, template="growth/swot.html#sharing")
    messages.success(
        request,
        "Your SWOT is shared with your mentorship." if shared else "Your SWOT is private again.",
    )
    return redirect(mentorship.get_absolute_url() + "swot/")


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "skills/", skills_page, name="skills"),
    path(MENTORSHIP + "skills/submit/", skills_submit, name="skills_submit"),
    path(MENTORSHIP + "skills/request/", skills_request, name="skills_request"),
    path(MENTORSHIP + "swot/", swot_page, name="swot"),
    path(MENTORSHIP + "swot/save/", swot_save, name="swot_save"),
    path(MENTORSHIP + "swot/share/", swot_share, name="swot_share"),
]
