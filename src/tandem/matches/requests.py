"""Self-selection: a mentee's ranked requests, asked one at a time, that cascade.

The life of a mentee's requests (statuses in :class:`RequestStatus`):

* **send** — the mentee's saved choices (``enrolment.MentorChoice``) become requests ranked
  1..N. Only the 1st is asked (``pending``, ``asked_at``, ``deadline`` = now + the program's
  ``request_deadline_days``); the others wait (``queued``).
* **accept** — a relationship starts (source "request"); the mentee's other requests close.
  The mentor's capacity is checked with their membership row locked, so two accepts racing for
  a last place cannot both succeed.
* **decline**, or **no answer by the deadline** (``expired``) — the request passes on: the next
  queued choice is asked with a fresh deadline. Choices whose mentor has no place left by then
  are skipped (``closed``). After the last choice the mentee is *unmatched after the cascade*
  and the coordinators are told; they match them by hand from the overview.
* **ask for more information** — the mentor asks a question (``info_requested``). The deadline
  pauses (it is cleared) while the mentee has not answered; when they answer, the request is
  pending again with a *full* new deadline. A question nobody answers waits: the coordinators
  see it on the overview, and the mentee can withdraw.
* **withdraw** — the mentee takes back every open request (and can send again later).

Deadlines are enforced twice: each asked request enqueues :func:`expire_mentor_request` to run
at its deadline (a task that re-checks the state, so a stale one does nothing), and
:func:`expire_overdue_requests` — run by ``tandem expire_requests`` from cron — catches up on
any the worker missed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import timezone

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.enrolment.highlights import highlights
from tandem.enrolment.models import MentorChoice
from tandem.enrolment.readiness import readiness_of
from tandem.enrolment.rules.profiles import SELF_SELECT_MODES
from tandem.matches.enums import RequestStatus
from tandem.matches.models import MentorRequest
from tandem.matches.problem import (
    build_problem,
    install_default_criteria,
    mentor_capacity,
)
from tandem.matches.services import (
    check_publishing,
    create_active_relationship,
    introduce_pairs,
    open_relationship_counts,
    score_pair,
    unmatched_people,
)
from tandem.mentoring.models import OPEN_STATUSES, Relationship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership, Program

log = logging.getLogger(__name__)

#: Program stages in which requests can be sent and accepted.
REQUEST_STAGES = frozenset({ProgramStatus.MATCHING, ProgramStatus.ACTIVE})
#: Requests still in play: waiting their turn, waiting for the mentor, or for the mentee.
OPEN_REQUEST_STATUSES = (
    RequestStatus.QUEUED,
    RequestStatus.PENDING,
    RequestStatus.INFO_REQUESTED,
)
#: Requests a mentor has in front of them.
ASKED_STATUSES = (RequestStatus.PENDING, RequestStatus.INFO_REQUESTED)
#: A mentor who answered (or let the deadline pass) is not asked again by the same mentee.
ANSWERED_STATUSES = (RequestStatus.DECLINED, RequestStatus.EXPIRED)
#: How many mentors the overview suggests for a mentee left unmatched.
SUGGESTIONS = 3


class DeclineReason(models.TextChoices):
    """Why a mentor says no — shown to the mentee, so every reason is kind."""

    NO_TIME = "no_time", "I do not have the time for another mentee right now"
    NOT_MY_AREA = "not_my_area", "What they want to grow is not my area"
    BETTER_FIT = "better_fit", "Another mentor would be a better fit"
    SCHEDULES = "schedules", "Our schedules or time zones do not fit"
    OTHER = "other", "Another reason"


# --- reading ------------------------------------------------------------------------------


def program_url(program: Program, suffix: str = "") -> str:
    return program.get_absolute_url() + suffix


def coordinators_of(program: Program) -> list[User]:
    return [
        membership.user
        for membership in program.memberships.filter(
            role=Role.COORDINATOR, status=MembershipStatus.APPROVED
        ).select_related("user")
    ]


def open_relationship_of(mentee: Membership) -> Relationship | None:
    return (
        Relationship.objects.filter(mentee=mentee, status__in=OPEN_STATUSES)
        .select_related("mentor__user")
        .first()
    )


def requests_of(mentee: Membership) -> list[MentorRequest]:
    """A mentee's requests, in rank order, with the mentors loaded."""
    return list(
        MentorRequest.objects.filter(mentee=mentee)
        .select_related("mentor__user")
        .order_by("rank", "id")
    )


def inbox_of(mentor: Membership) -> list[MentorRequest]:
    """Requests in front of a mentor (pending, or waiting for the mentee's answer)."""
    return list(
        MentorRequest.objects.filter(mentor=mentor, status__in=ASKED_STATUSES)
        .select_related("mentee__user", "program__organization")
        .order_by("deadline", "asked_at", "id")
    )


def open_places(mentor: Membership) -> int:
    taken = Relationship.objects.filter(mentor=mentor, status__in=OPEN_STATUSES).count()
    return max(0, mentor_capacity(mentor) - taken)


def sending_problem(mentee: Membership) -> str:
    """Why this mentee cannot send requests now, in their words; "" when they can."""
    program = mentee.program
    if program.matching_mode not in SELF_SELECT_MODES:
        return (
            f"In {program.name} the coordinators match people: mentees do not send requests "
            "to mentors."
        )
    if program.status not in REQUEST_STAGES:
        return (
            f"{program.name} is in its “{program.get_status_display()}” stage: requests can be "
            "sent once it is matching or active."
        )
    if mentee.role != Role.MENTEE or mentee.status != MembershipStatus.APPROVED:
        return "Only approved mentees send requests to mentors."
    relationship = open_relationship_of(mentee)
    if relationship is not None:
        return f"You already have a mentor: {relationship.mentor.user.display_name}."
    if MentorRequest.objects.filter(mentee=mentee, status__in=OPEN_REQUEST_STATUSES).exists():
        return (
            "Your requests are already on their way: wait for the answers, or withdraw them "
            "to change your choices."
        )
    readiness = readiness_of(mentee)
    if not readiness.ready:
        left = "; ".join(readiness.missing[:3]) or "steps on your checklist"
        return f"You are not ready to be matched yet: {left}. See “Getting ready”."
    return ""


# --- sending --------------------------------------------------------------------------------


def send_requests(
    mentee: Membership,
    *,
    by: User,
    notes: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> list[MentorRequest]:
    """Turn a mentee's saved choices into ranked requests and ask the first.

    ``notes``: an optional note to each mentor, by mentor membership id.
    """
    now = now or timezone.now()
    notes = notes or {}
    with transaction.atomic():
        mentee = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("program__organization", "user")
            .get(pk=mentee.pk)
        )
        problem = sending_problem(mentee)
        if problem:
            raise ServiceError(problem)
        program = mentee.program
        choices = list(
            MentorChoice.objects.filter(mentee=mentee)
            .select_related("mentor__user")
            .order_by("rank")
        )
        if not choices:
            raise ServiceError(
                "You have no saved choices: add up to "
                f"{program.max_choices} mentors from the mentor directory first.",
                field="choices",
            )
        earlier = {r.mentor_id: r for r in MentorRequest.objects.filter(mentee=mentee)}
        _, per_mentor = open_relationship_counts(program)
        for choice in choices:
            mentor = choice.mentor
            name = mentor.user.display_name
            if mentor.program_id != program.pk or mentor.status != MembershipStatus.APPROVED:
                raise ServiceError(
                    f"{name} is no longer a mentor of this program: remove them from your choices.",
                    field="choices",
                )
            previous = earlier.get(mentor.pk)
            if previous is not None and previous.status in ANSWERED_STATUSES:
                raise ServiceError(
                    f"{name} already answered an earlier request of yours "
                    f"({previous.get_status_display().lower()}): remove them from your choices.",
                    field="choices",
                )
            capacity = mentor_capacity(mentor)
            if per_mentor[mentor.pk] >= capacity:
                raise ServiceError(
                    f"{name} has no place left ({per_mentor[mentor.pk]} mentee"
                    f"{'s' if per_mentor[mentor.pk] != 1 else ''} for {capacity} place"
                    f"{'s' if capacity != 1 else ''}): remove them from your choices and pick "
                    "another mentor.",
                    field="choices",
                )
        created = []
        for rank, choice in enumerate(choices, start=1):
            note = (notes.get(choice.mentor_id) or "").strip()
            request = earlier.get(choice.mentor_id)
            if request is None:
                request = MentorRequest(program=program, mentee=mentee, mentor=choice.mentor)
            request.rank = rank
            request.status = RequestStatus.QUEUED
            request.message = note
            request.asked_at = request.deadline = request.responded_at = None
            request.response_message = ""
            request.relationship = None
            request.save()
            request.mentor = choice.mentor
            created.append(request)
        record_audit(
            by,
            "mentor_requests.sent",
            mentee,
            changes={"mentors": [r.mentor_id for r in created]},
        )
        _ask(created[0], now=now)
    return created


def _ask(request: MentorRequest, *, now: dt.datetime) -> None:
    """Put a request in front of its mentor with a fresh deadline; tell them."""
    program = request.program
    request.status = RequestStatus.PENDING
    request.asked_at = now
    request.deadline = now + dt.timedelta(days=program.request_deadline_days)
    request.save(update_fields=["status", "asked_at", "deadline"])
    mentee = request.mentee
    notify(
        request.mentor.user,
        kind=NotificationKind.REQUEST_RECEIVED,
        program=program,
        context={
            "mentee": mentee.user,
            "rank": request.rank,
            "note": request.message,
            "highlights": highlights(mentee),
            "deadline": request.deadline,
        },
        url=program_url(program, "requests/inbox/"),
    )
    _schedule_deadline(request)


def _schedule_deadline(request: MentorRequest) -> None:
    """Enqueue the deadline check once the transaction commits (where the backend can defer)."""
    from tandem.matches.tasks import expire_mentor_request

    deadline = request.deadline
    if deadline is None:
        return
    request_id = request.pk
    if not expire_mentor_request.get_backend().supports_defer:
        # E.g. the immediate backend: the sweep (tandem expire_requests) keeps the deadline.
        return
    transaction.on_commit(
        lambda: expire_mentor_request.using(run_after=deadline).enqueue(request_id)
    )


# --- the mentor's answers -----------------------------------------------------------------


def _locked_asked(request: MentorRequest, *, by: User, as_mentor: bool = True) -> MentorRequest:
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("program__organization", "mentee__user", "mentor__user")
        .get(pk=request.pk)
    )
    if as_mentor and request.mentor.user_id != by.pk:
        raise ServiceError("Only the mentor asked can answer this request.")
    if request.status not in ASKED_STATUSES:
        raise ServiceError(
            f"This request is no longer waiting for an answer: it is "
            f"{request.get_status_display().lower()}."
        )
    return request


def _lock_pair(mentee_id: int, mentor_id: int) -> tuple[Membership, Membership]:
    """Lock both memberships, always in id order (so no two transactions deadlock)."""
    locked = {
        m.pk: m
        for m in Membership.objects.select_for_update()
        .filter(pk__in=[mentee_id, mentor_id])
        .order_by("pk")
    }
    return locked[mentee_id], locked[mentor_id]


def _check_place(mentor: Membership, *, who: str) -> None:
    """Count the mentor's open relationships — with their membership row locked by the caller."""
    taken = Relationship.objects.filter(mentor=mentor, status__in=OPEN_STATUSES).count()
    capacity = mentor_capacity(mentor)
    if taken >= capacity:
        raise ServiceError(
            f"{who} no place left: {taken} mentee{'s' if taken != 1 else ''} already for "
            f"{capacity} place{'s' if capacity != 1 else ''}. "
            "A coordinator can raise the capacity in the mentor's profile, or decline instead.",
            field="capacity",
        )


def _start_relationship(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    source: Relationship.Source,
    pair_score: matching.PairScore,
    now: dt.datetime,
    keep: MentorRequest | None = None,
) -> Relationship:
    """Create the active relationship, close the mentee's other open requests, introduce."""
    if Relationship.objects.filter(mentee=mentee, status__in=OPEN_STATUSES).exists():
        raise ServiceError(f"{mentee.user.display_name} already has a mentor.")
    relationship = create_active_relationship(
        program, mentee=mentee, mentor=mentor, source=source, pair_score=pair_score, started_at=now
    )
    others = MentorRequest.objects.filter(mentee=mentee, status__in=OPEN_REQUEST_STATUSES)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    others.update(status=RequestStatus.CLOSED, responded_at=now, deadline=None)
    introduce(program, relationship)
    return relationship


def introduce(program: Program, relationship: Relationship) -> None:
    """Introduce both sides (the same MATCH_INTRODUCTION as a published run sends)."""
    introduce_pairs(program, [(relationship.mentee, relationship.mentor, relationship.explanation)])


def accept_request(
    request: MentorRequest, *, by: User, now: dt.datetime | None = None
) -> Relationship:
    """The mentor says yes: the pair starts, the mentee's other requests close."""
    now = now or timezone.now()
    pair_score = score_pair(
        request.program, mentee=request.mentee, mentor=request.mentor, reader="pair"
    )
    with transaction.atomic():
        mentee, mentor = _lock_pair(request.mentee_id, request.mentor_id)
        request = _locked_asked(request, by=by)
        program = request.program
        if program.status not in REQUEST_STAGES:
            raise ServiceError(
                f"{program.name} is in its “{program.get_status_display()}” stage: requests "
                "can be accepted while it is matching or active."
            )
        _check_place(mentor, who="You have")
        mentee.user, mentor.user = request.mentee.user, request.mentor.user
        relationship = _start_relationship(
            program,
            mentee=mentee,
            mentor=mentor,
            source=Relationship.Source.REQUEST,
            pair_score=pair_score,
            now=now,
            keep=request,
        )
        request.status = RequestStatus.ACCEPTED
        request.responded_at = now
        request.relationship = relationship
        request.save(update_fields=["status", "responded_at", "relationship"])
        record_audit(by, "mentor_request.accepted", request, changes={"rank": request.rank})
        notify(
            mentee.user,
            kind=NotificationKind.REQUEST_ANSWERED,
            program=program,
            context={"mentor": mentor.user, "accepted": True},
            url=program_url(program, "requests/"),
        )
    return relationship


def decline_request(
    request: MentorRequest,
    *,
    by: User,
    reason: DeclineReason | str,
    note: str = "",
    now: dt.datetime | None = None,
) -> MentorRequest:
    """The mentor says no (with a reason the mentee sees); the request passes on."""
    now = now or timezone.now()
    try:
        reason_label = DeclineReason(reason).label
    except ValueError:
        raise ServiceError(
            f"“{reason}” is not a reason on the list: pick one.", field="reason"
        ) from None
    note = note.strip()
    with transaction.atomic():
        request = _locked_asked(request, by=by)
        request.status = RequestStatus.DECLINED
        request.responded_at = now
        request.response_message = f"{reason_label}. {note}".strip() if note else reason_label
        request.save(update_fields=["status", "responded_at", "response_message"])
        record_audit(by, "mentor_request.declined", request, changes={"reason": str(reason)})
        program = request.program
        notify(
            request.mentee.user,
            kind=NotificationKind.REQUEST_ANSWERED,
            program=program,
            context={
                "mentor": request.mentor.user,
                "accepted": False,
                "reason": reason_label,
                "note": note,
            },
            url=program_url(program, "requests/"),
        )
        _pass_on(request, now=now)
    return request


def ask_for_information(
    request: MentorRequest, *, by: User, question: str, now: dt.datetime | None = None
) -> MentorRequest:
    """The mentor asks the mentee a question; the deadline pauses until they answer."""
    question = question.strip()
    if not question:
        raise ServiceError("Write the question you want the mentee to answer.", field="question")
    with transaction.atomic():
        request = _locked_asked(request, by=by)
        if request.status == RequestStatus.INFO_REQUESTED:
            raise ServiceError(
                "You already asked a question: wait for the mentee's answer.", field="question"
            )
        request.status = RequestStatus.INFO_REQUESTED
        request.response_message = question
        request.deadline = None
        request.save(update_fields=["status", "response_message", "deadline"])
        record_audit(by, "mentor_request.info_requested", request)
        program = request.program
        notify(
            request.mentee.user,
            kind=NotificationKind.REQUEST_ANSWERED,
            program=program,
            context={"mentor": request.mentor.user, "question": question},
            url=program_url(program, "requests/"),
        )
    return request


def answer_question(
    request: MentorRequest, *, by: User, answer: str, now: dt.datetime | None = None
) -> MentorRequest:
    """The mentee answers the mentor's question: pending again, with a full new deadline."""
    now = now or timezone.now()
    answer = answer.strip()
    if not answer:
        raise ServiceError("Write your answer to the mentor's question.", field="answer")
    with transaction.atomic():
        request = _locked_asked(request, by=by, as_mentor=False)
        if request.mentee.user_id != by.pk:
            raise ServiceError("Only the mentee who sent this request can answer.")
        if request.status != RequestStatus.INFO_REQUESTED:
            raise ServiceError("The mentor has not asked you anything on this request.")
        question = request.response_message
        exchange = f"Question from {request.mentor.user.display_name}: {question}\nAnswer: {answer}"
        request.message = f"{request.message}\n\n{exchange}".strip()
        request.response_message = ""
        request.save(update_fields=["message", "response_message"])
        record_audit(by, "mentor_request.info_given", request)
        _ask(request, now=now)
    return request


def withdraw_requests(mentee: Membership, *, by: User, now: dt.datetime | None = None) -> int:
    """The mentee takes back every open request; they can change their choices and resend."""
    now = now or timezone.now()
    with transaction.atomic():
        mentee = Membership.objects.select_for_update().get(pk=mentee.pk)
        count = MentorRequest.objects.filter(
            mentee=mentee, status__in=OPEN_REQUEST_STATUSES
        ).update(status=RequestStatus.WITHDRAWN, responded_at=now, deadline=None)
        if not count:
            raise ServiceError("You have no open requests to withdraw.")
        record_audit(by, "mentor_requests.withdrawn", mentee, changes={"count": count})
    return count


# --- the cascade --------------------------------------------------------------------------


def _pass_on(previous: MentorRequest, *, now: dt.datetime) -> MentorRequest | None:
    """Ask the mentee's next queued choice; tell the mentee and the coordinators.

    A choice whose mentor is no longer approved or has no place left is skipped (closed).
    With no choice left, the mentee is unmatched after the cascade.
    """
    program, mentee = previous.program, previous.mentee
    queued = list(
        MentorRequest.objects.select_for_update(of=("self",))
        .filter(mentee=mentee, status=RequestStatus.QUEUED)
        .select_related("mentor__user")
        .order_by("rank", "id")
    )
    why = "declined" if previous.status == RequestStatus.DECLINED else "did not answer in time"
    skipped: list[str] = []
    for candidate in queued:
        mentor = candidate.mentor
        if mentor.status != MembershipStatus.APPROVED or open_places(mentor) == 0:
            candidate.status = RequestStatus.CLOSED
            candidate.responded_at = now
            candidate.response_message = "Skipped: no place left when the request reached them."
            candidate.save(update_fields=["status", "responded_at", "response_message"])
            skipped.append(mentor.user.display_name)
            continue
        candidate.program, candidate.mentee = program, mentee
        _ask(candidate, now=now)
        context = {
            "previous": previous.mentor.user,
            "why": why,
            "next": mentor.user,
            "rank": candidate.rank,
            "deadline": candidate.deadline,
            "skipped": skipped,
        }
        notify(
            mentee.user,
            kind=NotificationKind.REQUEST_PASSED_ON,
            program=program,
            context=context,
            url=program_url(program, "requests/"),
        )
        for coordinator in coordinators_of(program):
            notify(
                coordinator,
                kind=NotificationKind.REQUEST_PASSED_ON,
                program=program,
                context={**context, "mentee": mentee.user},
                url=program_url(program, "requests/overview/"),
            )
        record_audit(None, "mentor_request.passed_on", candidate, changes={"rank": candidate.rank})
        return candidate
    context = {"mentee": mentee.user, "last": previous.mentor.user, "why": why}
    for coordinator in coordinators_of(program):
        notify(
            coordinator,
            kind=NotificationKind.MENTEE_UNMATCHED,
            program=program,
            context=context,
            url=program_url(program, "requests/overview/#unmatched"),
        )
    notify(
        mentee.user,
        kind=NotificationKind.MENTEE_UNMATCHED,
        program=program,
        context={**context, "for_mentee": True},
        url=program_url(program, "requests/"),
    )
    record_audit(None, "mentor_requests.unmatched", mentee)
    return None


def expire_request(request_id: int, *, now: dt.datetime | None = None) -> bool:
    """Expire one request whose deadline has passed and pass it on. False if it was stale."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            MentorRequest.objects.select_for_update(of=("self",))
            .select_related("program__organization", "mentee__user", "mentor__user")
            .filter(pk=request_id)
            .first()
        )
        if (
            request is None
            or request.status != RequestStatus.PENDING
            or request.deadline is None
            or request.deadline > now
        ):
            return False
        request.status = RequestStatus.EXPIRED
        request.responded_at = now
        request.save(update_fields=["status", "responded_at"])
        record_audit(None, "mentor_request.expired", request)
        _pass_on(request, now=now)
    return True


def expire_overdue_requests(now: dt.datetime | None = None) -> int:
    """The safety net: expire every pending request past its deadline. Returns how many."""
    now = now or timezone.now()
    overdue = MentorRequest.objects.filter(
        status=RequestStatus.PENDING, deadline__lte=now
    ).order_by("deadline", "id")
    expired = 0
    for request_id in list(overdue.values_list("pk", flat=True)):
        if expire_request(request_id, now=now):
            expired += 1
    return expired


# --- the coordinators' overview -----------------------------------------------------------


class CascadeState(models.TextChoices):
    MATCHED = "matched", "Matched"
    ASKING = "asking", "Waiting for a mentor"
    QUESTION = "question", "Mentor waiting for the mentee's answer"
    UNMATCHED = "unmatched", "Unmatched after the cascade"
    WITHDRAWN = "withdrawn", "Withdrew their requests"
    NOT_SENT = "not_sent", "No requests sent"


@dataclass
class MenteeCascade:
    mentee: Membership
    requests: list[MentorRequest]
    relationship: Relationship | None
    state: CascadeState
    current: MentorRequest | None = None
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    mentor: Membership
    score: float
    explanation: str
    free_places: int
    #: the profiles' fit in [0, 1], shown as a percentage (``|fit_percent``)
    fit: float = 0.0


def _state(
    requests: Sequence[MentorRequest], relationship: Relationship | None
) -> tuple[CascadeState, MentorRequest | None]:
    if relationship is not None:
        return CascadeState.MATCHED, None
    current = next((r for r in requests if r.status in ASKED_STATUSES), None)
    if current is not None:
        if current.status == RequestStatus.INFO_REQUESTED:
            return CascadeState.QUESTION, current
        return CascadeState.ASKING, current
    if not requests:
        return CascadeState.NOT_SENT, None
    latest = max(requests, key=lambda r: (r.responded_at or r.created_at, r.pk))
    if latest.status == RequestStatus.WITHDRAWN:
        return CascadeState.WITHDRAWN, None
    return CascadeState.UNMATCHED, None


def program_cascades(program: Program) -> list[MenteeCascade]:
    """Every approved mentee's cascade, in a constant number of queries."""
    mentees = list(
        Membership.objects.filter(
            program=program, role=Role.MENTEE, status=MembershipStatus.APPROVED
        )
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "sent_requests",
                queryset=MentorRequest.objects.select_related("mentor__user").order_by(
                    "rank", "id"
                ),
            )
        )
        .order_by("user__full_name", "user__email")
    )
    relationships = {
        r.mentee_id: r
        for r in Relationship.objects.filter(program=program, status__in=OPEN_STATUSES)
        .select_related("mentor__user")
        .order_by("created_at")
    }
    cascades = []
    for mentee in mentees:
        requests = list(mentee.sent_requests.all())
        relationship = relationships.get(mentee.pk)
        state, current = _state(requests, relationship)
        cascades.append(MenteeCascade(mentee, requests, relationship, state, current))
    return cascades


def attach_suggestions(program: Program, cascades: Iterable[MenteeCascade]) -> None:
    """Suggest mentors with free places to every mentee unmatched after the cascade."""
    unmatched = [c for c in cascades if c.state == CascadeState.UNMATCHED]
    if not unmatched:
        return
    install_default_criteria(program)
    _, candidates, free = unmatched_people(program)
    if not candidates:
        return
    by_id = {str(m.pk): m for m in candidates}
    pool = build_problem(
        program,
        mentees=[c.mentee for c in unmatched],
        mentors=candidates,
        free_capacity=free,
    )
    matcher = matching.Matcher(pool.problem)
    past = {(a, b) for a, b in pool.problem.past}
    for cascade in unmatched:
        refused = {str(r.mentor_id) for r in cascade.requests if r.status in ANSWERED_STATUSES}
        mentee_id = str(cascade.mentee.pk)
        found = matcher.suggest(mentee_id, limit=SUGGESTIONS + len(refused) + 3)
        cascade.suggestions = [
            Suggestion(
                mentor=by_id[s.mentor_id],
                score=s.score,
                explanation=s.explanation,
                free_places=free[int(s.mentor_id)],
                fit=s.fit,
            )
            for s in found
            if s.feasible and s.mentor_id not in refused and (mentee_id, s.mentor_id) not in past
        ][:SUGGESTIONS]


def match_by_hand(
    program: Program,
    *,
    mentee: Membership,
    mentor: Membership,
    by: User,
    now: dt.datetime | None = None,
) -> Relationship:
    """A coordinator pairs a mentee (typically unmatched after the cascade) with a mentor."""
    now = now or timezone.now()
    if mentee.program_id != program.pk or mentor.program_id != program.pk:
        raise ServiceError("Both people must be in this program.")
    if mentee.role != Role.MENTEE or mentor.role != Role.MENTOR:
        raise ServiceError("Pick a mentee and a mentor.")
    pair_score = score_pair(program, mentee=mentee, mentor=mentor, reader="pair")
    with transaction.atomic():
        check_publishing(Program.objects.select_for_update().get(pk=program.pk))
        mentee, mentor = _lock_pair(mentee.pk, mentor.pk)
        if mentor.status != MembershipStatus.APPROVED:
            raise ServiceError("This mentor is not approved in this program.", field="mentor")
        mentee = Membership.objects.select_related("user").get(pk=mentee.pk)
        mentor = Membership.objects.select_related("user").get(pk=mentor.pk)
        _check_place(mentor, who=f"{mentor.user.display_name} has")
        relationship = _start_relationship(
            program,
            mentee=mentee,
            mentor=mentor,
            source=Relationship.Source.MANUAL,
            pair_score=pair_score,
            now=now,
        )
        record_audit(
            by,
            "relationship.matched_by_hand",
            relationship,
            changes={"mentee": mentee.pk, "mentor": mentor.pk},
        )
    return relationship


# --- the mentor's inbox -------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    request: MentorRequest
    highlights: list[str]
    score: float | None
    reasons: tuple[str, ...]
    explanation: str
    #: the profiles' fit in [0, 1], shown as a percentage (``|fit_percent``)
    fit: float | None = None
    trade_offs: tuple[str, ...] = ()


def inbox_entries(mentor: Membership) -> list[InboxEntry]:
    """The mentor's open requests with each mentee's highlights and the engine's view of the
    pair — scored together, in a constant number of queries."""
    requests = inbox_of(mentor)
    if not requests:
        return []
    program = mentor.program
    install_default_criteria(program)
    mentor = Membership.objects.select_related("user").get(pk=mentor.pk)
    mentees = list({r.mentee_id: r.mentee for r in requests}.values())
    matcher = matching.Matcher(build_problem(program, mentees=mentees, mentors=[mentor]).problem)
    entries = []
    for request in requests:
        # the mentor reads it: "you offer …", "you are 9 hours apart"
        pair = matcher.score_pair(str(request.mentee_id), str(mentor.pk), reader="mentor")
        entries.append(
            InboxEntry(
                request=request,
                highlights=highlights(request.mentee),
                score=pair.score,
                reasons=pair.reasons,
                explanation=pair.explanation,
                fit=pair.fit,
                trade_offs=pair.trade_offs,
            )
        )
    return entries
