"""The coordinator's pages of a program's mentorships: the list (sortable, filterable,
searchable, paginated, exportable) and one mentorship's overview — its figures and meeting
dates only. Content (notes, agendas, messages, assignments) is never read here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from tandem.mentoring.enums import MemberRole, MentorshipKind, RelationshipStatus
from tandem.mentoring.forms.coordinator import MentorshipFilterForm
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.queries import mentorships as queries
from tandem.mentoring.rules import mentorships as rules
from tandem.mentoring.services.activity import RECORD_GRACE_HOURS
from tandem.mentoring.views.access import overseen_mentorship
from tandem.programs.enums import MeetingCadence
from tandem.programs.http import TenantRequest

PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"

#: The list's columns: (sort key or "" when not sortable, heading).
COLUMNS = [
    ("members", "Members"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("started_at", "Started"),
    ("meetings_held", "Held"),
    ("meetings_scheduled", "Scheduled"),
    ("", "Expected so far"),
    ("last_met_at", "Last met"),
    ("next_meeting_at", "Next meeting"),
    ("records_missing", "Records missing"),
    ("action_items_open", "Action items open"),
    ("action_items_done", "Action items done"),
    ("last_activity_at", "Last activity"),
]
#: Sorting by a date or a figure puts the largest or latest first on the first click.
DESCENDING_FIRST = {key for key, _ in COLUMNS} - {"members", "kind", "status", ""}

CSV_COLUMNS = [
    "id",
    "kind",
    "name",
    "mentors",
    "mentees",
    "status",
    "started_at",
    "ends_on",
    "cadence",
    "meetings_held",
    "meetings_scheduled",
    "meetings_expected",
    "behind_cadence",
    "last_met_at",
    "next_meeting_at",
    "records_missing",
    "action_items_open",
    "action_items_done",
    "last_activity_at",
]
#: Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _oversee(request: TenantRequest) -> None:
    """Coordinators and org admins only; everyone else the same 404 as a missing page."""
    if not rules.can_oversee_mentorships(request.access):
        raise Http404("No such page.")


@dataclass
class Row:
    """One mentorship as the coordinator's list shows it: who, and its figures."""

    mentorship: Mentorship
    leads: list[MentorshipMember]
    mentees: list[MentorshipMember]
    cadence: MeetingCadence
    expected: int

    @property
    def behind(self) -> bool:
        return self.mentorship.is_live and self.mentorship.meetings_held < self.expected

    @property
    def title(self) -> str:
        """How the row is named to a screen reader: the group's name or the pair's people."""
        if self.mentorship.name:
            return self.mentorship.name
        return " and ".join(m.membership.user.display_name for m in [*self.leads, *self.mentees])


def _row(mentorship: Mentorship, now: dt.datetime) -> Row:
    members = list(mentorship.members.all())
    cadence = queries.cadence_of(mentorship)
    return Row(
        mentorship=mentorship,
        leads=[m for m in members if m.leads],
        mentees=[m for m in members if not m.leads],
        cadence=cadence,
        expected=queries.expected_meetings(mentorship.started_at, cadence, now=now),
    )


def _headings(request: TenantRequest, current: str) -> list[dict[str, Any]]:
    """Each column's heading, its link to sort by it (the opposite way when it is the current
    sort) and its aria-sort state; the other parameters are kept, the page starts over."""
    headings = []
    for key, label in COLUMNS:
        heading: dict[str, Any] = {"label": label, "key": key}
        if key:
            ascending, descending = current == key, current == f"-{key}"
            if ascending:
                target = f"-{key}"
            elif descending:
                target = key
            else:
                target = f"-{key}" if key in DESCENDING_FIRST else key
            params = request.GET.copy()
            params.pop("page", None)
            params["sort"] = target
            heading["query"] = params.urlencode()
            heading["aria_sort"] = (
                "ascending" if ascending else "descending" if descending else "none"
            )
        headings.append(heading)
    return headings


def _list_context(request: TenantRequest) -> dict[str, Any]:
    program = request.access.program_or_404
    form = MentorshipFilterForm(request.GET or None)
    list_query = form.list_query() if form.is_bound else queries.MentorshipListQuery()
    listing = queries.program_mentorships(program, list_query)
    page = Paginator(listing.mentorships, queries.MENTORSHIPS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    counts = listing.counts
    return {
        "program": program,
        "form": form,
        "page": page,
        "rows": [_row(mentorship, listing.now) for mentorship in page],
        "query": query.urlencode(),
        "sort": list_query.sort,
        "headings": _headings(request, list_query.sort),
        "counts": counts,
        "filtered": bool(
            list_query.status or list_query.kind or list_query.show or list_query.search
        ),
        "status_counts": [
            (status.value, status.label, counts[f"status:{status.value}"])
            for status in RelationshipStatus
        ],
        "kind_counts": [
            (kind.value, kind.label, counts[f"kind:{kind.value}"]) for kind in MentorshipKind
        ],
        "attention_counts": [
            (named.value, named.label, counts[f"show:{named.value}"])
            for named in queries.ListFilter
        ],
    }


def program_mentorships(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Every mentorship of the program with its figures — never its content."""
    _oversee(request)
    context = _list_context(request)
    template = "mentoring/coordinator/list.html"
    if request.htmx and request.htmx.target == "mentorship-table":
        template += "#mentorship-table"
    return render(request, template, context)


def _csv_cell(value: Any) -> str:
    """Text for a CSV cell; one that a spreadsheet would run as a formula gets a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(rows: list[Row]) -> list[list[str]]:
    """The export's heading and one line per mentorship (names and figures, no content)."""
    lines = [CSV_COLUMNS]
    for row in rows:
        mentorship = row.mentorship
        values = [
            mentorship.pk,
            mentorship.kind,
            mentorship.name,
            "; ".join(m.membership.user.display_name for m in row.leads),
            "; ".join(m.membership.user.display_name for m in row.mentees),
            mentorship.status,
            mentorship.started_at,
            mentorship.ends_on,
            row.cadence.value,
            mentorship.meetings_held,
            mentorship.meetings_scheduled,
            row.expected,
            row.behind,
            mentorship.last_met_at,
            mentorship.next_meeting_at,
            mentorship.records_missing,
            mentorship.action_items_open,
            mentorship.action_items_done,
            mentorship.last_activity_at,
        ]
        lines.append([_csv_cell(value) for value in values])
    return lines


def program_mentorships_csv(
    request: TenantRequest, org_slug: str, program_slug: str
) -> HttpResponse:
    """The same figures as the list (same filters and order, every page) as a CSV file."""
    _oversee(request)
    program = request.access.program_or_404
    form = MentorshipFilterForm(request.GET or None)
    list_query = form.list_query() if form.is_bound else queries.MentorshipListQuery()
    listing = queries.program_mentorships(program, list_query)
    rows = [_row(m, listing.now) for m in listing.mentorships.iterator(chunk_size=2000)]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(csv_rows(rows))
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    name = f"{program.slug}-mentorships-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def mentorship_overview(
    request: TenantRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """One mentorship's figures and meeting dates, for its coordinators (and its members):
    never notes, agendas, messages or assignments."""
    mentorship = overseen_mentorship(request, mentorship_id)
    now = timezone.now()
    row = _row(mentorship, now)
    return render(
        request,
        "mentoring/coordinator/overview.html",
        {
            "program": mentorship.program,
            "mentorship": mentorship,
            "row": row,
            "meetings": list(queries.overview_meetings(mentorship)),
            "now": now,
            "record_due_before": now - dt.timedelta(hours=RECORD_GRACE_HOURS),
            "is_coordinator": rules.can_oversee_mentorships(request.access),
            "roles": MemberRole,
        },
    )


urlpatterns: list[URLPattern] = [
    path(PROGRAM + "mentorships/", program_mentorships, name="program_mentorships"),
    path(PROGRAM + "mentorships.csv", program_mentorships_csv, name="program_mentorships_csv"),
    path(
        PROGRAM + "mentorships/<int:mentorship_id>/overview/",
        mentorship_overview,
        name="mentorship_overview",
    ),
]
