"""Every write about profile questions, profiles, demographic consent and mentor choices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.enrolment.answers import AnswerError, clean_answer, is_answered
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import DemographicConsent, MentorChoice, ProfileQuestion
from tandem.enrolment.rules.profiles import SELF_SELECT_MODES
from tandem.enrolment.services.readiness import refresh_program_readiness, refresh_readiness
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership, Program

#: Import columns that describe the person rather than answer a question.
RESERVED_KEYS = frozenset({"email", "full_name", "role", "pronouns"})
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CHOICE_KINDS = frozenset(
    {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES}
)
LIST_KINDS = frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES})
#: Kinds that may be paired with each other (a "wants" question against an "offers" one).
PAIRABLE = (
    frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}),
    frozenset({QuestionKind.LANGUAGES}),
    frozenset({QuestionKind.NUMBER, QuestionKind.SCALE}),
    frozenset({QuestionKind.TEXT}),
    frozenset({QuestionKind.YES_NO}),
    frozenset({QuestionKind.LOCATION}),
    frozenset({QuestionKind.TIME_ZONE}),
    frozenset({QuestionKind.AVAILABILITY}),
)
QUESTION_FIELDS = (
    "key",
    "label",
    "help_text",
    "kind",
    "audience",
    "required",
    "choices",
    "min_value",
    "max_value",
    "paired_with",
    "is_demographic",
    "use_in_matching",
)

CONSENT_TEXT = (
    "I choose to answer the demographic questions. My answers are used only for aggregate "
    "reporting about who takes part in the program (never for fewer people than the minimum "
    "group size), are never shown to other participants — not even to my mentor or mentee — and "
    "are hidden from coordinators' profile views. They are not used in matching unless I also "
    "tick “may be used for matching” and the coordinator has opted that question in. I can "
    "withdraw this consent at any time, which deletes my demographic answers."
)


class ProfileAnswerErrors(ServiceError):
    """Some answers did not fit their questions; ``errors`` maps each question key to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        key, reason = next(iter(errors.items()))
        super().__init__(f"{key}: {reason}", field=key)
        self.errors = errors


# --- questions ---------------------------------------------------------------------------


def _people_using(program: Program, key: str) -> list[Membership]:
    return list(
        Membership.objects.filter(program=program, answers__has_key=key).only("id", "answers")
    )


def _uses_choice(value: Any, choice: str) -> bool:
    if isinstance(value, list):
        return any(str(item).lower() == choice.lower() for item in value)
    return isinstance(value, str) and value.lower() == choice.lower()


def _clean_choices(raw: Iterable[Any]) -> list[str]:
    seen: dict[str, str] = {}
    for choice in raw:
        text = str(choice).strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return list(seen.values())


def _check_question(program: Program, values: dict[str, Any], question_id: int | None) -> None:
    key = values["key"]
    if not KEY_PATTERN.match(key) or len(key) > 60:
        raise ServiceError(
            f"“{key}” is not a valid key: use lower-case letters, digits, _ and - "
            "(60 characters at most), starting with a letter or digit.",
            field="key",
        )
    if key in RESERVED_KEYS:
        raise ServiceError(
            f"“{key}” is reserved for the import columns {', '.join(sorted(RESERVED_KEYS))}: "
            "choose another key.",
            field="key",
        )
    clash = ProfileQuestion.objects.filter(program=program, key=key)
    if question_id is not None:
        clash = clash.exclude(pk=question_id)
    if clash.exists():
        raise ServiceError(f"Another question already uses the key “{key}”.", field="key")
    if not str(values["label"]).strip():
        raise ServiceError("Write the question.", field="label")
    kind = values["kind"]
    if kind not in QuestionKind.values:
        raise ServiceError(
            f"“{kind}” is not a question kind: {', '.join(QuestionKind.values)}.", field="kind"
        )
    if values["audience"] not in Audience.values:
        raise ServiceError(
            f"“{values['audience']}” is not an audience: {', '.join(Audience.values)}.",
            field="audience",
        )
    if kind in {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE} and not values["choices"]:
        raise ServiceError("A choice question needs at least one choice.", field="choices")
    low, high = values["min_value"], values["max_value"]
    if low is not None and high is not None and low > high:
        raise ServiceError("The minimum must not be above the maximum.", field="max_value")
    _check_pair(program, values, question_id)


def _check_pair(program: Program, values: dict[str, Any], question_id: int | None) -> None:
    partner: ProfileQuestion | None = values["paired_with"]
    if partner is None:
        return
    if partner.program_id != program.pk or (question_id and partner.pk == question_id):
        raise ServiceError(
            "Pair the question with another question of this program.", field="paired_with"
        )
    audiences = {values["audience"], partner.audience}
    if audiences != {Audience.MENTORS, Audience.MENTEES}:
        raise ServiceError(
            f"A pair joins a mentee question to a mentor question; “{partner.label}” is for "
            f"{partner.get_audience_display().lower()} and this one for "
            f"{Audience(values['audience']).label.lower()}.",
            field="paired_with",
        )
    if not any({values["kind"], partner.kind} <= group for group in PAIRABLE):
        raise ServiceError(
            f"“{partner.label}” is a {partner.get_kind_display().lower()} question; it cannot be "
            f"compared with a {QuestionKind(values['kind']).label.lower()} one.",
            field="paired_with",
        )


def _normalise(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    if "key" in values:
        values["key"] = str(values["key"]).strip()
    if "choices" in values:
        values["choices"] = _clean_choices(values["choices"] or [])
    return values


def add_question(program: Program, *, by: User, **fields: Any) -> ProfileQuestion:
    """Add a question at the end of the form. Demographic questions stay out of matching
    unless ``use_in_matching`` says otherwise."""
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown question field: {', '.join(sorted(unknown))}.")
    values: dict[str, Any] = {
        "help_text": "",
        "audience": Audience.BOTH,
        "required": False,
        "choices": [],
        "min_value": None,
        "max_value": None,
        "paired_with": None,
        "is_demographic": False,
        "use_in_matching": None,
        **_normalise(fields),
    }
    if values["use_in_matching"] is None:
        values["use_in_matching"] = not values["is_demographic"]
    with transaction.atomic():
        _check_question(program, values, None)
        last = program.questions.aggregate(last=Max("position"))["last"]
        question = ProfileQuestion.objects.create(
            program=program, position=0 if last is None else last + 1, **values
        )
        record_audit(by, "question.added", question, changes={"key": question.key})
        refresh_program_readiness(program)
    return question


def update_question(
    question: ProfileQuestion,
    *,
    by: User,
    remove_from_answers: bool = False,
    **changes: Any,
) -> ProfileQuestion:
    """Change a question. Removing a choice that people chose is refused (saying how many)
    unless ``remove_from_answers``; changing the kind of an answered question is refused."""
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown question field: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        question = ProfileQuestion.objects.select_for_update().get(pk=question.pk)
        program = question.program
        values = {name: getattr(question, name) for name in QUESTION_FIELDS}
        values.update(_normalise(changes))
        if values["use_in_matching"] is None:
            values["use_in_matching"] = question.use_in_matching
        if values["key"] != question.key:
            raise ServiceError(
                "The key cannot change: answers and imports are stored under it.", field="key"
            )
        _check_question(program, values, question.pk)
        people = _people_using(program, question.key)
        answered = [p for p in people if is_answered(p.answers.get(question.key))]
        if values["kind"] != question.kind and answered:
            raise ServiceError(
                f"{_people(len(answered))} already answered this question; its kind cannot "
                "change. Add a new question instead.",
                field="kind",
            )
        removed = _removed_choices(question, values["choices"])
        touched: list[Membership] = []
        for choice in removed:
            users = [p for p in answered if _uses_choice(p.answers.get(question.key), choice)]
            if users and not remove_from_answers:
                raise ServiceError(
                    f"“{choice}” is still the answer of {_people(len(users))}. Keep it, or tick "
                    "“remove it from their answers too”.",
                    field="choices",
                )
            for person in users:
                _drop_choice(person, question, choice)
                if person not in touched:
                    touched.append(person)
        if touched:
            Membership.objects.bulk_update(touched, ["answers"])
        diff = {
            name: [_show(getattr(question, name)), _show(value)]
            for name, value in values.items()
            if getattr(question, name) != value
        }
        for name, value in values.items():
            setattr(question, name, value)
        if diff:
            question.save()
            audit: dict[str, Any] = dict(diff)
            if touched:
                audit["answers_changed"] = len(touched)
            record_audit(by, "question.updated", question, changes=audit)
        if diff or touched:
            refresh_program_readiness(program)
    return question


def _removed_choices(question: ProfileQuestion, new_choices: Sequence[str]) -> list[str]:
    if question.kind not in CHOICE_KINDS:
        return []
    kept = {choice.lower() for choice in new_choices}
    return [choice for choice in question.choices if choice.lower() not in kept]


def _drop_choice(person: Membership, question: ProfileQuestion, choice: str) -> None:
    value = person.answers.get(question.key)
    if isinstance(value, list):
        remaining = [item for item in value if str(item).lower() != choice.lower()]
        if remaining:
            person.answers[question.key] = remaining
        else:
            person.answers.pop(question.key, None)
    else:
        person.answers.pop(question.key, None)


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"


def _show(value: Any) -> Any:
    if isinstance(value, ProfileQuestion):
        return value.key
    return value


def delete_question(question: ProfileQuestion, *, by: User) -> None:
    """Remove a question and the answers stored under its key (a later question with the
    same key must not inherit them)."""
    with transaction.atomic():
        people = _people_using(question.program, question.key)
        for person in people:
            person.answers.pop(question.key, None)
        Membership.objects.bulk_update(people, ["answers"])
        record_audit(
            by,
            "question.deleted",
            question,
            changes={"key": question.key, "answers_removed": len(people)},
        )
        question.delete()
        refresh_program_readiness(question.program_id)


def move_question(question: ProfileQuestion, *, by: User, direction: str) -> None:
    """Swap the question with its neighbour above (``"up"``) or below (``"down"``)."""
    if direction not in {"up", "down"}:
        raise ServiceError("Move a question up or down.", field="direction")
    with transaction.atomic():
        ordered = list(
            ProfileQuestion.objects.select_for_update()
            .filter(program_id=question.program_id)
            .order_by("position", "id")
        )
        index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            item.position = position
        ProfileQuestion.objects.bulk_update(ordered, ["position"])
        record_audit(by, "question.moved", question, changes={"direction": direction})
        if ordered[index].required and ordered[other].required:
            # The missing answers are listed in form order.
            refresh_program_readiness(question.program_id)


# --- profiles ----------------------------------------------------------------------------


def questions_for(membership: Membership) -> list[ProfileQuestion]:
    """The questions the person's role is asked, in form order."""
    return [
        question
        for question in ProfileQuestion.objects.filter(program_id=membership.program_id)
        if question.applies_to(membership.role)
    ]


def has_demographic_consent(membership: Membership) -> bool:
    return DemographicConsent.objects.filter(membership=membership).exists()


def clean_profile(
    questions: Iterable[ProfileQuestion],
    answers: Mapping[str, Any],
    *,
    demographics: bool,
    partial: bool = False,
) -> dict[str, Any]:
    """Clean every answer for ``questions`` (with ``partial``, only the keys of ``answers``);
    raise :class:`ProfileAnswerErrors` naming each question at fault. Keys of other questions
    are refused too."""
    asked = {q.key: q for q in questions if demographics or not q.is_demographic}
    if partial:
        asked = {key: question for key, question in asked.items() if key in answers}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in answers:
        if key not in asked:
            errors[key] = "not a question of your profile in this program."
    for key, question in asked.items():
        try:
            cleaned[key] = clean_answer(question, answers.get(key))
        except AnswerError as error:
            errors[key] = str(error)
    if errors:
        raise ProfileAnswerErrors(errors)
    return cleaned


def save_profile(
    membership: Membership, *, by: User, answers: Mapping[str, Any], partial: bool = False
) -> list[str]:
    """Replace the person's answers to their role's questions; return the changed keys.

    With ``partial`` only the questions in ``answers`` change (the web form sends the ones its
    page showed); without, a question left out is cleared (the API's PUT).

    Demographic answers are accepted only with the person's consent. Missing required answers
    do not stop a save (completeness shows them). The audit entry lists keys, never values.
    """
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role not in {Role.MENTOR, Role.MENTEE}:
            raise ServiceError("Only mentors and mentees have a profile in a program.")
        questions = questions_for(membership)
        consented = has_demographic_consent(membership)
        demographic_keys = {q.key for q in questions if q.is_demographic}
        if not consented and demographic_keys & set(answers):
            raise ProfileAnswerErrors(
                {
                    key: "a demographic question: give your consent before answering it."
                    for key in sorted(demographic_keys & set(answers))
                }
            )
        cleaned = clean_profile(questions, answers, demographics=consented, partial=partial)
        new_answers = dict(membership.answers)
        for key, value in cleaned.items():
            if is_answered(value):
                new_answers[key] = value
            else:
                new_answers.pop(key, None)
        changed = sorted(
            key
            for key in set(new_answers) | set(membership.answers)
            if new_answers.get(key) != membership.answers.get(key)
        )
        if changed:
            membership.answers = new_answers
            membership.save(update_fields=["answers", "updated_at"])
            record_audit(by, "profile.saved", membership, changes={"changed": changed})
            refresh_readiness(membership)
    return changed


def give_demographic_consent(
    membership: Membership, *, by: User, allow_matching: bool = False
) -> DemographicConsent:
    """Record (or update) the person's consent to answer demographic questions."""
    with transaction.atomic():
        consent, created = DemographicConsent.objects.get_or_create(
            membership=membership,
            defaults={"consent_text": CONSENT_TEXT, "allow_matching": allow_matching},
        )
        if not created and consent.allow_matching != allow_matching:
            consent.allow_matching = allow_matching
            consent.save(update_fields=["allow_matching"])
        elif not created:
            return consent
        record_audit(
            by,
            "demographics.consented" if created else "demographics.consent_changed",
            membership,
            changes={"allow_matching": allow_matching},
        )
    return consent


def withdraw_demographic_consent(membership: Membership, *, by: User) -> None:
    """Withdraw consent and delete every demographic answer the person gave."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        deleted, _ = DemographicConsent.objects.filter(membership=membership).delete()
        keys = set(
            ProfileQuestion.objects.filter(
                program_id=membership.program_id, is_demographic=True
            ).values_list("key", flat=True)
        )
        removed = sorted(keys & set(membership.answers))
        for key in removed:
            membership.answers.pop(key)
        if removed:
            membership.save(update_fields=["answers", "updated_at"])
        if deleted or removed:
            record_audit(
                by, "demographics.withdrawn", membership, changes={"answers_deleted": removed}
            )


# --- mentor choices ----------------------------------------------------------------------


def current_choices(mentee: Membership) -> list[int]:
    return list(
        MentorChoice.objects.filter(mentee=mentee)
        .order_by("rank")
        .values_list("mentor_id", flat=True)
    )


def set_choices(mentee: Membership, *, by: User, mentor_ids: Sequence[int]) -> list[int]:
    """Replace the mentee's ranked mentor choices (first = favourite)."""
    with transaction.atomic():
        mentee = Membership.objects.select_for_update().select_related("program").get(pk=mentee.pk)
        program = mentee.program
        if program.matching_mode not in SELF_SELECT_MODES:
            raise ServiceError(
                "In this program the coordinators match people; mentees do not choose mentors.",
                field="mentors",
            )
        if mentee.role != Role.MENTEE or mentee.status != MembershipStatus.APPROVED:
            raise ServiceError("Only approved mentees choose mentors.", field="mentors")
        ids = list(mentor_ids)
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ServiceError(
                f"A mentor can be chosen only once (mentor {duplicates[0]} appears twice).",
                field="mentors",
            )
        if len(ids) > program.max_choices:
            raise ServiceError(
                f"You can choose at most {program.max_choices} mentors; remove one first.",
                field="mentors",
            )
        mentors = set(
            Membership.objects.filter(
                program=program,
                pk__in=ids,
                role=Role.MENTOR,
                status=MembershipStatus.APPROVED,
            ).values_list("pk", flat=True)
        )
        unknown = [i for i in ids if i not in mentors]
        if unknown:
            raise ServiceError(
                f"{unknown[0]} is not an approved mentor of this program.", field="mentors"
            )
        before = current_choices(mentee)
        if before == ids:
            return ids
        MentorChoice.objects.filter(mentee=mentee).delete()
        MentorChoice.objects.bulk_create(
            [
                MentorChoice(mentee=mentee, mentor_id=mentor_id, rank=rank)
                for rank, mentor_id in enumerate(ids, start=1)
            ]
        )
        record_audit(by, "choices.saved", mentee, changes={"mentors": [before, ids]})
    return ids


def add_choice(mentee: Membership, *, by: User, mentor: Membership) -> list[int]:
    choices = current_choices(mentee)
    if mentor.pk in choices:
        raise ServiceError(
            f"{mentor.user.display_name} is already one of your choices.", field="mentors"
        )
    if len(choices) >= mentee.program.max_choices:
        raise ServiceError(
            f"Your list is full: you can choose at most {mentee.program.max_choices} mentors. "
            "Remove one first.",
            field="mentors",
        )
    return set_choices(mentee, by=by, mentor_ids=[*choices, mentor.pk])


def remove_choice(mentee: Membership, *, by: User, mentor_id: int) -> list[int]:
    choices = current_choices(mentee)
    return set_choices(mentee, by=by, mentor_ids=[i for i in choices if i != mentor_id])


def move_choice(mentee: Membership, *, by: User, mentor_id: int, direction: str) -> list[int]:
    choices = current_choices(mentee)
    if mentor_id not in choices:
        raise ServiceError("This mentor is not one of your choices.", field="mentors")
    index = choices.index(mentor_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(choices):
        choices[index], choices[other] = choices[other], choices[index]
    return set_choices(mentee, by=by, mentor_ids=choices)
