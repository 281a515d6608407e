"""Programs as enrolment opens them: with the starter profile questions in place."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.accounts.models import User
from tandem.enrolment.starter import install_starter_questions
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
    starter profile questions, in one transaction."""
    with transaction.atomic():
        program = program_services.create_program(
            organization, by=by, name=name, coordinator=coordinator, **fields
        )
        install_starter_questions(program, by=by)
    return program
