"""The workspace's "Your growth" panel: links to the reflection tools with a short state."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.models import Assessment, DevelopmentPlan, FeedbackRequest
from tandem.growth.queries.assessments import stage_due
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember

register = template.Library()

STAGE_WORDS = {
    AssessmentStage.START: "start",
    AssessmentStage.MIDPOINT: "mid-point",
    AssessmentStage.END: "end",
}


def panel_lines(mentorship: Mentorship, member: MentorshipMember) -> list[str]:
    """The few sentences true for this member now, in at most four queries."""
    lines: list[str] = []
    is_mentee = member.role == MemberRole.MENTEE
    plans = list(
        DevelopmentPlan.objects.filter(mentorship=mentorship).values(
            "owner_id", "version", "reviewed_version"
        )
    )
    if is_mentee:
        mine = next((p for p in plans if p["owner_id"] == member.membership_id), None)
        if mine is None or mine["version"] == 0:
            lines.append("You have not written your development plan yet.")
        elif mine["reviewed_version"] == 0:
            lines.append("Your mentor has not reviewed your plan yet.")
        elif mine["version"] > mine["reviewed_version"]:
            lines.append("Your plan was changed since your mentor's review.")
        else:
            lines.append("Your mentor reviewed the latest version of your plan.")
        done = set(
            Assessment.objects.filter(
                mentorship=mentorship,
                subject_id=member.membership_id,
                role=AssessorRole.SELF,
                submitted_at__isnull=False,
            ).values_list("stage", flat=True)
        )
        due, _opens = stage_due(mentorship, done)
        if due is not None and due not in done:
            lines.append(f"Your {STAGE_WORDS[due]} self-assessment is due.")
    else:
        waiting = sum(1 for p in plans if p["version"] > p["reviewed_version"])
        if waiting:
            lines.append("Your mentee's plan has changes for you to review.")
        asked = Assessment.objects.filter(
            mentorship=mentorship,
            assessor_id=member.membership_id,
            role=AssessorRole.MENTOR,
            submitted_at__isnull=True,
        ).count()
        if asked:
            lines.append("Your mentee asks for your view of their skills.")
    open_requests = FeedbackRequest.objects.filter(
        mentorship=mentorship, recipient_id=member.membership_id, answered_at__isnull=True
    ).count()
    if open_requests == 1:
        lines.append("Someone asks for your feedback.")
    elif open_requests:
        lines.append(f"{open_requests} requests for your feedback are waiting.")
    return lines


@register.inclusion_tag("growth/_panel.html")
def growth_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    return {
        "mentorship": mentorship,
        "member": member,
        "lines": panel_lines(mentorship, member),
        "base": mentorship.get_absolute_url(),
    }
