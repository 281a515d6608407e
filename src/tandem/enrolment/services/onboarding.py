"""Every write about the confidentiality agreement, training modules and enrolment reminders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from tandem.core import text as core_text
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.models import (
    Agreement,
    AgreementAcceptance,
    TrainingCompletion,
    TrainingModule,
)
from tandem.enrolment.readiness import LEFT_STATUSES, current_agreement, program_funnel
from tandem.enrolment.services.readiness import refresh_program_readiness, refresh_readiness
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify, notify_many
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program

if TYPE_CHECKING:
    from tandem.accounts.models import User

PARTICIPANT_ROLES = (Role.MENTOR, Role.MENTEE)

#: A starting point coordinators can adapt; nothing is in force until they publish it.
DEFAULT_AGREEMENT_TEXT = """\
By taking part in this mentoring program, I agree to the following.

1. Confidentiality. What my mentoring partner and I discuss stays between us. I do not share \
it with anyone — including managers and program coordinators — without my partner's \
permission, unless someone's safety is at risk or the law requires it.

2. Respect. I treat my partner with respect, listen without judgement, and respect our \
differences in background, experience and point of view.

3. Time commitment. I come to the meetings we agree on, on time and prepared, and I tell my \
partner early when I cannot make it. I stay with the program for its whole length.

4. Raising concerns. If something in the relationship makes me uncomfortable, or I think this \
agreement has been broken, I talk to my partner or to a program coordinator, who will treat \
it in confidence.

5. No-fault ending. Either of us may end the mentoring relationship at any time by telling a \
coordinator, without having to give a reason and without blame on either side.
"""


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show (see :func:`tandem.core.text.render_markdown`)."""
    return core_text.render_markdown(text)


def _check_participant(membership: Membership) -> None:
    if membership.role not in PARTICIPANT_ROLES:
        raise ServiceError("Only mentors and mentees accept the agreement and take training.")


# --- the agreement --------------------------------------------------------------------------


def publish_agreement(program: Program, *, text: str, by: User) -> Agreement:
    """Publish ``text`` as the program's agreement. A changed text is a new version (older
    versions are never edited); people who had accepted an older one are asked again.
    Publishing the current text unchanged returns the current version."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError("Write the agreement's text before publishing it.", field="text")
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        current = current_agreement(program)
        if current is not None and current.text == text:
            return current
        version = (current.version if current else 0) + 1
        agreement = Agreement.objects.create(
            program=program, version=version, text=text, published_by=by
        )
        record_audit(by, "agreement.published", agreement, changes={"version": version})
        refresh_program_readiness(program)
        if current is not None:
            earlier = (
                Membership.objects.filter(
                    agreement_acceptances__agreement__program=program,
                    role__in=PARTICIPANT_ROLES,
                )
                .exclude(status__in=LEFT_STATUSES)
                .select_related("user")
                .distinct()
            )
            url = f"{program.get_absolute_url()}agreement/"
            for membership in earlier:
                notify(
                    membership.user,
                    kind=NotificationKind.AGREEMENT_CHANGED,
                    program=program,
                    context={"version": version},
                    url=url,
                )
    return agreement


def accept_agreement(
    membership: Membership, *, by: User, version: int | None = None
) -> AgreementAcceptance:
    """Accept the program's current agreement; ``version`` guards against accepting a text
    that was replaced while the person was reading it."""
    _check_participant(membership)
    with transaction.atomic():
        agreement = current_agreement(membership.program)
        if agreement is None:
            raise ServiceError("This program has no agreement to accept.")
        if version is not None and version != agreement.version:
            raise ServiceError(
                f"Version {version} is no longer current: read and accept version "
                f"{agreement.version}.",
                field="version",
            )
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            membership=membership, agreement=agreement
        )
        if created:
            record_audit(
                by, "agreement.accepted", membership, changes={"version": agreement.version}
            )
            refresh_readiness(membership)
    return acceptance


# --- training modules -------------------------------------------------------------------------


def clean_quiz(quiz: Any) -> list[dict[str, Any]]:
    """Check a quiz: each question has a text, at least two different options and a right one."""
    if quiz in (None, ""):
        return []
    if not isinstance(quiz, list):
        raise ServiceError("The quiz must be a list of questions.", field="quiz")
    cleaned = []
    for number, item in enumerate(quiz, start=1):
        if not isinstance(item, dict):
            raise ServiceError(f"Question {number} must have a question and options.", field="quiz")
        question = str(item.get("question", "")).strip()
        options = [str(option).strip() for option in item.get("options") or []]
        options = [option for option in options if option]
        if not question:
            raise ServiceError(f"Question {number} has no text.", field="quiz")
        if len(options) < 2:
            raise ServiceError(f"Question {number} needs at least two options.", field="quiz")
        if len({option.lower() for option in options}) != len(options):
            raise ServiceError(f"Question {number} has the same option twice.", field="quiz")
        answer = item.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ServiceError(
                f"Question {number}: say which option is right (1 to {len(options)}).",
                field="quiz",
            )
        if not 0 <= answer < len(options):
            raise ServiceError(
                f"Question {number}: the right answer must be one of its {len(options)} options.",
                field="quiz",
            )
        cleaned.append({"question": question, "options": options, "answer": answer})
    return cleaned


def _clean_module_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - {"title", "body", "required_for", "quiz", "pass_mark"}
    if unknown:
        raise ServiceError(f"Unknown training module field: {', '.join(sorted(unknown))}.")
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = str(cleaned["title"]).strip()
        if not cleaned["title"]:
            raise ServiceError("Give the module a title.", field="title")
        if len(cleaned["title"]) > 200:
            raise ServiceError("The title is too long: 200 characters at most.", field="title")
    if "body" in cleaned:
        cleaned["body"] = str(cleaned["body"]).replace("\r\n", "\n").strip()
        if not cleaned["body"]:
            raise ServiceError("Write the module's text.", field="body")
    if "required_for" in cleaned:
        roles = list(dict.fromkeys(cleaned["required_for"] or []))
        wrong = [role for role in roles if role not in PARTICIPANT_ROLES]
        if wrong:
            raise ServiceError(
                f"“{wrong[0]}” is not a role that takes training: use mentor or mentee.",
                field="required_for",
            )
        cleaned["required_for"] = [str(role) for role in roles]
    if "quiz" in cleaned:
        cleaned["quiz"] = clean_quiz(cleaned["quiz"])
    if "pass_mark" in cleaned:
        pass_mark = cleaned["pass_mark"]
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, int):
            raise ServiceError("The pass mark is a whole number from 0 to 100.", field="pass_mark")
        if not 0 <= pass_mark <= 100:
            raise ServiceError("The pass mark is a percentage from 0 to 100.", field="pass_mark")
    return cleaned


def create_module(
    program: Program,
    *,
    by: User,
    title: str,
    body: str,
    required_for: Sequence[str] = (),
    quiz: list[dict[str, Any]] | None = None,
    pass_mark: int = 80,
) -> TrainingModule:
    fields = _clean_module_fields(
        {
            "title": title,
            "body": body,
            "required_for": list(required_for),
            "quiz": quiz or [],
            "pass_mark": pass_mark,
        }
    )
    with transaction.atomic():
        last = TrainingModule.objects.filter(program=program).aggregate(last=Max("position"))
        position = 0 if last["last"] is None else last["last"] + 1
        module = TrainingModule.objects.create(program=program, position=position, **fields)
        record_audit(by, "training.module_created", module, changes={"title": module.title})
        if module.required_for:
            refresh_program_readiness(program)
    return module


def update_module(module: TrainingModule, *, by: User, **fields: Any) -> TrainingModule:
    cleaned = _clean_module_fields(fields)
    with transaction.atomic():
        module = TrainingModule.objects.select_for_update().get(pk=module.pk)
        changed = [name for name, value in cleaned.items() if getattr(module, name) != value]
        was_required = bool(module.required_for)
        for name in changed:
            setattr(module, name, cleaned[name])
        if changed:
            module.save(update_fields=changed)
            record_audit(by, "training.module_updated", module, changes={"fields": changed})
            if "required_for" in changed or ("title" in changed and was_required):
                refresh_program_readiness(module.program_id)
    return module


def delete_module(module: TrainingModule, *, by: User) -> None:
    with transaction.atomic():
        record_audit(by, "training.module_deleted", module, changes={"title": module.title})
        required = bool(module.required_for)
        program_id = module.program_id
        module.delete()
        if required:
            refresh_program_readiness(program_id)


def reorder_modules(program: Program, *, order: Sequence[int], by: User) -> list[TrainingModule]:
    """Put the program's modules in the order of ``order`` (module ids; every module once)."""
    with transaction.atomic():
        modules = {
            module.pk: module
            for module in TrainingModule.objects.select_for_update().filter(program=program)
        }
        if sorted(order) != sorted(modules) or len(set(order)) != len(order):
            raise ServiceError(
                "Give every module of the program exactly once "
                f"(module ids: {', '.join(str(pk) for pk in sorted(modules))}).",
                field="order",
            )
        for position, module_id in enumerate(order):
            modules[module_id].position = position
        TrainingModule.objects.bulk_update(modules.values(), ["position"])
        record_audit(by, "training.modules_reordered", program, changes={"order": list(order)})
        if sum(1 for module in modules.values() if module.required_for) > 1:
            # The training left is listed in module order.
            refresh_program_readiness(program)
    return sorted(modules.values(), key=lambda module: module.position)


def move_module(module: TrainingModule, *, by: User, step: int) -> list[TrainingModule]:
    """Move a module one place up (``step=-1``) or down (``step=1``)."""
    ids = list(
        TrainingModule.objects.filter(program_id=module.program_id).values_list("id", flat=True)
    )
    index = ids.index(module.pk)
    target = max(0, min(len(ids) - 1, index + step))
    ids.insert(target, ids.pop(index))
    return reorder_modules(module.program, order=ids, by=by)


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    #: Numbers (from 1) of the questions answered wrongly; the right answers are not revealed.
    wrong: tuple[int, ...]
    pass_mark: int


def _record_completion(
    membership: Membership, module: TrainingModule, *, by: User, score: int | None
) -> TrainingCompletion:
    try:
        with transaction.atomic():
            completion, created = TrainingCompletion.objects.get_or_create(
                membership=membership, module=module, defaults={"score": score}
            )
    except IntegrityError:  # completed twice at once: the other one won
        return TrainingCompletion.objects.get(membership=membership, module=module)
    if created:
        record_audit(
            by,
            "training.completed",
            membership,
            changes={"module": module.title, "score": score},
        )
        refresh_readiness(membership)
    return completion


def acknowledge_module(
    membership: Membership, module: TrainingModule, *, by: User
) -> TrainingCompletion:
    """ "I have read this": completes a module that has no quiz."""
    _check_participant(membership)
    if module.program_id != membership.program_id:
        raise ServiceError("This module belongs to another program.")
    if module.quiz:
        raise ServiceError("This module ends with a quiz: answer it to complete the module.")
    with transaction.atomic():
        return _record_completion(membership, module, by=by, score=None)


def _option_index(options: list[str], raw: Any) -> int | None:
    """The index of an answer given as the option's text or its position (from 0)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw < len(options) else None
    text = str(raw).strip()
    if text.isdigit():
        index = int(text)
        return index if 0 <= index < len(options) else None
    lowered = [option.lower() for option in options]
    return lowered.index(text.lower()) if text.lower() in lowered else None


def answer_quiz(
    membership: Membership, module: TrainingModule, *, answers: Sequence[Any], by: User
) -> QuizResult:
    """Score a quiz attempt. Passing records the completion with its score; failing records
    nothing, so the person can try again. Each answer is an option's text or its index."""
    _check_participant(membership)
    if module.program_id != membership.program_id:
        raise ServiceError("This module belongs to another program.")
    if not module.quiz:
        raise ServiceError("This module has no quiz: acknowledge that you have read it.")
    answers = list(answers)
    right = 0
    wrong: list[int] = []
    for number, question in enumerate(module.quiz, start=1):
        options = question["options"]
        allowed = ", ".join(f"“{option}”" for option in options)
        raw = answers[number - 1] if number <= len(answers) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ServiceError(
                f"Question {number} is not answered: choose one of {allowed}.",
                field=f"question_{number}",
            )
        index = _option_index(options, raw)
        if index is None:
            raise ServiceError(
                f"Question {number}: “{raw}” is not one of the allowed options: {allowed}.",
                field=f"question_{number}",
            )
        if index == question["answer"]:
            right += 1
        else:
            wrong.append(number)
    if len(answers) > len(module.quiz):
        raise ServiceError(
            f"The quiz has {len(module.quiz)} questions; {len(answers)} answers were given.",
            field="answers",
        )
    score = round(100 * right / len(module.quiz))
    passed = score >= module.pass_mark
    if passed:
        with transaction.atomic():
            completion = _record_completion(membership, module, by=by, score=score)
            if completion.score is not None and completion.score < score:
                completion.score = score
                completion.save(update_fields=["score"])
    return QuizResult(score=score, passed=passed, wrong=tuple(wrong), pass_mark=module.pass_mark)


# --- reminders ---------------------------------------------------------------------------------


def send_enrolment_reminders(
    program: Program,
    *,
    by: User,
    step: FunnelStep | None = None,
    membership_ids: Iterable[int] | None = None,
) -> int:
    """Remind people what is left before matching: those stuck at ``step``, or the people in
    ``membership_ids``. One notification per person; people with nothing left to do
    themselves are skipped. Returns how many people were reminded."""
    funnel = program_funnel(program)
    people = funnel.stuck_at(step) if step is not None else funnel.people
    if membership_ids is not None:
        wanted = set(membership_ids)
        people = [person for person in people if person.membership.pk in wanted]
    url = f"{program.get_absolute_url()}getting-ready/"
    messages = [
        Message(
            recipient=person.membership.user,
            context={"items": person.readiness.todo, "role": person.membership.get_role_display()},
            url=url,
        )
        for person in people
        if person.readiness.todo
    ]
    reminded = len(messages)
    with transaction.atomic():
        # In bulk: one insert and one e-mail task per 200 people, however many are reminded.
        notify_many(messages, kind=NotificationKind.ENROLMENT_REMINDER, program=program)
        if reminded:
            record_audit(
                by,
                "enrolment.reminders_sent",
                program,
                changes={"step": step.value if step else None, "people": reminded},
            )
    return reminded
