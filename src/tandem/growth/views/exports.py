"""Download one's own growth data as a ``.zip`` (Markdown and JSON)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import URLPattern, path

from tandem.growth.services.exports import export_file
from tandem.mentoring.rules import mentorships as mentoring_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"


@requires(mentoring_rules.can_open_mentorship_pages)
def export(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    name, content = export_file(mentorship, by=member.membership)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "export/", export, name="export"),
]
