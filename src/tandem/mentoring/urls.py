from __future__ import annotations

from django.urls import path

from tandem.mentoring.views import (
    coordinator,
    guides,
    meetings,
    messages,
    programs,
    records,
    workspace,
)

app_name = "mentoring"

program = "o/<slug:org_slug>/p/<slug:program_slug>/"

urlpatterns = [
    path(program + "status/", programs.program_status, name="program_status"),
    *workspace.urlpatterns,
    *meetings.urlpatterns,
    *records.urlpatterns,
    *messages.urlpatterns,
    *coordinator.urlpatterns,
    *guides.urlpatterns,
]
