"""Where a mentor or mentee stands, and what every page tells them about it.

A participant's *state* is one of :class:`~tandem.matches.enums.ParticipantState`: not ready,
ready, requested (a request in play: the mentee's on its way, or one in front of the mentor),
matched (a proposed, active or closing mentorship), ended early or completed (their last
mentorship, when none is current). It lives here, in the highest app it reads: readiness is
enrolment's, mentorships are mentoring's, requests are matches'.

The words follow the state *and* the program's stage: the program home, the dashboard cards,
the directory, the requests page, "my match", the checklist and the shared-space chooser all
show :attr:`Standing.headline`, :attr:`Standing.text` and :attr:`Standing.next_step` (pages of
the apps below this one load them with ``{% load standing %}``). :func:`standings_of` answers
for any number of memberships in a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.formats import date_format

from tandem.enrolment.readiness import Readiness, readiness_of_many
from tandem.enrolment.rules.profiles import SELF_SELECT_MODES
from tandem.matches.enums import ParticipantState, RequestStatus
from tandem.matches.models import MentorRequest
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import MentorshipMember, Relationship
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership, Program

#: A mentee's requests still in play (waiting their turn, with a mentor, or for the mentee).
MENTEE_OPEN_REQUESTS = (
    RequestStatus.QUEUED,
    RequestStatus.PENDING,
    RequestStatus.INFO_REQUESTED,
)
#: Requests a mentor has in front of them.
MENTOR_OPEN_REQUESTS = (RequestStatus.PENDING, RequestStatus.INFO_REQUESTED)
CURRENT = (RelationshipStatus.PROPOSED, RelationshipStatus.ACTIVE, RelationshipStatus.CLOSING)
PAST = (RelationshipStatus.COMPLETED, RelationshipStatus.ENDED_EARLY)
#: How many partners a sentence names before "and N others".
NAMED = 3


@dataclass(frozen=True)
class NextStep:
    label: str
    #: Relative to the program's URL ("getting-ready/").
    path: str


@dataclass(frozen=True)
class Standing:
    """One participant's state in their program, and the words for it."""

    membership: Membership
    state: ParticipantState
    readiness: Readiness
    #: The current (or, when none, the last) mentorship's status; "" without one.
    mentorship_status: str = ""
    #: The others in the current (or last) mentorship, by name.
    partners: tuple[str, ...] = ()
    #: A proposed match this person has not confirmed yet.
    to_confirm: bool = False

    @property
    def program(self) -> Program:
        return self.membership.program

    @property
    def stage(self) -> ProgramStatus:
        return ProgramStatus(self.program.status)

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def chooses(self) -> bool:
        """Mentees of this program choose their mentors (and send requests)."""
        return self.program.matching_mode in SELF_SELECT_MODES

    @property
    def headline(self) -> str:
        return _words(self)[0]

    @property
    def text(self) -> str:
        return _words(self)[1]

    @property
    def next_step(self) -> NextStep | None:
        return _words(self)[2]

    @property
    def next_url(self) -> str:
        step = self.next_step
        return self.program.get_absolute_url() + step.path if step else ""


def standing_of(membership: Membership) -> Standing:
    return standings_of([membership])[membership.pk]


def standings_of(memberships: Sequence[Membership]) -> dict[int, Standing]:
    """The standing of each mentor or mentee among ``memberships`` (others are left out), in
    at most nine queries however many there are. Each membership needs its program loaded."""
    people = [m for m in memberships if m.role in (Role.MENTOR, Role.MENTEE)]
    if not people:
        return {}
    ids = [m.pk for m in people]
    readiness = readiness_of_many(people)
    # (status, when it ended or began, mentorship id, not confirmed yet) of every place
    places: dict[int, list[tuple[str, Any, int, bool]]] = defaultdict(list)
    for place in (
        MentorshipMember.objects.filter(membership_id__in=ids)
        .select_related("mentorship")
        .only(
            "id",
            "membership_id",
            "confirmed_at",
            "mentorship__id",
            "mentorship__status",
            "mentorship__ended_at",
            "mentorship__created_at",
        )
    ):
        mentorship = place.mentorship
        places[place.membership_id].append(
            (
                mentorship.status,
                mentorship.ended_at or mentorship.created_at,
                mentorship.pk,
                place.confirmed_at is None,
            )
        )
    mentorship_ids = {entry[2] for entries in places.values() for entry in entries}
    others: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for mentorship_id, membership_id, full_name, email in MentorshipMember.objects.filter(
        mentorship_id__in=mentorship_ids
    ).values_list(
        "mentorship_id", "membership_id", "membership__user__full_name", "membership__user__email"
    ):
        others[mentorship_id].append((membership_id, full_name or email))
    relationships: dict[int, list[tuple[str, Any, int]]] = defaultdict(list)
    for (
        mentor_id,
        mentee_id,
        status,
        ended_at,
        created_at,
        mentorship_id,
    ) in Relationship.objects.filter(Q(mentor_id__in=ids) | Q(mentee_id__in=ids)).values_list(
        "mentor_id", "mentee_id", "status", "ended_at", "created_at", "mentorship_id"
    ):
        for membership_id in (mentor_id, mentee_id):
            if membership_id in readiness:
                relationships[membership_id].append(
                    (status, ended_at or created_at, mentorship_id or 0)
                )
    requested: set[int] = set()
    for mentee_id, mentor_id, status in MentorRequest.objects.filter(
        Q(mentee_id__in=ids, status__in=MENTEE_OPEN_REQUESTS)
        | Q(mentor_id__in=ids, status__in=MENTOR_OPEN_REQUESTS)
    ).values_list("mentee_id", "mentor_id", "status"):
        requested.add(mentee_id)
        if status in MENTOR_OPEN_REQUESTS:
            requested.add(mentor_id)

    result = {}
    for membership in people:
        mine = places.get(membership.pk, [])
        current = [entry for entry in mine if entry[0] in CURRENT]
        past = sorted((entry for entry in mine if entry[0] in PAST), key=lambda e: e[1])
        # A group's mentee who ended early leaves the group's mentorship: their relationship
        # keeps the record.
        for status, when, mentorship_id in relationships.get(membership.pk, []):
            if status in CURRENT and not any(entry[2] == mentorship_id for entry in current):
                current.append((status, when, mentorship_id, False))
            if status in PAST and not any(entry[2] == mentorship_id for entry in past):
                past.append((status, when, mentorship_id, False))
        past.sort(key=lambda entry: entry[1])
        chosen: tuple[str, Any, int, bool] | None = None
        if current:
            state = ParticipantState.MATCHED
            chosen = current[0]
        elif membership.pk in requested and membership.status == MembershipStatus.APPROVED:
            state = ParticipantState.REQUESTED
        elif past:
            chosen = past[-1]
            state = (
                ParticipantState.COMPLETED
                if chosen[0] == RelationshipStatus.COMPLETED
                else ParticipantState.ENDED_EARLY
            )
        elif readiness[membership.pk].ready:
            state = ParticipantState.READY
        else:
            state = ParticipantState.NOT_READY
        partners: list[str] = []
        if chosen is not None:
            partners = [
                name for member_id, name in others.get(chosen[2], []) if member_id != membership.pk
            ]
        result[membership.pk] = Standing(
            membership=membership,
            state=state,
            readiness=readiness[membership.pk],
            mentorship_status=chosen[0] if chosen else "",
            partners=tuple(partners),
            to_confirm=bool(chosen and chosen[0] == RelationshipStatus.PROPOSED and chosen[3]),
        )
    return result


# --- the words ----------------------------------------------------------------------------

CHECKLIST = NextStep("See your checklist", "getting-ready/")
CHOOSE = NextStep("Choose your mentors", "mentors/")
REQUESTS = NextStep("See where your requests stand", "requests/")
INBOX = NextStep("Answer the request", "requests/inbox/")
SPACE = NextStep("Open your shared space", "my-mentorship/")
MATCH = NextStep("See your past mentorship", "match/")


def names(partners: Sequence[str]) -> str:
    """People named in a sentence: Ada; Ada and Ben; Ada, Ben and Cleo; Ada, Ben, Cleo and
    2 others."""
    if not partners:
        return ""
    shown = list(partners[:NAMED])
    rest = len(partners) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest} other{'s' if rest != 1 else ''}"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _day(value: Any) -> str:
    return date_format(value, "j F Y")


def _words(standing: Standing) -> tuple[str, str, NextStep | None]:
    """(headline, one or two sentences, next step) for this standing."""
    state, stage, program = standing.state, standing.stage, standing.program
    mentee = standing.role == Role.MENTEE
    # Before matching starts: a draft (people imported early) or enrolment still open.
    early = stage in (ProgramStatus.DRAFT, ProgramStatus.ENROLLING)
    opening = (
        "The program has not opened yet."
        if stage == ProgramStatus.DRAFT
        else "Enrolment is still open."
    )
    if state == ParticipantState.MATCHED:
        return _matched_words(standing)
    if state in (ParticipantState.COMPLETED, ParticipantState.ENDED_EARLY):
        return _past_words(standing)
    if stage in (ProgramStatus.CLOSING, ProgramStatus.CLOSED):
        headline = "This program has ended"
        if stage == ProgramStatus.CLOSING:
            headline = "This program is closing"
        return (
            headline,
            "You were not matched in it, and no new matches are made now. Thank you for "
            "taking part; the coordinators can tell you about the next one.",
            None,
        )
    if state == ParticipantState.REQUESTED:
        if mentee:
            return (
                "Your requests are with your mentors",
                "Your choices are asked one at a time, favourite first. You are told as soon as "
                "one of them accepts.",
                REQUESTS,
            )
        return (
            "A mentee has asked you to be their mentor",
            "Accept, decline or ask them a question before the deadline: otherwise the request "
            "passes to their next choice.",
            INBOX,
        )
    membership = standing.membership
    if state == ParticipantState.NOT_READY:
        if membership.status == MembershipStatus.WAITLISTED:
            return (
                "You are on the waiting list",
                "The coordinators will tell you when a place opens. Meanwhile you can already "
                "complete your profile.",
                CHECKLIST,
            )
        if membership.status != MembershipStatus.APPROVED:
            return (
                "Your application is waiting for approval",
                "Your application is waiting for a coordinator's approval. Meanwhile you can "
                "already complete your profile.",
                CHECKLIST,
            )
        todo = standing.readiness.todo
        left = "; ".join(todo[:3]) + (" …" if len(todo) > 3 else "")
        started = (
            " The program has started: the coordinators can still match you once you are ready."
            if stage == ProgramStatus.ACTIVE
            else ""
        )
        return (
            "Get ready to be matched",
            (f"Still to do: {left}." if left else "A few steps are left before you can be matched.")
            + started,
            CHECKLIST,
        )
    # ready, not matched, nothing requested
    if mentee and standing.chooses:
        if early:
            text = (
                f"{opening} Add up to {program.max_choices} mentors to your choices, favourite "
                "first: you can send your requests as soon as matching starts."
            )
        else:
            text = (
                f"Add up to {program.max_choices} mentors to your choices, favourite first, then "
                "send your requests: they are asked one at a time."
            )
        if program.matching_mode != "self_select":
            text += " The coordinators match whoever is left."
        return ("You are ready: choose your mentors", text, CHOOSE)
    who = "your mentor" if mentee else "your mentees"
    if not mentee and standing.chooses:
        when = "Once matching starts and one" if early else "When one"
        text = (
            f"Mentees choose their mentors in this program. {when} asks you, you are told, and "
            "the request waits for your answer under Requests."
        )
        if early:
            text = f"{opening} {text}"
    elif early:
        text = (
            f"{opening} When enrolment closes, the coordinators match mentors and mentees, and "
            f"you are introduced to {who} as soon as they publish the matches."
        )
    elif stage == ProgramStatus.MATCHING:
        text = (
            "The coordinators are matching mentors and mentees now. You are introduced to "
            f"{who} as soon as they publish the matches."
        )
    else:
        text = (
            "The program has started. The coordinators match people who are ready, and you are "
            f"introduced to {who} as soon as you are matched."
        )
    return ("You are ready to be matched", text, None)


def _matched_words(standing: Standing) -> tuple[str, str, NextStep | None]:
    stage, program, status = standing.stage, standing.program, standing.mentorship_status
    who = names(standing.partners)
    with_who = f" with {who}" if who else ""
    if status == RelationshipStatus.PROPOSED:
        if standing.to_confirm:
            return (
                "Confirm your match",
                f"You have been matched{with_who}. Look at who they are, then confirm, or "
                "decline and say why.",
                SPACE,
            )
        return (
            "You are matched",
            f"You have confirmed your match{with_who}. It starts as soon as everyone has.",
            SPACE,
        )
    if stage == ProgramStatus.CLOSED:
        return (
            "This program has ended",
            f"Your mentorship{with_who} is still open in your shared space. Thank you for "
            "taking part.",
            SPACE,
        )
    if status == RelationshipStatus.CLOSING or stage == ProgramStatus.CLOSING:
        return (
            "Your mentorship is closing",
            f"Plan a last meeting{with_who} to look back on what you learned and decide what "
            "comes next.",
            SPACE,
        )
    if stage in (ProgramStatus.DRAFT, ProgramStatus.ENROLLING, ProgramStatus.MATCHING):
        return (
            "You are matched",
            f"You are matched{with_who}. The program starts on {_day(program.starts_on)}: you "
            "can already meet and plan in your shared space.",
            SPACE,
        )
    return (
        "Your mentorship is under way",
        f"You are matched{with_who}. The program suggests you meet "
        f"{program.get_meeting_cadence_display().lower()} until {_day(program.ends_on)}.",
        SPACE,
    )


def _past_words(standing: Standing) -> tuple[str, str, NextStep | None]:
    stage = standing.stage
    who = names(standing.partners)
    with_who = f" with {who}" if who else ""
    over = stage in (ProgramStatus.CLOSING, ProgramStatus.CLOSED)
    ending = (
        "The program is closing. " if stage == ProgramStatus.CLOSING else "The program has ended. "
    )
    if standing.state == ParticipantState.COMPLETED:
        return (
            "You completed your mentorship",
            f"Your mentorship{with_who} is complete. "
            + (ending if over else "")
            + "What you wrote together stays readable in your shared space. Thank you for "
            "taking part.",
            SPACE,
        )
    if over:
        return (
            "Your mentorship ended early",
            f"Your mentorship{with_who} ended before the program did. {ending}What you wrote "
            "together stays readable in your shared space. Thank you for taking part.",
            SPACE,
        )
    if standing.role == Role.MENTEE and standing.chooses:
        return (
            "Your mentorship ended early",
            f"Your mentorship{with_who} ended early. That happens, and nobody is to blame: "
            "you can choose other mentors and send new requests.",
            CHOOSE,
        )
    return (
        "Your mentorship ended early",
        f"Your mentorship{with_who} ended early. That happens, and nobody is to blame: the "
        "coordinators know, and can match you again.",
        MATCH,
    )
