"""The mentorship's workspace: the page its members land on, composed of the panels of
meetings, agenda, action items and messages; confirming or declining a proposed match; and the
"my mentorship" link that leads each person to their own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.forms.confirmation import DeclineForm
from tandem.mentoring.forms.messages import MessageForm
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.queries import workspace as queries
from tandem.mentoring.queries.meetings import meetings_panel
from tandem.mentoring.queries.messages import messages_panel
from tandem.mentoring.queries.records import actions_panel, agenda_panel
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import confirmation
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"


def workspace_url(mentorship: Mentorship) -> str:
    program = mentorship.program
    return reverse(
        "mentoring:workspace",
        kwargs={
            "org_slug": program.organization.slug,
            "program_slug": program.slug,
            "mentorship_id": mentorship.pk,
        },
    )


def workspace_context(
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    message_form: MessageForm | None = None,
    decline_form: DeclineForm | None = None,
) -> dict[str, Any]:
    """Everything the workspace page shows ``member``, in a fixed number of queries."""
    return {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "people": queries.people(mentorship, member),
        "next_step": queries.next_step(mentorship, member),
        "meetings": meetings_panel(mentorship, member),
        "agenda": agenda_panel(mentorship, member),
        "actions": actions_panel(mentorship, member),
        "conversation": messages_panel(mentorship, member),
        "message_form": message_form or MessageForm(),
        "decline_form": decline_form or DeclineForm(),
        "workspace_url": workspace_url(mentorship),
    }


@requires(rules.can_open_mentorship_pages)
def workspace(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return render(request, "mentoring/workspace/page.html", workspace_context(mentorship, member))


@require_POST
@requires(rules.can_open_mentorship_pages)
def confirm(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    try:
        mentorship = confirmation.confirm_match(mentorship, by=member.membership)
    except ServiceError as error:
        flash.error(request, error.message)
    else:
        if mentorship.status == RelationshipStatus.ACTIVE:
            flash.success(request, "Everyone has confirmed: your mentorship has started.")
        else:
            flash.success(request, "Thank you: you have confirmed. It starts once everyone has.")
    return redirect(workspace_url(mentorship))


@require_POST
@requires(rules.can_open_mentorship_pages)
def decline(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            confirmation.decline_match(
                mentorship, by=member.membership, note=form.cleaned_data["note"]
            )
        except ServiceError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            flash.success(
                request,
                "You have declined this match. The coordinators have your reason and will "
                "find you another one.",
            )
            program = mentorship.program
            return redirect(program.get_absolute_url() + "match/")
    context = workspace_context(mentorship, member, decline_form=form)
    return render(request, "mentoring/workspace/page.html", context, status=422)


@requires(rules.can_use_workspace)
def my_mentorship(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """One mentorship: straight to its workspace. None or several: a page to choose from."""
    program = request.access.program_or_404
    me = request.access.membership
    assert me is not None  # guaranteed by the rule
    mine = list(queries.mentorships_of(me))
    current = [
        m
        for m in mine
        if m.status not in (RelationshipStatus.COMPLETED, RelationshipStatus.ENDED_EARLY)
    ]
    if len(current) == 1:
        return redirect(workspace_url(current[0]))
    if not current and len(mine) == 1:
        return redirect(workspace_url(mine[0]))
    entries = [
        {
            "mentorship": mentorship,
            "others": [
                place.membership.user.display_name
                for place in mentorship.members.all()
                if place.membership_id != me.pk
            ],
        }
        for mentorship in mine
    ]
    return render(
        request,
        "mentoring/workspace/chooser.html",
        {"program": program, "entries": entries},
    )


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "my-mentorship/", my_mentorship, name="my_mentorship"),
    path(MENTORSHIP, workspace, name="workspace"),
    path(MENTORSHIP + "confirm/", confirm, name="confirm"),
    path(MENTORSHIP + "decline/", decline, name="decline"),
]
