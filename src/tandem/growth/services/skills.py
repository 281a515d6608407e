"""The program's skills vocabulary.

A minimal :func:`ensure_starter_skills` so that self-assessments have skills to rate; the goals
work owns the vocabulary's editing (its version of this module replaces this one at merge).
"""

from __future__ import annotations

from django.db import transaction

from tandem.growth.enums import SkillSource
from tandem.growth.models import Skill
from tandem.programs.models import Program

#: The soft skills every program starts with: (family, name), from the starter content.
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


def ensure_starter_skills(program: Program) -> list[Skill]:
    """The program's skills in order; a program without any gets the soft-skills vocabulary.
    Idempotent and race-safe (the program row is locked while checking)."""
    existing = list(Skill.objects.filter(program=program))
    if existing:
        return existing
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        if not Skill.objects.filter(program=program).exists():
            Skill.objects.bulk_create(
                Skill(
                    program=program,
                    name=name,
                    family=family,
                    source=SkillSource.SOFT,
                    assessed=True,
                    position=position,
                )
                for position, (family, name) in enumerate(STARTER_SKILLS)
            )
    return list(Skill.objects.filter(program=program))
