"""Every route of the product, from the URL configuration, with its parameters filled from the
demo's seeded world — for the accessibility test, so that a new page cannot be forgotten.

A route is either a page (checked with axe), an action (answers GET with 405), or listed in
:data:`CANNOT_RENDER` with why. Nothing else passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver

from tandem.demo.seed import DEMO_LOGINS, SeedReport
from tandem.enrolment.models import ParticipantImport, ProfileQuestion, TrainingModule
from tandem.growth.models import Goal, GoalTemplate, JournalEntry, Milestone, Skill
from tandem.matches.models import MatchingCriterion, MatchRun, MentorRequest, ProposedMatch
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    Meeting,
    MeetingTemplate,
    MentoringGroup,
    Mentorship,
    Relationship,
    TimeProposal,
)
from tandem.notifications.models import Notification
from tandem.programs.models import Invitation, Membership, Objective

#: Whole namespaces that are not Tandem's own pages.
OTHER_NAMESPACES = {
    "admin": "Django's admin site, for site administrators; its templates are Django's own",
    "api": "the JSON API (its explorer page is checked: see API_EXPLORER)",
}
API_EXPLORER = "/api/v1/docs"

#: Routes that cannot be rendered as a page of their own, and why.
CANNOT_RENDER: dict[str, str] = {
    "healthz": "JSON for load balancers, not a page",
    "dev_inbox": "exists only with DEBUG on (the test server runs with DEBUG off); "
    "tests/core/test_dev_mail.py renders it",
    "notifications:badge": "an htmx fragment (the unread badge), checked inside every page",
    "matches:run_progress": "an htmx fragment polled by the run page",
    "enrolment:import_status": "an htmx fragment polled by the import page",
    "mentoring:message_list": "an htmx fragment polled by the messages page",
    "matches:criteria_preview": "an htmx fragment of the criteria page",
    "enrolment:export_csv": "a CSV download",
    "enrolment:export_xlsx": "a spreadsheet download",
    "mentoring:program_mentorships_csv": "a CSV download",
    "growth:export": "a download of the mentorship's growth records",
    "mentoring:meeting_ics": "a calendar file",
    "mentoring:calendar_feed": "a calendar feed",
    "account_inactive": "shown only to a deactivated account while logging in",
    "account_request_reauthentication_code": "log-in by code is off",
    "account_confirm_reauthentication_code": "log-in by code is off",
    "account_confirm_login_code": "log-in by code is off",
    "account_reauthenticate": "asked only before a sensitive change; redirects otherwise",
    "account_set_password": "only for accounts without a password (the demo's all have one); "
    "tests/accounts/test_account_pages.py renders it",
    "account_reset_password_from_key_done": "shown after a reset when log-in on reset is off",
    "account_reset_password_from_key": "needs a fresh one-time key; "
    "tests/accounts/test_account_pages.py renders it",
    "account_confirm_email": "needs a fresh confirmation key; "
    "tests/accounts/test_account_pages.py renders it",
    "programs:invitation": "needs a pending invitation's secret token",
    "mentoring:rate_link": "needs a rating link's secret token",
    "programs:organization_create": "for site staff only (no demo login is staff)",
    "mentoring:my_mentorship": "redirects to the person's mentorship workspace (checked)",
    "mentoring:rsvp_meeting": "the answer link of an invitation e-mail: records it, then redirects",
    "matches:mentors": "only where mentees choose their mentors (the demo's coordinator matches)",
    "matches:requests": "only where mentees choose their mentors (the demo's coordinator matches)",
    "matches:request_inbox": "only where mentees choose (the demo's coordinator matches)",
    "matches:request_overview": "only where mentees choose (the demo's coordinator matches)",
    "enrolment:join": "only for public programs taking applications (the demo's is by invitation)",
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            pattern = prefix + str(entry.pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern))
            names = tuple(next(name for name in group if name) for group in params)
            yield Route(namespace + entry.name, pattern, names)


def all_routes() -> list[Route]:
    """Every named route of Tandem, less the namespaces of :data:`OTHER_NAMESPACES`."""
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if ":" not in route.name or route.name.split(":", 1)[0] not in OTHER_NAMESPACES
    ]


def _pk(queryset: QuerySet[Any]) -> int | None:
    found: Model | None = queryset.order_by("pk").first()
    return None if found is None else found.pk


def parameters(demo: SeedReport) -> dict[str, Callable[[], Any]]:
    """How to fill each URL parameter from the demo: the demo mentee's own mentorship and what
    hangs from it, so that one of the three demo logins may see every page."""
    program = demo.program
    mentee = Membership.objects.get(program=program, user__email=DEMO_LOGINS["mentee"])
    mentorship = Mentorship.objects.filter(members__membership=mentee).order_by("pk").first()
    meetings = Meeting.objects.filter(mentorship=mentorship)
    goals = Goal.objects.filter(mentorship=mentorship)
    return {
        "org_slug": lambda: demo.organization.slug,
        "organization": lambda: demo.organization.slug,
        "program_slug": lambda: program.slug,
        "program": lambda: program.slug,
        "membership_id": lambda: mentee.pk,
        "objective_id": lambda: _pk(Objective.objects.filter(program=program)),
        "invitation_id": lambda: _pk(Invitation.objects.filter(program=program)),
        "question_id": lambda: _pk(ProfileQuestion.objects.filter(program=program)),
        "import_id": lambda: _pk(ParticipantImport.objects.filter(program=program)),
        "module_id": lambda: _pk(TrainingModule.objects.filter(program=program)),
        "criterion_id": lambda: _pk(MatchingCriterion.objects.filter(program=program)),
        "run_id": lambda: _pk(MatchRun.objects.filter(program=program)),
        "request_id": lambda: _pk(MentorRequest.objects.filter(program=program)),
        "relationship_id": lambda: _pk(Relationship.objects.filter(mentorship=mentorship)),
        "group_id": lambda: _pk(MentoringGroup.objects.filter(program=program)),
        "mentorship_id": lambda: None if mentorship is None else mentorship.pk,
        "meeting_id": lambda: _pk(meetings),
        "proposal_id": lambda: _pk(TimeProposal.objects.filter(meeting__mentorship=mentorship)),
        "item_id": lambda: (
            _pk(ActionItem.objects.filter(mentorship=mentorship))
            or _pk(AgendaItem.objects.filter(meeting__mentorship=mentorship))
        ),
        "assignment_id": lambda: _pk(Assignment.objects.filter(mentorship=mentorship)),
        "entry_id": lambda: _pk(JournalEntry.objects.filter(mentorship=mentorship)),
        "goal_id": lambda: _pk(goals),
        "milestone_id": lambda: _pk(Milestone.objects.filter(goal__in=goals)),
        "skill_id": lambda: _pk(Skill.objects.filter(program=program)),
        "template_id": lambda: (
            _pk(MeetingTemplate.objects.filter(program=program))
            or _pk(GoalTemplate.objects.filter(program=program))
        ),
        "notification_id": lambda: _pk(
            Notification.objects.filter(recipient__email__in=DEMO_LOGINS.values())
        ),
        "token_id": lambda: None,  # an API token's own page is an action (revoke)
    }


def queries(demo: SeedReport) -> dict[str, Callable[[], str]]:
    """The query string some pages need to show anything (which runs, which mentee)."""
    runs = MatchRun.objects.filter(program=demo.program).order_by("pk")

    def first_mentee() -> str:
        proposal = ProposedMatch.objects.filter(run=runs.first()).order_by("pk").first()
        return "" if proposal is None else f"?mentee={proposal.mentee_id}"

    def two_runs() -> str:
        ids = list(runs.values_list("pk", flat=True)[:2])
        return f"?a={ids[0]}&b={ids[-1]}" if ids else ""

    return {
        # the stage change's confirmation page (the demo program is active: closing is next)
        "mentoring:program_status": lambda: "?status=closing",
        "matches:run_compare": two_runs,
        "matches:run_swap": first_mentee,
        "matches:run_assign": first_mentee,
    }


def fill(route: Route, values: dict[str, Callable[[], Any]]) -> str | None:
    """The route's path with every parameter filled, or None for a parameter this module does
    not know. An object the demo lacks becomes id 0: an action still answers GET with 405, and a
    page then answers 404 — reported, so that the demo (or the test) seeds one."""
    path = "/" + route.pattern
    for name in route.params:
        if name not in values:
            return None
        value = values[name]()
        if value is None:
            value = 0
        path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), path, count=1)
    return path.replace("^", "").replace("$", "")
