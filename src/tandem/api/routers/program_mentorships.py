"""A program's mentorships for its coordinators: the figures of the mentorships page (counts
and dates), with the same filters, sort and pages — never what the members wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Query, Router

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.mentoring.enums import MentorshipKind, RelationshipStatus
from tandem.mentoring.forms.coordinator import SEARCH_MAX
from tandem.mentoring.models import Mentorship
from tandem.mentoring.queries import mentorships as queries
from tandem.mentoring.rules import mentorships as rules

router = Router(tags=["mentorships"])

PROGRAM = "/organizations/{org}/programs/{program}"


class MentorshipFilters(Schema):
    status: RelationshipStatus | None = None
    kind: MentorshipKind | None = None
    #: A named filter: quiet, no_next_meeting, records_missing, behind.
    show: queries.ListFilter | None = None
    #: Part of a member's name (or a group's name).
    q: str = Field("", max_length=SEARCH_MAX)
    #: A column, with ``-`` for descending: members, kind, status, started_at, meetings_held,
    #: meetings_scheduled, last_met_at, next_meeting_at, records_missing, action_items_open,
    #: action_items_done, last_activity_at.
    sort: str = Field(queries.DEFAULT_SORT, max_length=40)
    page: int = Field(1, ge=1, le=1_000_000)


class MemberOut(Schema):
    membership_id: int
    name: str
    role: str
    is_facilitator: bool


class MentorshipFiguresOut(Schema):
    id: int
    kind: MentorshipKind
    name: str
    status: RelationshipStatus
    members: list[MemberOut]
    started_at: dt.datetime | None
    ends_on: dt.date | None
    cadence: str
    meetings_held: int
    meetings_scheduled: int
    meetings_expected: int
    behind_cadence: bool
    last_met_at: dt.datetime | None
    next_meeting_at: dt.datetime | None
    records_missing: int
    action_items_open: int
    action_items_done: int
    last_activity_at: dt.datetime | None


class MentorshipPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    #: Per status (``status:active``), kind (``kind:group``) and named filter
    #: (``show:quiet``), over the whole program; ``all`` is every mentorship.
    counts: dict[str, int]
    results: list[MentorshipFiguresOut]


def figures_out(mentorship: Mentorship, now: dt.datetime) -> dict[str, Any]:
    cadence = queries.cadence_of(mentorship)
    expected = queries.expected_meetings(mentorship.started_at, cadence, now=now)
    return {
        "id": mentorship.pk,
        "kind": mentorship.kind,
        "name": mentorship.name,
        "status": mentorship.status,
        "members": [
            {
                "membership_id": member.membership_id,
                "name": member.membership.user.display_name,
                "role": member.role,
                "is_facilitator": member.is_facilitator,
            }
            for member in mentorship.members.all()
        ],
        "started_at": mentorship.started_at,
        "ends_on": mentorship.ends_on,
        "cadence": cadence.value,
        "meetings_held": mentorship.meetings_held,
        "meetings_scheduled": mentorship.meetings_scheduled,
        "meetings_expected": expected,
        "behind_cadence": mentorship.is_live and mentorship.meetings_held < expected,
        "last_met_at": mentorship.last_met_at,
        "next_meeting_at": mentorship.next_meeting_at,
        "records_missing": mentorship.records_missing,
        "action_items_open": mentorship.action_items_open,
        "action_items_done": mentorship.action_items_done,
        "last_activity_at": mentorship.last_activity_at,
    }


@router.get(
    PROGRAM + "/mentorships",
    response={200: MentorshipPageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def program_mentorships(
    request: HttpRequest, org: str, program: str, filters: Query[MentorshipFilters]
) -> dict[str, Any]:
    """Every mentorship of the program with its activity figures (coordinators and org
    admins), 50 a page; metadata only."""
    access = program_access(request, org, program)
    check_rule(rules.can_oversee_mentorships, access)
    if filters.sort.lstrip("-") not in queries.SORTS:
        raise ServiceError(
            f"sort “{filters.sort}” is not a column; use one of "
            f"{', '.join(queries.SORTS)} (with - for descending).",
            field="sort",
        )
    listing = queries.program_mentorships(
        access.program_or_404,
        queries.MentorshipListQuery(
            status=filters.status or "",
            kind=filters.kind or "",
            show=filters.show,
            search=filters.q.strip(),
            sort=filters.sort,
        ),
    )
    paginator = Paginator(listing.mentorships, queries.MENTORSHIPS_PAGE_SIZE)
    if filters.page > max(paginator.num_pages, 1):
        raise ServiceError(
            f"page {filters.page} does not exist; there are {paginator.num_pages}.", field="page"
        )
    page = paginator.page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "page_size": queries.MENTORSHIPS_PAGE_SIZE,
        "counts": listing.counts,
        "results": [figures_out(mentorship, listing.now) for mentorship in page],
    }
