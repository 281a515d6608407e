"""The journal: one's own entries and the ones others shared, writing, editing, sharing one by
one (htmx), deleting. An entry that is not the viewer's and not shared answers 404 — the same
as an entry that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.core.forms import show_service_error
from tandem.core.text import render_markdown
from tandem.growth.forms.journal import EditEntryForm, EntryForm
from tandem.growth.models import JournalEntry
from tandem.growth.queries import journal as queries
from tandem.growth.services import journal as services
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as mentoring_rules
from tandem.mentoring.views.access import member_mentorship
from tandem.programs.http import TenantRequest, requires

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"
MENTORSHIP = PROGRAM + "mentorships/<int:mentorship_id>/"
ENTRY = MENTORSHIP + "journal/<int:entry_id>/"


def _entry(mentorship: Mentorship, member: MentorshipMember, entry_id: int) -> JournalEntry:
    entry = queries.entry_for(mentorship, member.membership, entry_id)
    if entry is None:
        raise Http404("No such journal entry.")
    entry.html = render_markdown(entry.text)  # type: ignore[attr-defined]
    return entry


def _list_page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    *,
    form: EntryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    entries = list(queries.visible_entries(mentorship, member.membership))
    for entry in entries:
        entry.html = render_markdown(entry.text)  # type: ignore[attr-defined]
    mine = [e for e in entries if e.author_id == member.membership_id]
    theirs = [e for e in entries if e.author_id != member.membership_id]
    initial = {"prompt": request.GET.get("prompt", "")}
    context = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "mine": mine,
        "theirs": theirs,
        "form": form or EntryForm(initial=initial),
        "prompts": services.PROMPTS,
        "is_live": mentorship.is_live,
    }
    return render(request, "growth/journal.html", context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def journal_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _list_page(request, mentorship, member)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def journal_add(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.write_entry(
                mentorship,
                by=member.membership,
                text=form.cleaned_data["text"],
                prompt=form.cleaned_data["prompt"],
            )
        except ServiceError as refused:
            show_service_error(form, refused)
        else:
            messages.success(request, "Saved in your journal. Only you can read it.")
            return redirect(mentorship.get_absolute_url() + "journal/")
    return _list_page(request, mentorship, member, form=form, status=422)


def _entry_page(
    request: TenantRequest,
    mentorship: Mentorship,
    member: MentorshipMember,
    entry: JournalEntry,
    *,
    form: EditEntryForm | None = None,
    status: int = 200,
    template: str = "growth/journal_entry.html",
) -> HttpResponse:
    context = {
        "program": mentorship.program,
        "mentorship": mentorship,
        "member": member,
        "entry": entry,
        "is_author": entry.author_id == member.membership_id,
        "form": form or EditEntryForm(initial={"text": entry.text}),
        "is_live": mentorship.is_live,
    }
    return render(request, template, context, status=status)


@requires(mentoring_rules.can_open_mentorship_pages)
def entry_page(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, entry_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    return _entry_page(request, mentorship, member, _entry(mentorship, member, entry_id))


def _own_entry(mentorship: Mentorship, member: MentorshipMember, entry_id: int) -> JournalEntry:
    entry = _entry(mentorship, member, entry_id)
    if entry.author_id != member.membership_id:
        raise Http404("No such journal entry.")
    return entry


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def entry_edit(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, entry_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    entry = _own_entry(mentorship, member, entry_id)
    form = EditEntryForm(request.POST)
    if form.is_valid():
        try:
            services.edit_entry(entry, by=member.membership, text=form.cleaned_data["text"])
        except ServiceError as refused:
            form.add_error("text", refused.message)
        else:
            messages.success(request, "Entry saved.")
            return redirect(mentorship.get_absolute_url() + f"journal/{entry.pk}/")
    return _entry_page(request, mentorship, member, entry, form=form, status=422)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def entry_share(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, entry_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    entry = _own_entry(mentorship, member, entry_id)
    shared = request.POST.get("shared") == "1"
    services.share_entry(entry, by=member.membership, shared=shared)
    if request.htmx:
        entry = _entry(mentorship, member, entry_id)
        return _entry_page(
            request, mentorship, member, entry, template="growth/journal_entry.html#sharing"
        )
    messages.success(
        request,
        "Shared with your mentorship." if shared else "This entry is private again.",
    )
    back = "journal/" if request.POST.get("next") == "list" else f"journal/{entry.pk}/"
    return redirect(mentorship.get_absolute_url() + back)


@require_POST
@requires(mentoring_rules.can_open_mentorship_pages)
def entry_delete(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int, entry_id: int
) -> HttpResponse:
    mentorship, member = member_mentorship(request, mentorship_id)
    entry = _own_entry(mentorship, member, entry_id)
    services.delete_entry(entry, by=member.membership)
    messages.success(request, "Entry deleted.")
    return redirect(mentorship.get_absolute_url() + "journal/")


urlpatterns: list[URLPattern] = [
    path(MENTORSHIP + "journal/", journal_page, name="journal"),
    path(MENTORSHIP + "journal/add/", journal_add, name="journal_add"),
    path(ENTRY, entry_page, name="journal_entry"),
    path(ENTRY + "edit/", entry_edit, name="journal_edit"),
    path(ENTRY + "share/", entry_share, name="journal_share"),
    path(ENTRY + "delete/", entry_delete, name="journal_delete"),
]
