"""Profile questions, my profile, members' profiles, the mentor directory and my choices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.enrolment import queries
from tandem.enrolment.answers import completeness
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import DemographicConsent, ProfileQuestion
from tandem.enrolment.rules import profiles as rules
from tandem.enrolment.services import profiles as services
from tandem.programs.access import Access
from tandem.programs.enums import Role
from tandem.programs.models import Membership

router = Router(tags=["profiles"])

PROGRAM = "/organizations/{org}/programs/{program}"


class QuestionOut(Schema):
    id: int
    key: str
    label: str
    help_text: str
    kind: QuestionKind
    audience: Audience
    required: bool
    choices: list[str]
    min_value: float | None
    max_value: float | None
    paired_with: str | None
    is_demographic: bool
    use_in_matching: bool
    position: int


class QuestionIn(Schema):
    key: str = Field(min_length=1, max_length=60)
    label: str = Field(min_length=1, max_length=200)
    kind: QuestionKind
    help_text: str = Field("", max_length=300)
    audience: Audience = Audience.BOTH
    required: bool = False
    choices: list[str] = []
    min_value: float | None = None
    max_value: float | None = None
    #: The key of the paired question.
    paired_with: str | None = None
    is_demographic: bool = False
    #: Default: true, except for demographic questions.
    use_in_matching: bool | None = None


class QuestionPatch(Schema):
    label: str | None = Field(None, min_length=1, max_length=200)
    kind: QuestionKind | None = None
    help_text: str | None = Field(None, max_length=300)
    audience: Audience | None = None
    required: bool | None = None
    choices: list[str] | None = None
    min_value: float | None = None
    max_value: float | None = None
    paired_with: str | None = None
    is_demographic: bool | None = None
    use_in_matching: bool | None = None
    #: Also strip removed choices from people's answers (otherwise removing a used one is 422).
    remove_from_answers: bool = False


class CompletenessOut(Schema):
    percent: int
    answered: int
    total: int
    missing_required: list[str]


class ProfileOut(Schema):
    membership_id: int
    name: str
    role: str
    status: str
    answers: dict[str, Any]
    completeness: CompletenessOut
    demographic_consent: bool | None = None


class ProfileIn(Schema):
    answers: dict[str, Any]


class MentorOut(Schema):
    membership_id: int
    name: str
    pronouns: str
    answers: dict[str, Any]
    chosen_rank: int | None


class ChoicesIn(Schema):
    mentors: list[int]


class ChoicesOut(Schema):
    max_choices: int
    mentors: list[int]


def _question_out(question: ProfileQuestion) -> dict[str, Any]:
    return {
        "id": question.pk,
        "key": question.key,
        "label": question.label,
        "help_text": question.help_text,
        "kind": question.kind,
        "audience": question.audience,
        "required": question.required,
        "choices": question.choices,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "paired_with": question.paired_with.key if question.paired_with else None,
        "is_demographic": question.is_demographic,
        "use_in_matching": question.use_in_matching,
        "position": question.position,
    }


def _partner(access: Access, key: str | None) -> ProfileQuestion | None:
    if not key:
        return None
    partner = ProfileQuestion.objects.filter(program=access.program_or_404, key=key).first()
    if partner is None:
        raise ServiceError(f"No question of this program has the key “{key}”.", field="paired_with")
    return partner


def _question(access: Access, question_id: int) -> ProfileQuestion:
    return get_object_or_404(
        ProfileQuestion.objects.select_related("paired_with"),
        pk=question_id,
        program=access.program_or_404,
    )


@router.get(PROGRAM + "/questions", response=list[QuestionOut])
def question_list(request: HttpRequest, org: str, program: str) -> list[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_questions, access)
    return [_question_out(q) for q in queries.questions_of(access.program_or_404)]


@router.post(
    PROGRAM + "/questions",
    response={201: QuestionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def question_create(
    request: HttpRequest, org: str, program: str, payload: QuestionIn
) -> Status[dict[str, Any]]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_questions, access)
    fields = payload.dict()
    fields["paired_with"] = _partner(access, payload.paired_with)
    question = services.add_question(access.program_or_404, by=access.user, **fields)
    return Status(201, _question_out(question))


@router.patch(
    PROGRAM + "/questions/{question_id}",
    response={200: QuestionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def question_update(
    request: HttpRequest, org: str, program: str, question_id: int, payload: QuestionPatch
) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_questions, access)
    question = _question(access, question_id)
    changes = payload.dict(exclude_unset=True)
    remove = changes.pop("remove_from_answers", False)
    if "paired_with" in changes:
        changes["paired_with"] = _partner(access, changes["paired_with"])
    nullable = {"paired_with", "min_value", "max_value"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    updated = services.update_question(
        question, by=access.user, remove_from_answers=remove, **changes
    )
    return _question_out(updated)


@router.delete(
    PROGRAM + "/questions/{question_id}", response={204: None, 403: ErrorOut, 404: ErrorOut}
)
def question_delete(request: HttpRequest, org: str, program: str, question_id: int) -> Status[None]:
    access = program_access(request, org, program)
    check_rule(rules.can_manage_questions, access)
    services.delete_question(_question(access, question_id), by=access.user)
    return Status(204, None)


def _profile_out(membership: Membership, *, own: bool) -> dict[str, Any]:
    """A profile; demographic answers only for the person themself."""
    questions = list(queries.questions_of(membership.program))
    demographic = {q.key for q in questions if q.is_demographic}
    done = completeness(questions, membership.answers, membership.role)
    answers = {k: v for k, v in membership.answers.items() if own or k not in demographic}
    return {
        "membership_id": membership.pk,
        "name": membership.user.display_name,
        "role": membership.role,
        "status": membership.status,
        "answers": answers,
        "completeness": {
            "percent": done.percent,
            "answered": done.answered,
            "total": done.total,
            "missing_required": list(done.missing_required),
        },
        "demographic_consent": (
            DemographicConsent.objects.filter(membership=membership).exists() if own else None
        ),
    }


def _own(access: Access) -> Membership:
    check_rule(rules.can_edit_own_profile, access)
    assert access.membership is not None  # guaranteed by the rule
    return access.membership


@router.get(PROGRAM + "/profile", response={200: ProfileOut, 403: ErrorOut, 404: ErrorOut})
def my_profile(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    access = program_access(request, org, program)
    return _profile_out(_own(access), own=True)


@router.put(
    PROGRAM + "/profile", response={200: ProfileOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def my_profile_save(
    request: HttpRequest, org: str, program: str, payload: ProfileIn
) -> dict[str, Any]:
    """Replace my answers. 422 names the first question key at fault and why."""
    access = program_access(request, org, program)
    membership = _own(access)
    services.save_profile(membership, by=access.user, answers=payload.answers)
    membership.refresh_from_db()
    return _profile_out(membership, own=True)


@router.get(
    PROGRAM + "/profiles/{membership_id}",
    response={200: ProfileOut, 403: ErrorOut, 404: ErrorOut},
)
def member_profile(
    request: HttpRequest, org: str, program: str, membership_id: int
) -> dict[str, Any]:
    """A participant's profile for coordinators; demographic answers are never included."""
    access = program_access(request, org, program)
    check_rule(rules.can_view_profiles, access)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "program"),
        pk=membership_id,
        program=access.program_or_404,
        role__in=[Role.MENTOR, Role.MENTEE],
    )
    return _profile_out(membership, own=False)


class DirectoryQuery(Schema):
    q: str = ""


@router.get(PROGRAM + "/mentors", response={200: list[MentorOut], 403: ErrorOut, 404: ErrorOut})
def mentor_directory(
    request: HttpRequest, org: str, program: str, filters: Query[DirectoryQuery]
) -> list[dict[str, Any]]:
    """Approved mentors by name with their public answers. Filter on an answer with
    ``?f_<question key>=<value>``; ``q`` searches names and answers."""
    access = program_access(request, org, program)
    check_rule(rules.can_browse_directory, access)
    selected = {
        key.removeprefix("f_"): str(value)
        for key, value in request.GET.items()
        if key.startswith("f_") and value
    }
    directory = queries.mentor_directory(
        access.program_or_404, mentee=access.membership, search=filters.q, selected=selected
    )
    return [
        {
            "membership_id": card.membership.pk,
            "name": card.membership.user.display_name,
            "pronouns": card.membership.user.pronouns,
            "answers": {row.question.key: row.value for row in card.rows},
            "chosen_rank": card.chosen_rank,
        }
        for card in directory.cards
    ]


@router.get(PROGRAM + "/choices", response={200: ChoicesOut, 403: ErrorOut, 404: ErrorOut})
def my_choices(request: HttpRequest, org: str, program: str) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(rules.can_choose_mentors, access)
    assert access.membership is not None  # guaranteed by the rule
    return {
        "max_choices": access.program_or_404.max_choices,
        "mentors": services.current_choices(access.membership),
    }


@router.put(
    PROGRAM + "/choices", response={200: ChoicesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def my_choices_save(
    request: HttpRequest, org: str, program: str, payload: ChoicesIn
) -> dict[str, Any]:
    """Replace my ranked choices: mentor membership ids, favourite first."""
    access = program_access(request, org, program)
    check_rule(rules.can_choose_mentors, access)
    assert access.membership is not None  # guaranteed by the rule
    mentors = services.set_choices(access.membership, by=access.user, mentor_ids=payload.mentors)
    return {"max_choices": access.program_or_404.max_choices, "mentors": mentors}
