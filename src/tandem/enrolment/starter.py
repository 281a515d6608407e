"""The starter set of profile questions every new program begins with.

The keys are fixed: the demo seed (:mod:`tandem.demo.seed`) writes answers under them, and
imports and the matching criteria refer to them. Coordinators edit or delete them freely.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from tandem.accounts.models import User
from tandem.core.services import record_audit
from tandem.enrolment import vocabulary
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.programs.models import Program

VALUES = list(vocabulary.VALUES)
LANGUAGES = sorted(
    {
        *(language for *_, languages in vocabulary.CITIES for language in languages),
        "Bengali",
        "Chinese (Cantonese)",
        "Dutch",
        "Italian",
        "Korean",
        "Polish",
        "Russian",
        "Tagalog",
        "Turkish",
        "Ukrainian",
        "Urdu",
        "Vietnamese",
    }
)
GENDER_IDENTITIES = ["Woman", "Man", "Non-binary", "Self-described", "Prefer not to say"]


@dataclass(frozen=True)
class StarterQuestion:
    key: str
    label: str
    kind: QuestionKind
    audience: Audience = Audience.BOTH
    required: bool = False
    help_text: str = ""
    choices: list[str] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    is_demographic: bool = False
    paired_with: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "audience": self.audience,
            "required": self.required,
            "help_text": self.help_text,
            "choices": list(self.choices),
            "min_value": self.min_value,
            "max_value": self.max_value,
            "is_demographic": self.is_demographic,
            "use_in_matching": not self.is_demographic,
        }


Q = QuestionKind
STARTER_QUESTIONS: tuple[StarterQuestion, ...] = (
    StarterQuestion(
        "skills_offered",
        "Skills I can offer",
        Q.MULTIPLE_CHOICE,
        Audience.MENTORS,
        required=True,
        help_text="What you can help a mentee grow in.",
        choices=list(vocabulary.SKILLS),
    ),
    StarterQuestion(
        "skills_wanted",
        "Skills I want to grow",
        Q.MULTIPLE_CHOICE,
        Audience.MENTEES,
        required=True,
        help_text="Matched against the skills mentors offer.",
        choices=list(vocabulary.SKILLS),
        paired_with="skills_offered",
    ),
    StarterQuestion(
        "goals",
        "What do you want to achieve in this program?",
        Q.TEXT,
        Audience.MENTEES,
        required=True,
        help_text="A few sentences: your mentor reads this first.",
    ),
    StarterQuestion(
        "experience",
        "Your experience",
        Q.TEXT,
        Audience.MENTORS,
        help_text="What you have done and what you have helped others with.",
    ),
    StarterQuestion(
        "interests", "Interests outside work", Q.MULTIPLE_CHOICE, choices=list(vocabulary.INTERESTS)
    ),
    StarterQuestion("values", "Values that matter to you", Q.MULTIPLE_CHOICE, choices=VALUES),
    StarterQuestion("industry", "Industry", Q.SINGLE_CHOICE, choices=list(vocabulary.INDUSTRIES)),
    StarterQuestion(
        "years_experience", "Years of work experience", Q.NUMBER, min_value=0, max_value=60
    ),
    StarterQuestion("seniority", "Seniority", Q.SINGLE_CHOICE, choices=list(vocabulary.SENIORITY)),
    StarterQuestion("employer", "Employer", Q.TEXT),
    StarterQuestion("college", "College or university", Q.TEXT),
    StarterQuestion("team", "Team", Q.SINGLE_CHOICE, choices=list(vocabulary.TEAMS)),
    StarterQuestion(
        "manager",
        "Your manager's e-mail address",
        Q.TEXT,
        help_text="So that nobody is matched with their own manager. Never shown to others.",
    ),
    StarterQuestion(
        "location",
        "Where you are based",
        Q.LOCATION,
        help_text="City and country; used to suggest partners nearby.",
    ),
    StarterQuestion("time_zone", "Time zone", Q.TIME_ZONE, required=True),
    StarterQuestion(
        "availability",
        "When are you usually available to meet?",
        Q.AVAILABILITY,
        required=True,
        help_text="Tick every part of the week that usually works for you.",
    ),
    StarterQuestion(
        "languages",
        "Languages you can mentor in",
        Q.LANGUAGES,
        required=True,
        choices=LANGUAGES,
    ),
    StarterQuestion(
        "hours_per_month",
        "Hours per month you can give",
        Q.NUMBER,
        min_value=1,
        max_value=40,
    ),
    StarterQuestion(
        "communication_style",
        "Communication style",
        Q.SINGLE_CHOICE,
        choices=list(vocabulary.COMMUNICATION_STYLES),
    ),
    StarterQuestion(
        "communication_style_preference",
        "Would you like a mentor whose communication style is like yours, or different?",
        Q.SINGLE_CHOICE,
        Audience.MENTEES,
        help_text="Matching takes your answer into account; either is fine.",
        choices=["Someone like me", "Someone different from me", "No preference"],
    ),
    StarterQuestion(
        "learning_preference",
        "How do you like to learn?",
        Q.SINGLE_CHOICE,
        choices=list(vocabulary.LEARNING_PREFERENCES),
    ),
    StarterQuestion(
        "capacity",
        "How many mentees can you take?",
        Q.NUMBER,
        Audience.MENTORS,
        required=True,
        min_value=1,
        max_value=10,
    ),
    StarterQuestion("prefers_other_team", "I prefer a partner outside my own team", Q.YES_NO),
    StarterQuestion(
        "gender_identity",
        "Gender identity",
        Q.SINGLE_CHOICE,
        choices=GENDER_IDENTITIES,
        is_demographic=True,
    ),
    StarterQuestion(
        "first_generation_professional",
        "Are you the first in your family to work in a professional role?",
        Q.YES_NO,
        is_demographic=True,
    ),
)


#: What a new program starts with: the questions matching and readiness cannot do without (the
#: required ones, what is compared, what is offered). The rest of the starter set is offered to
#: the coordinator as suggestions to switch on (:func:`suggested_questions`).
ESSENTIAL_KEYS = frozenset(
    {
        "skills_offered",
        "skills_wanted",
        "goals",
        "experience",
        "location",
        "time_zone",
        "availability",
        "languages",
        "capacity",
    }
)


def suggested_questions(program: Program) -> list[StarterQuestion]:
    """The starter questions the program does not ask yet, in the starter set's order."""
    asked = set(ProfileQuestion.objects.filter(program=program).values_list("key", flat=True))
    return [spec for spec in STARTER_QUESTIONS if spec.key not in asked]


def install_starter_questions(
    program: Program, *, by: User | None, keys: Collection[str] | None = None
) -> list[ProfileQuestion]:
    """Add the starter questions (all, or those of ``keys``) the program does not have yet (by
    key), at the end of its questions; return those added."""
    with transaction.atomic():
        existing = {q.key: q for q in ProfileQuestion.objects.filter(program=program)}
        last = ProfileQuestion.objects.filter(program=program).aggregate(last=Max("position"))
        position = -1 if last["last"] is None else last["last"]
        added: list[ProfileQuestion] = []
        for spec in STARTER_QUESTIONS:
            if spec.key in existing or (keys is not None and spec.key not in keys):
                continue
            position += 1
            question = ProfileQuestion.objects.create(
                program=program, position=position, **spec.fields()
            )
            existing[spec.key] = question
            added.append(question)
        for question in added:
            spec = next(s for s in STARTER_QUESTIONS if s.key == question.key)
            if spec.paired_with and spec.paired_with in existing:
                question.paired_with = existing[spec.paired_with]
                question.save(update_fields=["paired_with"])
        if added:
            record_audit(
                by,
                "questions.starter_installed",
                program,
                changes={"keys": [q.key for q in added]},
            )
    return added
