"""The feedback page: feedback received and given (SBI), open requests, giving feedback (also
in answer to a request) and asking for it. Only the author and the recipient read a piece of
feedback."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.growth.forms.feedback import FeedbackForm, FeedbackRequestForm
from tandem.growth.queries import feedback as queries
from tandem.growth.services import feedback as services
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentoring_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"


def _others(mentorship: Mentorship, member: MentorshipMember) -> list[MentorshipMember]:
    return [m for m in mentorship.members.all() if m.membership_id != member.membership_id]


def _page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: FeedbackForm | None = None,
    request_form: FeedbackRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    others = _others(mentorship, member)
    viewer = member.membership
    answering = None
    wanted = request.GET.get("request", "")
    if form is None and wanted.isdigit():
        answering = queries.open_request_to(mentorship, viewer, int(wanted))
    if form is None:
        initial = {}
        if answering is not None:
            initial = {"recipient": answering.requester_id, "request": answering.pk}
        form = FeedbackForm(initial=initial, others=others)
    feedback = list(queries.feedback_of(mentorship, viewer))
    requests = list(queries.requests_of(mentorship, viewer))
    context = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "received": [f for f in feedback if f.recipient_id == viewer.pk],
        "given": [f for f in feedback if f.author_id == viewer.pk],
        "asked_of_me": [r for r in requests if r.recipient_id == viewer.pk and not r.answered_at],
        "my_requests": [r for r in requests if r.requester_id == viewer.pk],
        "answering": answering,
        "form": form,
        "request_form": request_form or FeedbackRequestForm(others=others),
        "is_live": mentorship.is_live and bool(others),
    }
    return render(request, "growth/feedback.html", context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def feedback_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _page(request, mentorship, member)


def _membership(mentorship: Mentorship, membership_id: int) -> Membership | None:
    place = next((m for m in mentorship.members.all() if m.membership_id == membership_id), None)
    return place.membership if place else None


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def feedback_give(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    form = FeedbackForm(request.POST, others=_others(mentorship, member))
    if form.is_valid():
        recipient = _membership(mentorship, form.cleaned_data["recipient"])
        answered = None
        if form.cleaned_data.get("request"):
            answered = queries.open_request_to(
                mentorship, member.membership, form.cleaned_data["request"]
            )
            if answered is None:
                form.add_error(None, "That request is answered already, or was not made to you.")
        if recipient is not None and not form.errors:
            try:
                services.give_feedback(
                    mentorship,
                    by=member.membership,
                    recipient=recipient,
                    data=form.feedback_input(),
                    request=answered,
                )
            except ServiceError as refused:
                show_service_error(form, refused)
            else:
                messages.success(
                    request,
                    f"Your feedback is sent to {recipient.user.display_name}. Only the two of "
                    "you can read it.",
                )
                return redirect(mentorship.get_absolute_url() + "feedback/")
    return _page(request, mentorship, member, form=form, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def feedback_ask(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    form = FeedbackRequestForm(request.POST, others=_others(mentorship, member))
    if form.is_valid():
        recipient = _membership(mentorship, form.cleaned_data["recipient"])
        assert recipient is not None  # the form's choices are the other members
        try:
            services.request_feedback(
                mentorship,
                by=member.membership,
                recipient=recipient,
                topic=form.cleaned_data["topic"],
            )
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, f"{recipient.user.display_name} has been asked.")
            return redirect(mentorship.get_absolute_url() + "feedback/")
    return _page(request, mentorship, member, request_form=form, status=422)


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "feedback/", feedback_page, name="feedback"),
    path(MENTORSHIP + "feedback/give/", feedback_give, name="feedback_give"),
    path(MENTORSHIP + "feedback/ask/", feedback_ask, name="feedback_ask"),
]
