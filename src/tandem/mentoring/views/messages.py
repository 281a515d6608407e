"""The mentorship's conversation: writing (htmx from the workspace, or a plain form), the
workspace panel's refresh, and the full conversation page, paginated. Members only."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from tandem.core.errors import ServiceError
from tandem.mentoring.forms.messages import MessageForm
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.queries.messages import conversation_page, messages_panel
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import messages as services
from tandem.mentoring.views.access import member_mentorship
from tandem.mentoring.views.workspace import MENTORSHIP, workspace_context, workspace_url
from tandem.programs.http import TenantRequest, requires


def _messages_url(mentorship: Mentorship) -> str:
    return workspace_url(mentorship) + "messages/"


def _panel(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: MessageForm | None = None,
    status: int = 200,
    template: str = "mentoring/workspace/_messages.html",
) -> HttpResponse:
    member.refresh_from_db(fields=["last_read_at"])
    return render(
        request,
        template,
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "member": member,
            "conversation": messages_panel(mentorship, member),
            "message_form": form or MessageForm(),
            "workspace_url": workspace_url(mentorship),
        },
        status=status,
    )


def _page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page, items = conversation_page(mentorship, member, request.GET.get("page"))
    if page.number == 1:
        # Reading the newest page reads the conversation; the page still marks what was new.
        services.mark_read(mentorship, by=member.membership)
    return render(
        request,
        "mentoring/workspace/conversation.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "member": member,
            "page_obj": page,
            "items": items,
            "message_form": form or MessageForm(),
            "workspace_url": workspace_url(mentorship),
            "can_write": mentorship.is_live,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires(rules.can_open_mentorship_pages)
def conversation(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """GET: the whole conversation, paginated. POST: write a message (from the workspace
    panel with htmx, or from this page)."""
    mentorship, member = member_mentorship(request, mentorship_id)
    if request.method != "POST":
        return _page(request, mentorship, member)
    from_workspace = request.POST.get("from") == "workspace"
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(mentorship, by=member.membership, body=form.cleaned_data["body"])
        except ServiceError as error:
            form.add_error("body" if error.field == "body" else None, error.message)
        else:
            if request.htmx:
                return _panel(request, mentorship, member)
            back = workspace_url(mentorship) if from_workspace else _messages_url(mentorship)
            return redirect(back)
    if request.htmx:
        return _panel(request, mentorship, member, form=form, status=422)
    if from_workspace:
        context = workspace_context(mentorship, member, message_form=form)
        return render(request, "mentoring/workspace/page.html", context, status=422)
    return _page(request, mentorship, member, form=form, status=422)


@require_GET
@requires(rules.can_open_mentorship_pages)
def message_list(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """The workspace panel's list of latest messages (htmx refresh)."""
    mentorship, member = member_mentorship(request, mentorship_id)
    return _panel(
        request, mentorship, member, template="mentoring/workspace/_messages.html#message-list"
    )


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "messages/", conversation, name="messages"),
    path(MENTORSHIP + "messages/latest/", message_list, name="message_list"),
]
