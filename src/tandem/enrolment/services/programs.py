"""Programs as enrolment opens them: with the starter profile questions in place."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.services.readiness import refresh_program_readiness
from tandem.enrolment.starter import ESSENTIAL_KEYS, STARTER_QUESTIONS, install_starter_questions
from tandem.programs import services as program_services
from tandem.programs.models import Organization, Program


def create_program(
    organization: Organization,
    *,
    by: User,
    name: str,
    coordinator: User | None = None,
    **fields: Any,
) -> Program:
    """Create a draft program (:func:`tandem.programs.services.create_program`) and give it the
    essential starter profile questions, in one transaction (the rest are suggestions the
    coordinator switches on: :func:`switch_on_starter_questions`)."""
    with transaction.atomic():
        program = program_services.create_program(
            organization, by=by, name=name, coordinator=coordinator, **fields
        )
        install_starter_questions(program, by=by, keys=ESSENTIAL_KEYS)
    return program


def switch_on_starter_questions(
    program: Program, *, by: User, keys: Collection[str]
) -> list[ProfileQuestion]:
    """Add suggested starter questions to the program (at the end of its questions) and bring
    its members' stored readiness up to date; return those added."""
    known = {spec.key for spec in STARTER_QUESTIONS}
    for key in keys:
        if key not in known:
            raise ServiceError(f"“{key}” is not one of the suggested questions.", field="key")
    with transaction.atomic():
        added = install_starter_questions(program, by=by, keys=set(keys))
        if added:
            refresh_program_readiness(program)
    return added
