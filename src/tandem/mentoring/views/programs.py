"""Moving a program along its stages from its page. It lives here, at the highest stage it
touches: closing a program completes its mentorships.

A change that notifies people, completes mentorships or hides the program from them is shown
first on a confirmation page with its numbers (GET, or a POST without ``confirm=1``); the
POST with ``confirm=1`` makes it. It works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tandem.core.errors import ServiceError
from tandem.mentoring.services.mentorships import change_program_status
from tandem.mentoring.services.stages import plan_stage_change
from tandem.programs import rules
from tandem.programs.enums import ProgramStatus
from tandem.programs.forms import StatusForm
from tandem.programs.http import TenantRequest, requires


@require_http_methods(["GET", "POST"])
@requires(rules.can_manage_program)
def program_status(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = StatusForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose a stage for the program.")
        return redirect(program)
    to = ProgramStatus(form.cleaned_data["status"])
    plan = plan_stage_change(program, to=to, by=request.user)
    if plan.refused:
        messages.error(request, plan.refused)
        return redirect(program)
    confirmed = request.method == "POST" and request.POST.get("confirm") == "1"
    if plan.needs_confirmation and not confirmed:
        return render(request, "mentoring/coordinator/program_status_confirm.html", {"plan": plan})
    try:
        change_program_status(program, to=to, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{program.name} is now {to.label}.")
    return redirect(program)
