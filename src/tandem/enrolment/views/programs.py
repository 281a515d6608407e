"""Creating a program: the program and its starter profile questions (see
:mod:`tandem.enrolment.services.programs`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from tandem.core.errors import ServiceError
from tandem.enrolment.services.programs import create_program
from tandem.programs import rules
from tandem.programs.forms import ProgramForm
from tandem.programs.http import TenantRequest, requires


@requires(rules.can_create_program)
def program_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            program = create_program(request.access.organization, by=request.user, **fields)
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{program.name} was created as a draft.")
            return redirect(program)
    return render(
        request,
        "programs/program_form.html",
        {"form": form, "organization": request.access.organization, "program": None},
    )


urlpatterns: list[URLPattern] = [
    path("o/<slug:org_slug>/programs/new/", program_create, name="program_create"),
]
