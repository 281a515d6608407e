"""Reads for profile pages and the mentor directory, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.accounts.models import User
from tandem.enrolment.answers import is_answered
from tandem.enrolment.enums import DAYS, PARTS_OF_DAY, QuestionKind
from tandem.enrolment.models import MentorChoice, ProfileQuestion
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership, Program

#: Question kinds the directory offers as filters (one select each).
FILTER_KINDS = frozenset(
    {
        QuestionKind.SINGLE_CHOICE,
        QuestionKind.MULTIPLE_CHOICE,
        QuestionKind.LANGUAGES,
        QuestionKind.TIME_ZONE,
    }
)
DAY_NAMES = dict(DAYS)
PART_NAMES = dict(PARTS_OF_DAY)


def questions_of(program: Program) -> QuerySet[ProfileQuestion]:
    return ProfileQuestion.objects.filter(program=program).select_related("paired_with")


def display_answer(question: ProfileQuestion, value: Any) -> str:
    """An answer as a person reads it."""
    if not is_answered(value):
        return ""
    if question.kind == QuestionKind.YES_NO:
        return "Yes" if value else "No"
    if question.kind == QuestionKind.LOCATION and isinstance(value, Mapping):
        return ", ".join(str(value[part]) for part in ("city", "country") if value.get(part))
    if question.kind == QuestionKind.AVAILABILITY and isinstance(value, list):
        slots = []
        for slot in value:
            day, _, part = str(slot).partition("-")
            slots.append(f"{DAY_NAMES.get(day, day)} {PART_NAMES.get(part, part).lower()}")
        return ", ".join(slots)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class AnswerRow:
    question: ProfileQuestion
    value: Any
    text: str


def answer_rows(
    questions: Sequence[ProfileQuestion], answers: Mapping[str, Any], role: str
) -> list[AnswerRow]:
    """Non-demographic answers of a person in ``role``, in form order (coordinator view)."""
    return [
        AnswerRow(q, answers.get(q.key), display_answer(q, answers.get(q.key)))
        for q in questions
        if q.applies_to(role) and not q.is_demographic
    ]


def _looks_like_email(value: Any) -> bool:
    if not isinstance(value, str) or "@" not in value:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def public_rows(
    questions: Sequence[ProfileQuestion], answers: Mapping[str, Any], role: str
) -> list[AnswerRow]:
    """What other participants may see: answered, never demographic, never an e-mail address
    (such as a manager's)."""
    return [
        row
        for row in answer_rows(questions, answers, role)
        if row.text and not _looks_like_email(row.value)
    ]


# --- coordinator's profiles list ---------------------------------------------------------


@dataclass(frozen=True)
class ProfileRow:
    membership: Membership
    #: Share of the profile filled in, 0–100 (stored, see ``services.readiness``).
    percent: int
    missing_labels: tuple[str, ...]


def profile_members(
    program: Program, *, role: str = "", incomplete_only: bool = False, search: str = ""
) -> QuerySet[Membership]:
    """Mentors and mentees (approved or applied), filtered and sorted by the database."""
    members = Membership.objects.filter(
        program=program,
        role__in=[Role.MENTOR, Role.MENTEE],
        status__in=[MembershipStatus.APPROVED, MembershipStatus.APPLIED],
    )
    if role:
        members = members.filter(role=role)
    if incomplete_only:
        members = members.filter(profile_complete=False)
    if search:
        members = members.filter(
            Q(user__full_name__icontains=search) | Q(user__email__icontains=search)
        )
    return (
        members.select_related("user")
        .only(
            "id",
            "role",
            "status",
            "program_id",
            "profile_percent",
            "profile_missing",
            "user__id",
            "user__email",
            "user__full_name",
        )
        .order_by("role", "user__full_name", "user__email", "id")
    )


class ProfileRows(Sequence[ProfileRow]):
    """:func:`profile_members` as rows, for a paginator: counted and sliced by the database,
    each slice turned into rows with the labels of the answers they miss."""

    def __init__(self, program: Program, members: QuerySet[Membership]) -> None:
        self.program = program
        self.members = members
        self._labels: dict[str, str] | None = None

    def count(self) -> int:  # type: ignore[override]  # Paginator's count(), not Sequence's
        return self.members.count()

    def __len__(self) -> int:
        return self.count()

    def _row(self, membership: Membership) -> ProfileRow:
        if self._labels is None:
            self._labels = {q.key: q.label for q in questions_of(self.program)}
        labels = self._labels
        return ProfileRow(
            membership,
            membership.profile_percent,
            tuple(labels[key] for key in membership.profile_missing if key in labels),
        )

    @overload
    def __getitem__(self, index: int) -> ProfileRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[ProfileRow]: ...
    def __getitem__(self, index: int | slice) -> ProfileRow | list[ProfileRow]:
        if isinstance(index, slice):
            return [self._row(membership) for membership in self.members[index]]
        return self._row(self.members[index])


def profile_rows(
    program: Program, *, role: str = "", incomplete_only: bool = False, search: str = ""
) -> ProfileRows:
    """Mentors and mentees (approved or applied) with how complete their profile is."""
    members = profile_members(program, role=role, incomplete_only=incomplete_only, search=search)
    return ProfileRows(program, members)


# --- mentor directory --------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilter:
    question: ProfileQuestion
    options: list[str]
    selected: str


@dataclass(frozen=True)
class MentorCard:
    membership: Membership
    rows: list[AnswerRow]
    chosen_rank: int | None
    #: How well this mentor fits the viewing mentee (``tandem.matches.directory``).
    compatibility: Any = None
    #: Why the viewing mentee cannot add this mentor to their choices ("" when they can).
    unavailable: str = ""


@dataclass(frozen=True)
class Directory:
    cards: list[MentorCard]
    filters: list[DirectoryFilter]
    search: str
    total: int


def _values(question: ProfileQuestion, value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if is_answered(value):
        return [str(value)]
    return []


def mentor_directory(
    program: Program,
    *,
    mentee: Membership | None,
    search: str = "",
    selected: Mapping[str, str] | None = None,
) -> Directory:
    """Approved mentors, by name, with their public answers; ``selected`` maps a question key
    to the answer a mentor must have; ``search`` looks in names and public answers."""
    selected = selected or {}
    questions = [
        q for q in questions_of(program) if q.applies_to(Role.MENTOR) and not q.is_demographic
    ]
    mentors = list(
        Membership.objects.filter(
            program=program, role=Role.MENTOR, status=MembershipStatus.APPROVED
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    chosen: dict[int, int] = {}
    if mentee is not None:
        chosen = dict(MentorChoice.objects.filter(mentee=mentee).values_list("mentor_id", "rank"))
    filterable = [q for q in questions if q.kind in FILTER_KINDS]
    filters = []
    for question in filterable:
        options = list(question.choices)
        if not options:
            present = {v for m in mentors for v in _values(question, m.answers.get(question.key))}
            options = sorted(present)
        filters.append(DirectoryFilter(question, options, selected.get(question.key, "")))
    needle = search.strip().lower()
    cards = []
    for mentor in mentors:
        rows = public_rows(questions, mentor.answers, Role.MENTOR)
        if needle:
            haystack = " ".join([mentor.user.display_name, *(row.text for row in rows)]).lower()
            if needle not in haystack:
                continue
        if not all(
            wanted.lower() in (v.lower() for v in _values(f.question, mentor.answers.get(key)))
            for f in filters
            if (key := f.question.key) and (wanted := f.selected)
        ):
            continue
        cards.append(MentorCard(mentor, rows, chosen.get(mentor.pk)))
    return Directory(cards=cards, filters=filters, search=search, total=len(mentors))


@dataclass(frozen=True)
class Choice:
    rank: int
    mentor: Membership


def choices_of(mentee: Membership) -> list[Choice]:
    return [
        Choice(choice.rank, choice.mentor)
        for choice in MentorChoice.objects.filter(mentee=mentee)
        .select_related("mentor__user")
        .order_by("rank")
    ]


def joinable_program(user: User | AnonymousUser, organization: str, program: str) -> Program:
    """The program behind a public join link, or the same 404 as for one that does not exist.

    Drafts and closed programs are hidden; a program by invitation only is hidden from anyone
    without a place in it (see :func:`can_discover_program`). The web page and the API share it.
    """
    from tandem.enrolment.rules.applications import can_discover_program

    found = (
        Program.objects.select_related("organization")
        .filter(organization__slug=organization, slug=program)
        .exclude(status__in=[ProgramStatus.DRAFT, ProgramStatus.CLOSED])
        .first()
    )
    if found is None or not can_discover_program(user, found):
        raise Http404("No such program is taking people.")
    return found
