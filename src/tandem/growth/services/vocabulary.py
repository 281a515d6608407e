"""A program's skills vocabulary and goal templates: the starter set every program gets the
first time goals are needed, and the coordinator's edits to it.

Enrolment creates programs and sits below growth, so it cannot seed these; growth seeds them
lazily and idempotently instead (:func:`ensure_starter_skills`). A coordinator who removes a
starter skill does not see it come back: the seeding is recorded once in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.core.services import record_audit
from tandem.growth.enums import SkillSource
from tandem.growth.models import GoalTemplate, Skill
from tandem.programs.models import Objective, Program

SKILL_NAME_MAX = 80
TEMPLATE_STATEMENT_MAX = 300
TEMPLATE_MEASURE_MAX = 300
TEMPLATE_TARGET_MAX = 200

#: The soft skills every program starts with: (family, name).
STARTER_SKILLS: tuple[tuple[str, str], ...] = (
    ("Communication", "Clarity"),
    ("Communication", "Concision"),
    ("Communication", "Writing"),
    ("Communication", "Assertiveness"),
    ("", "Confidence"),
    ("", "Decisiveness"),
    ("", "Negotiation"),
    ("", "Delegation"),
    ("", "Empathy and humour"),
    ("", "Embracing change"),
)


@dataclass(frozen=True)
class StarterTemplate:
    statement: str
    measure: str
    target: str
    skills: tuple[str, ...]


#: Goals a mentee can start from, written from the guide: specific, measured, dated.
STARTER_TEMPLATES: tuple[StarterTemplate, ...] = (
    StarterTemplate(
        "Lead a meeting of the committee by …",
        "I chair the meeting from agenda to actions; two members give me feedback afterwards.",
        "One meeting led, feedback from 2 members",
        ("Confidence", "Clarity"),
    ),
    StarterTemplate(
        "Present my project's results to senior leaders by …",
        "I give a ten-minute presentation and answer the questions without handing over.",
        "1 presentation of 10 minutes",
        ("Clarity", "Concision", "Confidence"),
    ),
    StarterTemplate(
        "Delegate one piece of recurring work to a colleague by …",
        "The colleague runs it twice on their own; I only review the result.",
        "2 runs without my help",
        ("Delegation",),
    ),
    StarterTemplate(
        "Negotiate a project's scope or budget with a stakeholder by …",
        "I prepare my position and fallback, hold the conversation, and write down what we agreed.",
        "1 negotiation prepared and held",
        ("Negotiation", "Assertiveness"),
    ),
    StarterTemplate(
        "Write a one-page proposal my manager approves by …",
        "The proposal fits on one page and is approved with at most one round of changes.",
        "1 proposal approved",
        ("Writing", "Concision"),
    ),
    StarterTemplate(
        "Give specific feedback to a colleague every month until …",
        "Each month I give one piece of feedback using situation, behaviour and impact.",
        "1 piece of feedback a month",
        ("Empathy and humour", "Assertiveness"),
    ),
)

_STARTED = "growth.vocabulary_started"


def ensure_starter_skills(program: Program) -> bool:
    """Give ``program`` the starter skills and goal templates, once. Returns whether it did
    now. Costs one query when already done; safe to call from many requests at once."""
    if AuditEntry.objects.filter(program_id=program.pk, action=_STARTED).exists():
        return False
    with transaction.atomic():
        # Serialise the seeding per program: the second caller waits, then sees the entry.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        if AuditEntry.objects.filter(program_id=program.pk, action=_STARTED).exists():
            return False
        Skill.objects.bulk_create(
            [
                Skill(
                    program=program,
                    name=name,
                    family=family,
                    source=SkillSource.SOFT,
                    position=index,
                )
                for index, (family, name) in enumerate(STARTER_SKILLS)
            ],
            ignore_conflicts=True,
        )
        skills = {skill.name: skill for skill in Skill.objects.filter(program=program)}
        for index, starter in enumerate(STARTER_TEMPLATES):
            template = GoalTemplate.objects.create(
                program=program,
                statement=starter.statement,
                measure=starter.measure,
                target=starter.target,
                position=index,
            )
            template.skills.set([skills[name] for name in starter.skills if name in skills])
        record_audit(
            None,
            _STARTED,
            program,
            changes={"skills": len(STARTER_SKILLS), "templates": len(STARTER_TEMPLATES)},
        )
    return True


# --- skills -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the skill a name.", field="name")
    if len(name) > SKILL_NAME_MAX:
        raise ServiceError(f"Keep a skill's name under {SKILL_NAME_MAX} characters.", field="name")
    return name


def add_skill(
    program: Program, *, by: User, name: str, family: str = "", assessed: bool = True
) -> Skill:
    """The coordinator adds one of the program's own skills."""
    name = _clean_name(name)
    family = " ".join(family.split())[:SKILL_NAME_MAX]
    with transaction.atomic():
        if Skill.objects.filter(program=program, name__iexact=name).exists():
            raise ServiceError(f"The program already has the skill “{name}”.", field="name")
        top = Skill.objects.filter(program=program).aggregate(m=Max("position"))["m"]
        position = (top or 0) + 1
        try:
            with transaction.atomic():
                skill = Skill.objects.create(
                    program=program,
                    name=name,
                    family=family,
                    source=SkillSource.PROGRAM,
                    assessed=assessed,
                    position=position,
                )
        except IntegrityError:
            raise ServiceError(
                f"The program already has the skill “{name}”.", field="name"
            ) from None
        record_audit(by, "skill.added", program, changes={"skill": name})
    return skill


def rename_skill(skill: Skill, *, by: User, name: str) -> Skill:
    name = _clean_name(name)
    with transaction.atomic():
        if (
            Skill.objects.filter(program_id=skill.program_id, name__iexact=name)
            .exclude(pk=skill.pk)
            .exists()
        ):
            raise ServiceError(f"The program already has the skill “{name}”.", field="name")
        old = skill.name
        skill.name = name
        skill.save(update_fields=["name"])
        record_audit(by, "skill.renamed", skill, changes={"from": old, "to": name})
    return skill


def set_skill_assessed(skill: Skill, *, by: User, assessed: bool) -> Skill:
    """Whether the skills self-assessment rates this skill."""
    with transaction.atomic():
        skill.assessed = assessed
        skill.save(update_fields=["assessed"])
        record_audit(by, "skill.assessed_changed", skill, changes={"assessed": assessed})
    return skill


def remove_skill(skill: Skill, *, by: User) -> None:
    """Removes the skill from the vocabulary (goals tagged with it lose the tag)."""
    with transaction.atomic():
        record_audit(by, "skill.removed", skill, changes={"skill": skill.name})
        skill.delete()


# --- goal templates -----------------------------------------------------------------------


def _clean_template(statement: str, measure: str, target: str) -> tuple[str, str, str]:
    statement, measure, target = statement.strip(), measure.strip(), target.strip()
    if not statement:
        raise ServiceError("Write the goal the template offers.", field="statement")
    for value, field, limit in (
        (statement, "statement", TEMPLATE_STATEMENT_MAX),
        (measure, "measure", TEMPLATE_MEASURE_MAX),
        (target, "target", TEMPLATE_TARGET_MAX),
    ):
        if len(value) > limit:
            raise ServiceError(f"Keep this under {limit} characters.", field=field)
    return statement, measure, target


def _objective(program: Program, objective_id: int | None) -> Objective | None:
    if objective_id is None:
        return None
    objective = Objective.objects.filter(pk=objective_id, program=program).first()
    if objective is None:
        raise ServiceError("Choose one of the program's objectives.", field="objective")
    return objective


def _skills(program: Program, skill_ids: list[int]) -> list[Skill]:
    skills = list(Skill.objects.filter(program=program, pk__in=skill_ids))
    if len(skills) != len(set(skill_ids)):
        raise ServiceError("Choose skills from the program's vocabulary.", field="skills")
    return skills


def add_template(
    program: Program,
    *,
    by: User,
    statement: str,
    measure: str = "",
    target: str = "",
    objective_id: int | None = None,
    skill_ids: list[int] | None = None,
) -> GoalTemplate:
    statement, measure, target = _clean_template(statement, measure, target)
    with transaction.atomic():
        objective = _objective(program, objective_id)
        skills = _skills(program, skill_ids or [])
        position = (
            GoalTemplate.objects.filter(program=program).aggregate(m=Max("position"))["m"] or 0
        ) + 1
        template = GoalTemplate.objects.create(
            program=program,
            statement=statement,
            measure=measure,
            target=target,
            objective=objective,
            position=position,
        )
        template.skills.set(skills)
        record_audit(by, "goal_template.added", template)
    return template


def update_template(
    template: GoalTemplate,
    *,
    by: User,
    statement: str,
    measure: str = "",
    target: str = "",
    objective_id: int | None = None,
    skill_ids: list[int] | None = None,
) -> GoalTemplate:
    statement, measure, target = _clean_template(statement, measure, target)
    with transaction.atomic():
        program = template.program
        template.objective = _objective(program, objective_id)
        template.statement, template.measure, template.target = statement, measure, target
        template.save()
        template.skills.set(_skills(program, skill_ids or []))
        record_audit(by, "goal_template.updated", template)
    return template


def remove_template(template: GoalTemplate, *, by: User) -> None:
    with transaction.atomic():
        record_audit(by, "goal_template.removed", template)
        template.delete()


def starter_skills(program: Program) -> list[Skill]:
    """The program's skills rated in self-assessments, after giving it the starter
    vocabulary if it never had one."""
    ensure_starter_skills(program)
    return list(Skill.objects.filter(program=program, assessed=True).order_by("position", "name"))
