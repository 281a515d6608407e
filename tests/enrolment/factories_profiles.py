"""Factories and helpers for the profile tests."""

from __future__ import annotations

from typing import Any

import factory

from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.programs.models import Membership, Program
from tests.conftest import World


class QuestionFactory(factory.django.DjangoModelFactory[ProfileQuestion]):
    class Meta:
        model = ProfileQuestion

    key = factory.Sequence(lambda n: f"question_{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = QuestionKind.TEXT
    audience = Audience.BOTH
    position = factory.Sequence(lambda n: n)


def membership_of(world: World, who: str, program: Program | None = None) -> Membership:
    return Membership.objects.get(user=getattr(world, who), program=program or world.program)


def choice_question(program: Program, key: str, choices: list[str], **fields: Any) -> Any:
    return QuestionFactory(
        program=program, key=key, kind=QuestionKind.MULTIPLE_CHOICE, choices=choices, **fields
    )
