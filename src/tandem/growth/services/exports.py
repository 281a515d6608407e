"""A member's own growth data as a file they can keep: one ``.zip`` holding a Markdown document
(readable in any text editor) and the same data as JSON.

A mentee's export holds their goals with milestones, their development plan (the current
text and the dates of its versions), their self-assessments (and the mentor's views shown to
them), their SWOT, their own journal entries and the feedback they gave and received. A
mentor's export holds their own journal, their SWOT, and the feedback they gave and received.
Nothing another person wrote privately is ever in it.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from tandem.core.services import record_audit
from tandem.growth.enums import AssessorRole
from tandem.growth.models import Goal, JournalEntry
from tandem.growth.queries import assessments as assessment_queries
from tandem.growth.queries import feedback as feedback_queries
from tandem.growth.queries import plans as plan_queries
from tandem.growth.rules import reflection as rules
from tandem.growth.services.assessments import SWOT_QUADRANTS
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership


def export_data(mentorship: Mentorship, member: Membership) -> dict[str, Any]:
    """Everything of ``member``'s own in the mentorship, as plain data."""
    is_mentee = rules.is_mentee_in(mentorship, member)
    data: dict[str, Any] = {
        "exported_at": timezone.now(),
        "program": mentorship.program.name,
        "person": member.user.display_name,
        "role": "mentee" if is_mentee else "mentor",
        "goals": [],
        "plan": None,
        "assessments": [],
        "swot": None,
        "journal": [],
        "feedback_received": [],
        "feedback_given": [],
    }
    if is_mentee:
        goals = (
            Goal.objects.filter(mentorship=mentorship, owner=member)
            .prefetch_related("milestones")
            .order_by("position", "id")
        )
        data["goals"] = [
            {
                "statement": goal.statement,
                "measure": goal.measure,
                "target": goal.target,
                "achievable": goal.achievable,
                "relevant": goal.relevant,
                "deadline": goal.deadline,
                "project": goal.project,
                "status": goal.status,
                "progress": goal.progress,
                "milestones": [
                    {"title": m.title, "due_on": m.due_on, "done_at": m.done_at}
                    for m in goal.milestones.all()
                ],
            }
            for goal in goals
        ]
        plan = plan_queries.plan_of(mentorship, member)
        if plan is not None:
            data["plan"] = {
                "version": plan.version,
                "reviewed_version": plan.reviewed_version,
                "reviewed_at": plan.reviewed_at,
                "sections": plan_queries.sections_of(plan),
                "goals": [goal.statement for goal in plan.goals.all()],
                "versions": [
                    {"number": v.number, "saved_at": v.created_at}
                    for v in plan_queries.versions_of(plan)
                ],
            }
        skills = {s.pk: s.name for s in assessment_queries.assessed_skills(mentorship.program)}
        data["assessments"] = [
            {
                "stage": a.stage,
                "by": "you" if a.role == AssessorRole.SELF else "your mentor",
                "submitted_at": a.submitted_at,
                "ratings": {
                    skills.get(r.skill_id, str(r.skill_id)): r.score for r in a.ratings.all()
                },
            }
            for a in assessment_queries.assessments_of(mentorship, member)
            if a.submitted_at is not None
        ]
    swot = assessment_queries.swot_of(mentorship, member)
    if swot is not None:
        data["swot"] = {field: getattr(swot, field) for field, _label in SWOT_QUADRANTS}
    data["journal"] = [
        {
            "written_at": entry.created_at,
            "prompt": entry.prompt,
            "text": entry.text,
            "shared": entry.shared_at is not None,
        }
        for entry in JournalEntry.objects.filter(mentorship=mentorship, author=member)
    ]
    for feedback in feedback_queries.feedback_of(mentorship, member):
        item = {
            "date": feedback.created_at,
            "topic": feedback.request.topic if feedback.request else "",
            "situation": feedback.situation,
            "behaviour": feedback.behaviour,
            "impact": feedback.impact,
            "keep_doing": feedback.keep_doing,
            "try_next": feedback.try_next,
        }
        if feedback.recipient_id == member.pk:
            data["feedback_received"].append({"from": feedback.author.user.display_name, **item})
        else:
            data["feedback_given"].append({"to": feedback.recipient.user.display_name, **item})
    return data


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def export_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Your growth in {data['program']}",
        "",
        f"{data['person']}, exported on {_date(data['exported_at'])}.",
        "",
    ]
    if data["goals"]:
        lines += ["## Goals", ""]
        for goal in data["goals"]:
            lines.append(f"### {goal['statement']}")
            lines.append("")
            for label, key in (
                ("Measured by", "measure"),
                ("Target", "target"),
                ("Deadline", "deadline"),
                ("Status", "status"),
            ):
                if goal[key]:
                    lines.append(
                        f"- {label}: {_date(goal[key]) if key == 'deadline' else goal[key]}"
                    )
            lines.append(f"- Progress: {goal['progress']}%")
            for milestone in goal["milestones"]:
                done = "x" if milestone["done_at"] else " "
                due = f" (by {_date(milestone['due_on'])})" if milestone["due_on"] else ""
                lines.append(f"  - [{done}] {milestone['title']}{due}")
            lines.append("")
    if data["plan"]:
        plan = data["plan"]
        lines += ["## Development plan", "", f"Version {plan['version']}.", ""]
        for field, label in plan_queries.SECTION_LABELS.items():
            lines += [f"### {label}", "", plan["sections"][field] or "_(empty)_", ""]
        if plan["goals"]:
            lines += ["### Goals it serves", ""] + [f"- {g}" for g in plan["goals"]] + [""]
        lines += ["### Versions", ""]
        lines += [f"- Version {v['number']}: {_date(v['saved_at'])}" for v in plan["versions"]]
        lines.append("")
    if data["assessments"]:
        lines += ["## Skills self-assessments", ""]
        for assessment in data["assessments"]:
            lines += [f"### {assessment['stage'].title()}, by {assessment['by']}", ""]
            lines += [f"- {skill}: {score}/5" for skill, score in assessment["ratings"].items()]
            lines.append("")
    if data["swot"]:
        lines += ["## SWOT", ""]
        for field, label in SWOT_QUADRANTS:
            lines += [f"### {label}", "", data["swot"][field] or "_(empty)_", ""]
    if data["journal"]:
        lines += ["## Journal", ""]
        for entry in data["journal"]:
            lines.append(f"### {_date(entry['written_at'])}")
            lines.append("")
            if entry["prompt"]:
                lines += [f"> {entry['prompt']}", ""]
            lines += [entry["text"], ""]
    for key, title, who in (
        ("feedback_received", "Feedback you received", "from"),
        ("feedback_given", "Feedback you gave", "to"),
    ):
        if data[key]:
            lines += [f"## {title}", ""]
            for item in data[key]:
                topic = f" — {item['topic']}" if item["topic"] else ""
                lines += [f"### {_date(item['date'])}, {who} {item[who]}{topic}", ""]
                for label, part in (
                    ("Situation", "situation"),
                    ("Behaviour", "behaviour"),
                    ("Impact", "impact"),
                    ("Keep doing", "keep_doing"),
                    ("Try", "try_next"),
                ):
                    if item[part]:
                        lines.append(f"- **{label}:** {item[part]}")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_file(mentorship: Mentorship, *, by: Membership) -> tuple[str, bytes]:
    """The member's export as ``(file name, zip bytes)``."""
    data = export_data(mentorship, by)
    stamp = _date(data["exported_at"])
    name = f"tandem-growth-{mentorship.program.slug}-{stamp}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/growth.md", export_markdown(data))
        archive.writestr(
            f"{name}/growth.json",
            json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        )
    record_audit(by.user, "growth.exported", by, changes={"mentorship": mentorship.pk})
    return f"{name}.zip", buffer.getvalue()
