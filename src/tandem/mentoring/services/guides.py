"""A program's meeting guide and the agendas it gives each mentorship's meetings.

A program without templates gets the starter guide (:mod:`tandem.mentoring.starter_guide`) the
first time anyone needs it; coordinators then edit, add, remove and reorder its templates.
:func:`assign_agendas` gives every meeting of a mentorship its template: the Nth meeting the
Nth guided template, later ones the regular check-in, and the last meeting in the
mentorship's final weeks the closure template. Meetings already held keep what they had.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import MeetingStatus, TemplateKind, TemplateTool
from tandem.mentoring.models import LIVE_STATUSES, Meeting, MeetingTemplate, Mentorship
from tandem.mentoring.starter_guide import GROUP_GUIDE, PAIR_GUIDE, TemplateSpec
from tandem.programs.enums import ProgramType
from tandem.programs.models import Program

#: A mentorship's last meeting this close to its end date is its closing meeting.
CLOSURE_WINDOW_DAYS = 30

TITLE_MAX = MeetingTemplate._meta.get_field("title").max_length or 200
TEXT_MAX = 5000


@dataclass(frozen=True)
class TemplateInput:
    """What a coordinator writes for one template."""

    kind: str
    title: str
    purpose: str = ""
    questions: str = ""
    preparation: str = ""
    checklist: str = ""
    #: ``TemplateTool``: the tool the preparation is written in, or blank.
    opens_tool: str = ""


def starter_specs(program: Program) -> tuple[TemplateSpec, ...]:
    """The guide a program starts with: group programs get the facilitation variant."""
    return GROUP_GUIDE if program.program_type == ProgramType.GROUP else PAIR_GUIDE


def _templates_from(program: Program, specs: tuple[TemplateSpec, ...]) -> list[MeetingTemplate]:
    return [
        MeetingTemplate(
            program=program,
            kind=spec.kind,
            position=position,
            title=spec.title,
            purpose=spec.purpose,
            questions="\n".join(spec.questions),
            preparation=spec.preparation,
            checklist="\n".join(spec.checklist),
            opens_tool=spec.opens_tool,
        )
        for position, spec in enumerate(specs)
    ]


def guide_of(program: Program) -> list[MeetingTemplate]:
    return list(MeetingTemplate.objects.filter(program=program).order_by("position", "id"))


def ensure_guide(program: Program) -> list[MeetingTemplate]:
    """The program's templates in order; a program without any gets the starter guide.

    Race-safe: the program row is locked while checking, so two first calls at once create
    one guide.
    """
    existing = guide_of(program)
    if existing:
        return existing
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        if not MeetingTemplate.objects.filter(program=program).exists():
            MeetingTemplate.objects.bulk_create(_templates_from(program, starter_specs(program)))
    return guide_of(program)


def _check(data: TemplateInput) -> None:
    if data.kind not in TemplateKind.values:
        raise ServiceError(
            f"kind is one of {', '.join(TemplateKind.values)}, not “{data.kind}”.", field="kind"
        )
    if data.opens_tool not in TemplateTool.values:
        raise ServiceError(
            f"opens_tool is one of {', '.join(v or '(blank)' for v in TemplateTool.values)}, "
            f"not “{data.opens_tool}”.",
            field="opens_tool",
        )
    if not data.title.strip():
        raise ServiceError("Give the template a title.", field="title")
    if len(data.title) > TITLE_MAX:
        raise ServiceError(f"The title is at most {TITLE_MAX} characters.", field="title")
    for name in ("purpose", "questions", "preparation", "checklist"):
        if len(getattr(data, name)) > TEXT_MAX:
            raise ServiceError(f"{name} is at most {TEXT_MAX} characters.", field=name)


def _fields(data: TemplateInput) -> dict[str, str]:
    return {
        "kind": data.kind,
        "title": data.title.strip(),
        "purpose": data.purpose.strip(),
        "questions": data.questions.strip(),
        "preparation": data.preparation.strip(),
        "checklist": data.checklist.strip(),
        "opens_tool": data.opens_tool,
    }


def _reassign_live(program: Program) -> None:
    """Give the program's live mentorships with meetings still to come their new agendas."""
    mentorship_ids = (
        Meeting.objects.filter(
            mentorship__program=program,
            mentorship__status__in=LIVE_STATUSES,
            status=MeetingStatus.SCHEDULED,
            record__isnull=True,
        )
        .values_list("mentorship_id", flat=True)
        .distinct()
    )
    for mentorship in Mentorship.objects.filter(pk__in=list(mentorship_ids)):
        assign_agendas(mentorship)


def add_template(program: Program, data: TemplateInput, *, by: User) -> MeetingTemplate:
    """Add a template at the end of the guide."""
    _check(data)
    with transaction.atomic():
        ensure_guide(program)
        templates = guide_of(program)
        position = (templates[-1].position + 1) if templates else 0
        template = MeetingTemplate.objects.create(
            program=program, position=position, **_fields(data)
        )
        record_audit(by, "meeting_template.added", template, changes={"title": template.title})
        _reassign_live(program)
    return template


def update_template(template: MeetingTemplate, data: TemplateInput, *, by: User) -> MeetingTemplate:
    _check(data)
    with transaction.atomic():
        for name, value in _fields(data).items():
            setattr(template, name, value)
        template.save()
        record_audit(by, "meeting_template.changed", template, changes={"title": template.title})
        _reassign_live(template.program)
    return template


def remove_template(template: MeetingTemplate, *, by: User) -> None:
    """Remove a template; meetings already held keep their record, upcoming ones get the
    template now in their place."""
    program = template.program
    with transaction.atomic():
        record_audit(by, "meeting_template.removed", template, changes={"title": template.title})
        template.delete()
        _reassign_live(program)


def move_template(template: MeetingTemplate, *, direction: str, by: User) -> None:
    """Swap with the template above (``up``) or below (``down``); positions are renumbered."""
    if direction not in ("up", "down"):
        raise ServiceError("direction is “up” or “down”.", field="direction")
    with transaction.atomic():
        siblings = list(
            MeetingTemplate.objects.select_for_update()
            .filter(program_id=template.program_id)
            .order_by("position", "id")
        )
        index = next(i for i, t in enumerate(siblings) if t.pk == template.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            sibling.position = position
        MeetingTemplate.objects.bulk_update(siblings, ["position"])
        record_audit(by, "meeting_template.moved", template, changes={"direction": direction})
        _reassign_live(template.program)


def reset_guide(program: Program, *, by: User) -> list[MeetingTemplate]:
    """Replace the program's guide with the starter guide (held meetings keep their record)."""
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        MeetingTemplate.objects.filter(program=program).delete()
        MeetingTemplate.objects.bulk_create(_templates_from(program, starter_specs(program)))
        record_audit(by, "meeting_guide.reset", program)
        _reassign_live(program)
    return guide_of(program)


def _is_kept(meeting: Meeting, recorded: set[int]) -> bool:
    """A held or recorded meeting keeps its agenda (one logged afterwards still gets one)."""
    held = meeting.status == MeetingStatus.HELD or meeting.pk in recorded
    return held and meeting.template_id is not None


def _closing(mentorship: Mentorship, meeting: Meeting) -> bool:
    if mentorship.ends_on is None:
        return False
    return meeting.start.date() >= mentorship.ends_on - dt.timedelta(days=CLOSURE_WINDOW_DAYS)


def assign_agendas(mentorship: Mentorship) -> None:
    """Give each non-cancelled meeting of the mentorship, in start order, its template.

    The Nth meeting gets the Nth guided template and later ones the regular check-in; the
    last meeting, when it falls in the mentorship's final weeks after the guided start, gets
    the closure template. A meeting already held or recorded keeps its template. The
    meeting services call this after every create, move or cancel.
    """
    templates = ensure_guide(mentorship.program)
    guided = [t for t in templates if t.kind == TemplateKind.GUIDED]
    regular = next((t for t in templates if t.kind == TemplateKind.REGULAR), None)
    closure = next((t for t in templates if t.kind == TemplateKind.CLOSURE), None)
    with transaction.atomic():
        meetings = list(
            Meeting.objects.select_for_update()
            .filter(mentorship=mentorship)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("start", "id")
        )
        recorded = set(
            Meeting.objects.filter(
                Q(pk__in=[m.pk for m in meetings]) & Q(record__isnull=False)
            ).values_list("pk", flat=True)
        )
        changed = []
        for index, meeting in enumerate(meetings):
            if _is_kept(meeting, recorded):
                continue
            wanted: MeetingTemplate | None
            if index < len(guided):
                wanted = guided[index]
            elif (
                closure is not None and index == len(meetings) - 1 and _closing(mentorship, meeting)
            ):
                wanted = closure
            else:
                wanted = regular
            wanted_id = wanted.pk if wanted is not None else None
            if meeting.template_id != wanted_id:
                meeting.template_id = wanted_id
                changed.append(meeting)
        if changed:
            Meeting.objects.bulk_update(changed, ["template"])


def agenda_lines(meeting: Meeting) -> list[str]:
    """The meeting's agenda as plain lines (the reminder e-mail): the template's title and
    questions, then the items the members added."""
    lines: list[str] = []
    template = meeting.template
    if template is not None:
        lines.append(template.title)
        lines.extend(template.question_list)
    lines.extend(item.text for item in meeting.agenda_items.all())
    return lines
