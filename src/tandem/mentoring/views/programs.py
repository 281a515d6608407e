"""Moving a program along its stages from its page. It lives here, at the highest stage it
touches: closing a program completes its mentorships."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.mentoring.services.mentorships import change_program_status
from tandem.programs import rules
from tandem.programs.enums import ProgramStatus
from tandem.programs.forms import StatusForm
from tandem.programs.http import TenantRequest, requires


@require_POST
@requires(rules.can_manage_program)
def program_status(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a stage for the program.")
        return redirect(program)
    try:
        change_program_status(
            program, to=ProgramStatus(form.cleaned_data["status"]), by=request.user
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{program.name} is now {ProgramStatus(form.cleaned_data['status']).label}."
        )
    return redirect(program)
