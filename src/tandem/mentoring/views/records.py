"""The meeting page of a mentorship's members: the time, the agenda (the guide's template and
the items added), the record the leading member writes, action items, the preparation due,
and ratings — plus logging a meeting held outside Tandem and the one-tap rating link.

Only members reach these pages; coordinators and everyone else get the same 404 as for a
meeting that does not exist.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.core.text import render_markdown
from tandem.mentoring.forms.records import (
    ActionDoneForm,
    ActionItemForm,
    AgendaItemForm,
    AssignmentForm,
    CommentForm,
    LogMeetingForm,
    RatingForm,
    RecordForm,
)
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    Meeting,
    Mentorship,
    MentorshipMember,
)
from tandem.mentoring.queries import records as queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services import assignments as assignment_services
from tandem.mentoring.services import ratings as rating_services
from tandem.mentoring.services import records as record_services
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.enums import MeetingCadence
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"
MEETING = MENTORSHIP + "meetings/<int:meeting_id>/"


# --- finding things -----------------------------------------------------------------------


def _meeting(mentorship: Mentorship, meeting_id: int) -> Meeting:
    meeting = queries.meeting_of(mentorship, meeting_id)
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.mentorship = mentorship
    return meeting


def _action_item(mentorship: Mentorship, item_id: int) -> ActionItem:
    item = (
        ActionItem.objects.filter(mentorship=mentorship, pk=item_id)
        .select_related("owner__user")
        .first()
    )
    if item is None:
        raise Http404("No such action item.")
    item.mentorship = mentorship
    return item


def _assignment(mentorship: Mentorship, member: MentorshipMember, assignment_id: int) -> Assignment:
    assignment = queries.assignments_of(mentorship, member).filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def _safe_next(request: TenantRequest, candidate: str) -> str:
    """A path inside this program (the workspace or a meeting page), or empty: never
    off-site, never a script URL."""
    program_root = request.access.program_or_404.get_absolute_url()
    if candidate.startswith(program_root) and "//" not in candidate and "\\" not in candidate:
        return candidate
    return ""


def _next_url(request: TenantRequest, fallback: str) -> str:
    """Back to where the form was (the workspace or the meeting page)."""
    return _safe_next(request, request.POST.get("next", "")) or fallback


def cadence_after(mentorship: Mentorship, meeting: Meeting) -> dt.datetime:
    """The next meeting's start at the program's (or group's) cadence, same wall-clock time."""
    cadence = mentorship.program.meeting_cadence
    group = getattr(mentorship, "group", None) if mentorship.is_group else None
    if group is not None and group.meeting_cadence:
        cadence = group.meeting_cadence
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    local = meeting.start.astimezone(zone).replace(tzinfo=None)
    steps: dict[str, relativedelta] = {
        MeetingCadence.WEEKLY: relativedelta(weeks=1),
        MeetingCadence.BIWEEKLY: relativedelta(weeks=2),
    }
    step = steps.get(str(cadence), relativedelta(months=1))
    then = local + step
    now_local = timezone.now().astimezone(zone).replace(tzinfo=None)
    while then < now_local:
        then += step
    return then.replace(tzinfo=zone)


def schedule_url(mentorship: Mentorship, meeting: Meeting) -> str:
    """The lead's scheduling form, prefilled at the cadence after ``meeting``."""
    program = mentorship.program
    try:
        base = reverse(
            "mentoring:schedule_meeting",
            kwargs={
                "org_slug": program.organization.slug,
                "program_slug": program.slug,
                "mentorship_id": mentorship.pk,
            },
        )
    except NoReverseMatch:  # the scheduling view is the meetings module's
        return ""
    return f"{base}?start={cadence_after(mentorship, meeting).isoformat()}"


# --- the meeting page ---------------------------------------------------------------------


def _record_initial(meeting: Meeting) -> dict[str, Any]:
    record = queries.record_of(meeting)
    attended = [a.membership_id for a in meeting.attendees.all() if a.attended is not False]
    if record is None:
        return {"attended": attended}
    return {
        "notes": record.notes,
        "next_meeting_set": record.next_meeting_set,
        "action_items_defined": record.action_items_defined,
        "checklist_note": record.checklist_note,
        "attended": attended,
    }


def _page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    meeting: Meeting,
    *,
    status: int = 200,
    record_form: RecordForm | None = None,
    agenda_form: AgendaItemForm | None = None,
    action_form: ActionItemForm | None = None,
    rating_form: RatingForm | None = None,
    assignment_forms: dict[int, AssignmentForm] | None = None,
    comment_forms: dict[int, CommentForm] | None = None,
    template: str = "mentoring/records/meeting.html",
) -> HttpResponse:
    members = list(mentorship.members.all())
    record = queries.record_of(meeting)
    now = timezone.now()
    if record_form is None and member.leads:
        record_form = RecordForm(
            members=members, is_group=mentorship.is_group, initial=_record_initial(meeting)
        )
    set_here, due_here = queries.meeting_assignments(meeting, member)
    assignment_forms = assignment_forms or {}
    comment_forms = comment_forms or {}
    ratings = rating_services.visible_ratings(meeting, viewer=member.membership)
    if rating_form is None:
        mine = ratings.mine
        rating_form = RatingForm(
            initial={
                "score": mine.score if mine else None,
                "comment": mine.comment if mine else "",
                "share_comment": mine.comment_shared if mine else False,
            }
        )
    action_items = [
        {"item": item, "overdue": item.done_at is None and item.due_on < timezone.localdate()}
        for item in queries.action_items_of(mentorship).filter(meeting=meeting)
    ]
    context = {
        "program": mentorship.program,
        "org": mentorship.program.organization,
        "mentorship": mentorship,
        "member": member,
        "meeting": meeting,
        "number": queries.meeting_number(meeting),
        "template": meeting.template,
        "questions": meeting.template.question_list if meeting.template else [],
        "checklist": meeting.template.checklist_items if meeting.template else [],
        "agenda_items": list(meeting.agenda_items.all()),
        "agenda_open": meeting.status != "cancelled" and meeting.end > now and mentorship.is_live,
        "agenda_form": agenda_form or AgendaItemForm(),
        "started": meeting.start <= now,
        "record": record,
        "notes_html": render_notes(record.notes) if record else "",
        "record_form": record_form,
        "schedule_url": schedule_url(mentorship, meeting) if member.leads else "",
        "action_items": action_items,
        "action_form": action_form or ActionItemForm(members=members),
        "assignments_set": [
            _assignment_row(view, assignment_forms, comment_forms) for view in set_here
        ],
        "assignments_due": [
            _assignment_row(view, assignment_forms, comment_forms) for view in due_here
        ],
        "ratings": ratings,
        "can_rate": rating_services.can_be_rated(meeting) and mentorship.is_live,
        "rating_form": rating_form,
        "is_live": mentorship.is_live,
    }
    return render(request, template, context, status=status)


def _assignment_row(
    view: queries.AssignmentView,
    assignment_forms: dict[int, AssignmentForm],
    comment_forms: dict[int, CommentForm],
) -> tuple[queries.AssignmentView, AssignmentForm, CommentForm]:
    pk = view.assignment.pk
    return (
        view,
        assignment_forms.get(pk)
        or AssignmentForm(initial={"body": view.assignment.body}, auto_id=assignment_ids(pk)),
        comment_forms.get(pk) or CommentForm(auto_id=comment_ids(pk)),
    )


def assignment_ids(pk: int) -> str:
    """Field ids unique on a page with several assignments."""
    return f"assignment-{pk}-%s"


def comment_ids(pk: int) -> str:
    return f"comment-{pk}-%s"


def render_notes(notes: str) -> str:
    return render_markdown(notes)


@requires(rules.can_open_mentorship_pages)
def meeting_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _page(request, mentorship, member, _meeting(mentorship, meeting_id))


# --- agenda items -------------------------------------------------------------------------


def _agenda_response(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    meeting: Meeting,
    *,
    form: AgendaItemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if request.htmx:
        meeting = _meeting(mentorship, meeting.pk)
        return _page(
            request,
            mentorship,
            member,
            meeting,
            agenda_form=form,
            status=status,
            template="mentoring/records/meeting.html#agenda",
        )
    if status != 200:
        return _page(request, mentorship, member, meeting, agenda_form=form, status=status)
    return redirect(meeting.get_absolute_url() + "#agenda")


@require_POST
@requires(rules.can_open_mentorship_pages)
def agenda_add(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            record_services.add_agenda_item(
                meeting, by=member.membership, text=form.cleaned_data["text"]
            )
        except ServiceError as refused:
            form.add_error("text", refused.message)
        else:
            return _agenda_response(request, mentorship, member, meeting)
    return _agenda_response(request, mentorship, member, meeting, form=form, status=422)


@require_POST
@requires(rules.can_open_mentorship_pages)
def agenda_remove(
    request: TenantRequest,
    org_slug: str,
    program_slug: str,
    mentorship_id: int,
    meeting_id: int,
    item_id: int,
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise Http404("No such agenda item.")
    item.meeting = meeting
    try:
        record_services.remove_agenda_item(item, by=member.membership)
    except ServiceError as refused:
        messages.error(request, refused.message)
    return _agenda_response(request, mentorship, member, meeting)


# --- the record ---------------------------------------------------------------------------


@require_POST
@requires(rules.can_open_mentorship_pages)
def record_save(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    if not member.leads:
        raise Http404("Only the member who leads writes the record.")
    form = RecordForm(
        request.POST, members=list(mentorship.members.all()), is_group=mentorship.is_group
    )
    if form.is_valid():
        try:
            record_services.save_record(meeting, form.record_input(), by=member.membership)
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Record saved and shared with your mentorship.")
            return redirect(meeting.get_absolute_url() + "#record")
    return _page(request, mentorship, member, meeting, record_form=form, status=422)


# --- action items -------------------------------------------------------------------------


@require_POST
@requires(rules.can_open_mentorship_pages)
def action_add(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    form = ActionItemForm(request.POST, members=list(mentorship.members.all()))
    if form.is_valid():
        try:
            record_services.add_action_item(
                mentorship, form.item_input(), by=member.membership, meeting=meeting
            )
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Action item added.")
            return redirect(meeting.get_absolute_url() + "#actions")
    return _page(request, mentorship, member, meeting, action_form=form, status=422)


@require_POST
@requires(rules.can_open_mentorship_pages)
def action_toggle(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, item_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    item = _action_item(mentorship, item_id)
    form = ActionDoneForm(request.POST)
    form.is_valid()
    try:
        item = record_services.set_action_item_done(
            item, by=member.membership, done=bool(form.cleaned_data.get("done"))
        )
    except ServiceError as refused:
        messages.error(request, refused.message)
    if request.htmx:
        item = _action_item(mentorship, item_id)
        return render(
            request,
            "mentoring/records/_action_item.html",
            {
                "item": item,
                "overdue": item.done_at is None and item.due_on < timezone.localdate(),
                "mentorship": mentorship,
                "member": member,
                "next": _safe_next(request, request.POST.get("next", "")),
            },
        )
    return redirect(_next_url(request, mentorship.get_absolute_url()))


@require_http_methods(["GET", "POST"])
@requires(rules.can_open_mentorship_pages)
def action_edit(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, item_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    item = _action_item(mentorship, item_id)
    members = list(mentorship.members.all())
    if request.method == "POST":
        form = ActionItemForm(request.POST, members=members)
        if form.is_valid():
            try:
                record_services.edit_action_item(item, form.item_input(), by=member.membership)
            except ServiceError as refused:
                show_service_error(form, refused)
            else:
                messages.success(request, "Action item saved.")
                return redirect(_next_url(request, mentorship.get_absolute_url()))
        status = 422
    else:
        form = ActionItemForm(
            members=members,
            initial={"text": item.text, "owner": item.owner_id, "due_on": item.due_on},
        )
        status = 200
    return render(
        request,
        "mentoring/records/action_form.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "item": item,
            "form": form,
            "next": _safe_next(request, request.GET.get("next") or request.POST.get("next", "")),
        },
        status=status,
    )


@require_POST
@requires(rules.can_open_mentorship_pages)
def action_delete(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, item_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    item = _action_item(mentorship, item_id)
    try:
        record_services.delete_action_item(item, by=member.membership)
    except ServiceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Action item deleted.")
    if request.htmx:
        return HttpResponse("")
    return redirect(_next_url(request, mentorship.get_absolute_url()))


# --- preparation (assignments) ------------------------------------------------------------


def _assignment_meeting(mentorship: Mentorship, assignment: Assignment) -> Meeting | None:
    if assignment.meeting_id is None:
        return None
    return _meeting(mentorship, assignment.meeting_id)


@require_POST
@requires(rules.can_open_mentorship_pages)
def assignment_save(
    request: TenantRequest,
    org_slug: str,
    program_slug: str,
    mentorship_id: int,
    assignment_id: int,
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    assignment = _assignment(mentorship, member, assignment_id)
    form = AssignmentForm(request.POST, auto_id=assignment_ids(assignment.pk))
    submit = "submit" in request.POST
    if form.is_valid():
        try:
            assignment_services.save_assignment(
                assignment, by=member.membership, body=form.cleaned_data["body"], submit=submit
            )
        except ServiceError as refused:
            form.add_error("body", refused.message)
        else:
            messages.success(
                request,
                "Submitted — your mentor can read it now." if submit else "Draft saved.",
            )
            return redirect(_next_url(request, _assignment_back(mentorship, assignment)))
    meeting = _assignment_meeting(mentorship, assignment)
    if meeting is None:
        messages.error(request, "; ".join(str(e) for e in form.errors.get("body", ["Check it."])))
        return redirect(mentorship.get_absolute_url())
    return _page(
        request, mentorship, member, meeting, assignment_forms={assignment.pk: form}, status=422
    )


def _assignment_back(mentorship: Mentorship, assignment: Assignment) -> str:
    if assignment.meeting_id is None:
        return mentorship.get_absolute_url()
    return (
        mentorship.get_absolute_url()
        + f"meetings/{assignment.meeting_id}/#assignment-{assignment.pk}"
    )


@require_POST
@requires(rules.can_open_mentorship_pages)
def assignment_comment(
    request: TenantRequest,
    org_slug: str,
    program_slug: str,
    mentorship_id: int,
    assignment_id: int,
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    assignment = _assignment(mentorship, member, assignment_id)
    form = CommentForm(request.POST, auto_id=comment_ids(assignment.pk))
    if form.is_valid():
        try:
            assignment_services.comment_on_assignment(
                assignment, by=member.membership, body=form.cleaned_data["body"]
            )
        except ServiceError as refused:
            form.add_error("body", refused.message)
        else:
            messages.success(request, "Comment added.")
            return redirect(_next_url(request, _assignment_back(mentorship, assignment)))
    meeting = _assignment_meeting(mentorship, assignment)
    if meeting is None:
        messages.error(request, "; ".join(str(e) for e in form.errors.get("body", ["Check it."])))
        return redirect(mentorship.get_absolute_url())
    return _page(
        request, mentorship, member, meeting, comment_forms={assignment.pk: form}, status=422
    )


# --- ratings ------------------------------------------------------------------------------


@require_POST
@requires(rules.can_open_mentorship_pages)
def rate(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, meeting_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_services.rate_meeting(
                meeting,
                by=member.membership,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                share_comment=form.cleaned_data["share_comment"],
            )
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Thank you — your rating is saved.")
            return redirect(meeting.get_absolute_url() + "#ratings")
    return _page(request, mentorship, member, meeting, rating_form=form, status=422)


@require_http_methods(["GET", "POST"])
@requires(rules.can_open_mentorship_pages)
def rate_from_link(
    request: TenantRequest,
    org_slug: str,
    program_slug: str,
    mentorship_id: int,
    meeting_id: int,
    token: str,
) -> HttpResponse:
    """The one-tap link from an e-mail: GET asks to confirm, POST saves the score. It works
    for the member it was made for only, for 14 days."""
    mentorship, member = member_mentorship(request, mentorship_id)
    meeting = _meeting(mentorship, meeting_id)
    link = rating_services.read_rating_token(token)
    if link is None or link.meeting_id != meeting.pk or link.membership_id != member.membership_id:
        return render(
            request,
            "mentoring/records/rate_link.html",
            {"program": mentorship.program, "meeting": meeting, "expired": True},
            status=404,
        )
    if request.method == "POST":
        try:
            rating_services.rate_meeting(meeting, by=member.membership, score=link.score)
        except ServiceError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, f"Thank you — you rated this meeting {link.score} of 5.")
        return redirect(meeting.get_absolute_url() + "#ratings")
    return render(
        request,
        "mentoring/records/rate_link.html",
        {"program": mentorship.program, "meeting": meeting, "score": link.score, "expired": False},
    )


# --- a meeting logged afterwards ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(rules.can_open_mentorship_pages)
def log_meeting(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    status = 200
    if request.method == "POST":
        form = LogMeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = record_services.log_past_meeting(
                    mentorship,
                    by=member.membership,
                    start=form.start(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    timezone_name=form.cleaned_data["timezone"],
                    location=form.cleaned_data["location"],
                )
            except ServiceError as refused:
                field = {"start": "day"}.get(refused.field or "", refused.field)
                form.add_error(field if field in form.fields else None, refused.message)
            else:
                messages.success(
                    request,
                    "Meeting logged. Write its record now while it is fresh."
                    if member.leads
                    else "Meeting logged.",
                )
                return redirect(meeting.get_absolute_url() + "#record")
        status = 422
    else:
        form = LogMeetingForm(initial={"timezone": "Europe/Berlin", "duration_minutes": 60})
    return render(
        request,
        "mentoring/records/log_meeting.html",
        {"program": mentorship.program, "mentorship": mentorship, "form": form},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path(MEETING, meeting_page, name="meeting"),
    path(MEETING + "agenda/", agenda_add, name="agenda_add"),
    path(MEETING + "agenda/<int:item_id>/remove/", agenda_remove, name="agenda_remove"),
    path(MEETING + "record/", record_save, name="record_save"),
    path(MEETING + "actions/", action_add, name="action_add"),
    path(MEETING + "rate/", rate, name="rate"),
    path(MEETING + "rate/<str:token>/", rate_from_link, name="rate_link"),
    path(MENTORSHIP + "meetings/log/", log_meeting, name="log_meeting"),
    path(MENTORSHIP + "actions/<int:item_id>/done/", action_toggle, name="action_toggle"),
    path(MENTORSHIP + "actions/<int:item_id>/edit/", action_edit, name="action_edit"),
    path(MENTORSHIP + "actions/<int:item_id>/delete/", action_delete, name="action_delete"),
    path(MENTORSHIP + "assignments/<int:assignment_id>/", assignment_save, name="assignment_save"),
    path(
        MENTORSHIP + "assignments/<int:assignment_id>/comment/",
        assignment_comment,
        name="assignment_comment",
    ),
]
