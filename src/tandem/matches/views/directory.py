"""The mentor directory a mentee browses, ranked by fit with the program's matching criteria,
and the mentee's choices made from it (stored by enrolment; see
:mod:`tandem.enrolment.services.profiles`)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.enrolment import queries as enrolment_queries
from tandem.enrolment.forms.profiles import ChoiceMoveForm
from tandem.enrolment.rules import profiles as enrolment_rules
from tandem.enrolment.services import profiles as profile_services
from tandem.matches.directory import compatibility_for
from tandem.matches.enums import ParticipantState
from tandem.matches.participants import standing_of
from tandem.matches.problem import mentor_capacity
from tandem.matches.requests import REQUEST_STAGES, sending_problem
from tandem.matches.services import open_relationship_counts
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.http import TenantRequest, requires
from tandem.programs.models import Membership, Program

DIRECTORY_PAGE_SIZE = 30
#: States in which a mentee's choices no longer lead anywhere: they have a mentor, or their
#: requests are on their way (withdrawing them reopens the choices).
CHOICES_SETTLED = frozenset({ParticipantState.MATCHED, ParticipantState.REQUESTED})


def _own_membership(request: TenantRequest) -> Membership:
    membership = request.access.membership
    assert membership is not None  # guaranteed by can_browse_directory / can_choose_mentors
    return membership


def _directory_url(request: TenantRequest) -> str:
    program = request.access.program_or_404
    return reverse(
        "matches:mentors",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


def _directory_criteria(program: Program, params: QueryDict) -> tuple[str, dict[str, str]]:
    search = params.get("q", "").strip()[:200]
    selected = {
        key.removeprefix("f_"): str(value)
        for key, value in params.items()
        if key.startswith("f_") and value
    }
    return search, selected


def _directory_page(
    request: TenantRequest,
    params: QueryDict,
    *,
    fragment: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    program = request.access.program_or_404
    mentee = _own_membership(request)
    search, selected = _directory_criteria(program, params)
    directory = enrolment_queries.mentor_directory(
        program, mentee=mentee, search=search, selected=selected
    )
    by_match = params.get("sort", "match") != "name"
    cards = _ranked_cards(program, mentee, directory.cards, by_match=by_match)
    page = Paginator(cards, DIRECTORY_PAGE_SIZE).get_page(params.get("page"))
    page.object_list = _with_availability(program, list(page.object_list))
    choices = enrolment_queries.choices_of(mentee)
    standing = standing_of(mentee)
    query = params.copy()
    query.pop("page", None)
    query.pop("csrfmiddlewaretoken", None)
    query.pop("mentor", None)
    query.pop("direction", None)
    template = "matches/directory.html"
    if fragment:
        template += f"#{fragment}"
    return render(
        request,
        template,
        {
            "program": program,
            "directory": directory,
            "page": page,
            "choices": choices,
            "full": len(choices) >= program.max_choices,
            "error": error,
            "query": query.urlencode(),
            "by_match": by_match,
            "standing": standing,
            "here": "mentors/",
            # Choices are made until a mentor is found or the requests are on their way.
            "choosing": standing.state not in CHOICES_SETTLED,
            "send_problem": _send_problem(program, mentee, choices, standing.state),
        },
        status=status,
    )


def _send_problem(
    program: Program,
    mentee: Membership,
    choices: list[enrolment_queries.Choice],
    state: ParticipantState,
) -> str:
    """Why the choices on the page cannot be sent as requests now ("" when they can)."""
    if not choices or state in CHOICES_SETTLED:
        return ""
    if program.status not in REQUEST_STAGES:
        return "You can send your requests as soon as matching starts; you will be told."
    return sending_problem(mentee)


def _with_availability(
    program: Program, cards: list[enrolment_queries.MentorCard]
) -> list[enrolment_queries.MentorCard]:
    """Each card with why it cannot be chosen, if it cannot: a hard rule the pair breaks, or
    a mentor with no place left (the mentee's own full list is said once, above)."""
    _, per_mentor = open_relationship_counts(program)
    shown = []
    for card in cards:
        mentor = card.membership
        name = mentor.user.get_short_name() or mentor.user.display_name
        fit = card.compatibility
        reason = ""
        if card.chosen_rank:
            pass  # the card says "Your choice #n"
        elif fit is not None and not fit.eligible:
            reason = f"You cannot choose {name}: the program's rules rule this pair out."
        elif per_mentor.get(mentor.pk, 0) >= mentor_capacity(mentor):
            reason = f"{name} has no place left for another mentee."
        shown.append(replace(card, unavailable=reason))
    return shown


def _ranked_cards(
    program: Program,
    mentee: Membership | None,
    cards: list[enrolment_queries.MentorCard],
    *,
    by_match: bool,
) -> list[enrolment_queries.MentorCard]:
    """Each card with its compatibility for the mentee; best match first unless by name."""
    if mentee is None or not cards:
        return cards
    scores = compatibility_for(program, mentee=mentee, mentors=[c.membership for c in cards])
    ranked = [replace(card, compatibility=scores.get(card.membership.pk)) for card in cards]
    if by_match:
        ranked.sort(
            key=lambda card: (
                card.compatibility is None or not card.compatibility.eligible,
                # by the profiles' fit: being chosen already is no reason to rank higher
                -(card.compatibility.fit if card.compatibility else 0.0),
            )
        )
    return ranked


@requires(enrolment_rules.can_browse_directory)
def mentor_directory(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    fragment = "directory-results" if request.htmx.target == "directory-results" else ""
    return _directory_page(request, request.GET, fragment=fragment)


def _choice_action(request: TenantRequest, action: str) -> HttpResponse:
    mentee = _own_membership(request)
    program = request.access.program_or_404
    error = ""
    try:
        mentor_id = int(request.POST.get("mentor", ""))
    except ValueError:
        mentor_id = 0
    try:
        if action == "add":
            mentor = (
                Membership.objects.filter(
                    pk=mentor_id,
                    program=program,
                    role=Role.MENTOR,
                    status=MembershipStatus.APPROVED,
                )
                .select_related("user")
                .first()
            )
            if mentor is None:
                raise ServiceError("This person is not an approved mentor of this program.")
            profile_services.add_choice(mentee, by=request.user, mentor=mentor)
            done = f"{mentor.user.display_name} added to your choices."
        elif action == "remove":
            profile_services.remove_choice(mentee, by=request.user, mentor_id=mentor_id)
            done = "Choice removed."
        else:
            form = ChoiceMoveForm(request.POST)
            direction = form.cleaned_data["direction"] if form.is_valid() else ""
            profile_services.move_choice(
                mentee, by=request.user, mentor_id=mentor_id, direction=direction
            )
            done = "Order saved."
    except ServiceError as refused:
        error = refused.message
    if request.htmx:
        return _directory_page(
            request,
            request.POST,
            fragment="directory-body",
            error=error,
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    search, selected = _directory_criteria(program, request.POST)
    params = {"q": search} if search else {}
    params.update({f"f_{key}": value for key, value in selected.items()})
    url = _directory_url(request)
    return redirect(f"{url}?{urlencode(params)}" if params else url)


@require_POST
@requires(enrolment_rules.can_choose_mentors)
def choice_add(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _choice_action(request, "add")


@require_POST
@requires(enrolment_rules.can_choose_mentors)
def choice_remove(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _choice_action(request, "remove")


@require_POST
@requires(enrolment_rules.can_choose_mentors)
def choice_move(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    return _choice_action(request, "move")


PROGRAM = "o/<slug:org_slug>/p/<slug:program_slug>/"

urlpatterns: list[URLPattern] = [
    path(PROGRAM + "mentors/", mentor_directory, name="mentors"),
    path(PROGRAM + "mentors/choices/add/", choice_add, name="choice_add"),
    path(PROGRAM + "mentors/choices/remove/", choice_remove, name="choice_remove"),
    path(PROGRAM + "mentors/choices/move/", choice_move, name="choice_move"),
]
