"""Factories for the onboarding tests: agreements, training modules, profile questions."""

from __future__ import annotations

import factory

from tandem.enrolment.enums import QuestionKind
from tandem.enrolment.models import Agreement, ProfileQuestion, TrainingModule
from tests.factories import ProgramFactory

QUIZ = [
    {"question": "What stays between the pair?", "options": ["Everything", "Nothing"], "answer": 0},
    {"question": "Who can end it?", "options": ["Only mentors", "Either person"], "answer": 1},
]


class AgreementFactory(factory.django.DjangoModelFactory[Agreement]):
    class Meta:
        model = Agreement

    program = factory.SubFactory(ProgramFactory)
    version = factory.Sequence(lambda n: n + 1)
    text = "What we discuss stays between us."


class TrainingModuleFactory(factory.django.DjangoModelFactory[TrainingModule]):
    class Meta:
        model = TrainingModule

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    body = "# Mentoring\n\nListen more than you talk."
    required_for = factory.LazyFunction(lambda: ["mentor", "mentee"])
    quiz = factory.LazyFunction(list)
    pass_mark = 80
    position = factory.Sequence(lambda n: n)


class ProfileQuestionFactory(factory.django.DjangoModelFactory[ProfileQuestion]):
    class Meta:
        model = ProfileQuestion

    program = factory.SubFactory(ProgramFactory)
    key = factory.Sequence(lambda n: f"question_{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = QuestionKind.TEXT
    required = True
