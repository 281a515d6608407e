"""From a program's people and settings to the engine's :class:`tandem.matching.Problem`.

Ids given to the engine are membership ids (as strings), so every answer maps straight back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from tandem import matching
from tandem.enrolment.models import MentorChoice, ProfileQuestion
from tandem.matches.enums import CriterionKind, PairRuleKind
from tandem.matches.models import MatchingCriterion, PairRule
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program

#: Engine field holding a person's e-mail, so that "manager" answers (e-mails) can name people.
MANAGER_KEY = "manager"
#: The mentee's answer to "someone with a communication style like mine, or different?"
PREFERENCE_KEY = "communication_style_preference"

#: The criteria a new program matches on, by starter-question key (skipped if deleted).
#: (kind, mentee key, mentor key, weight, hard, params)
DEFAULT_CRITERIA: tuple[tuple[CriterionKind, str, str, float, bool, dict[str, Any]], ...] = (
    (CriterionKind.COMPLEMENT, "skills_wanted", "skills_offered", 3.0, False, {}),
    (CriterionKind.TEXT, "goals", "experience", 2.0, False, {}),
    (CriterionKind.OVERLAP, "interests", "interests", 1.0, False, {}),
    (CriterionKind.SAME, "industry", "industry", 1.0, False, {}),
    (
        CriterionKind.GAP,
        "years_experience",
        "years_experience",
        1.0,
        False,
        {"target": [3, 20], "tolerance": 5},
    ),
    (CriterionKind.TIMEZONE, "time_zone", "time_zone", 1.0, False, {"scale_hours": 8}),
    (CriterionKind.AVAILABILITY, "availability", "availability", 1.0, False, {"need": 2}),
    (
        CriterionKind.PREFERENCE,
        "communication_style",
        "communication_style",
        1.0,
        False,
        {"preference_field": PREFERENCE_KEY},
    ),
    (CriterionKind.SHARES_LANGUAGE, "languages", "languages", 0.0, True, {}),
    (CriterionKind.NOT_MANAGER, MANAGER_KEY, MANAGER_KEY, 0.0, True, {}),
)


def install_default_criteria(program: Program) -> list[MatchingCriterion]:
    """Give a program the default criteria (once; a program that has criteria keeps them)."""
    if program.matching_criteria.exists():
        return list(program.matching_criteria.all())
    questions = {q.key: q for q in ProfileQuestion.objects.filter(program=program)}
    created = []
    for position, (kind, mentee_key, mentor_key, weight, hard, params) in enumerate(
        DEFAULT_CRITERIA
    ):
        mentee_question, mentor_question = questions.get(mentee_key), questions.get(mentor_key)
        if mentee_question is None or mentor_question is None:
            continue
        if "preference_field" in params and params["preference_field"] not in questions:
            continue
        created.append(
            MatchingCriterion(
                program=program,
                kind=kind,
                mentee_question=mentee_question,
                mentor_question=None if mentor_key == mentee_key else mentor_question,
                weight=weight,
                hard=hard,
                params=params,
                position=position,
            )
        )
    return MatchingCriterion.objects.bulk_create(created)


def engine_criterion(criterion: MatchingCriterion) -> matching.Criterion:
    mentor_question = criterion.mentor_question or criterion.mentee_question
    return matching.Criterion(
        kind=criterion.kind,
        mentee_field=criterion.mentee_question.key,
        mentor_field=mentor_question.key,
        weight=criterion.weight,
        hard=criterion.hard,
        threshold=criterion.threshold,
        params=dict(criterion.params),
        label=criterion_label(criterion),
    )


def criterion_label(criterion: MatchingCriterion) -> str:
    """A short column name: the question key(s) and the kind."""
    mentor = criterion.mentor_question
    if mentor is None or mentor.pk == criterion.mentee_question_id:
        return f"{criterion.kind}:{criterion.mentee_question.key}"
    return f"{criterion.kind}:{criterion.mentee_question.key}/{mentor.key}"


def field_value(kind: str, value: Any) -> matching.model.FieldValue:
    """A stored answer as the engine expects it."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):  # location
        if value.get("lat") is not None and value.get("lon") is not None:
            return (float(value["lat"]), float(value["lon"]))
        return None
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


@dataclass
class Pool:
    """The people a run matches and everything the engine needs about them."""

    mentees: list[Membership]
    mentors: list[Membership]
    problem: matching.Problem
    criteria: list[MatchingCriterion]

    @property
    def memberships(self) -> dict[str, Membership]:
        return {str(m.pk): m for m in [*self.mentees, *self.mentors]}


def mentor_capacity(membership: Membership) -> int:
    """Places a mentor offers: their "capacity" answer (0 is a real answer), 1 if unanswered."""
    answer = membership.answers.get("capacity")
    if answer is None or answer == "":
        return 1
    try:
        return max(0, int(answer))
    except (TypeError, ValueError):
        return 1


def ready_pool(program: Program) -> tuple[list[Membership], list[Membership]]:
    """Mentees and mentors who are ready to match, by name (the stored readiness, see
    ``tandem.enrolment.services.readiness``; rows still unchecked are computed first)."""
    from tandem.enrolment.enums import FunnelStep
    from tandem.enrolment.readiness import funnel_members
    from tandem.enrolment.services.readiness import refresh_all_stale_readiness

    refresh_all_stale_readiness(program.pk)
    ready = list(
        funnel_members(program)
        .filter(readiness_stage=FunnelStep.READY)
        .select_related("user")
        .order_by("user__full_name", "user__email", "id")
    )
    mentees = [m for m in ready if m.role == Role.MENTEE]
    mentors = [m for m in ready if m.role == Role.MENTOR]
    return mentees, mentors


def build_problem(
    program: Program,
    *,
    mentees: Sequence[Membership],
    mentors: Sequence[Membership],
    criteria: Sequence[MatchingCriterion] | None = None,
    extra_locks: Iterable[tuple[int, int]] = (),
    extra_forbids: Iterable[tuple[int, int]] = (),
    free_capacity: Mapping[int, int] | None = None,
) -> Pool:
    """Turn memberships, criteria, pair rules, choices and history into an engine problem.

    ``free_capacity`` overrides mentors' capacities (e.g. places left after relationships that
    already exist). Locks and forbids are the program's :class:`PairRule` rows plus extras.
    """
    if criteria is None:
        criteria = list(
            program.matching_criteria.select_related("mentee_question", "mentor_question")
        )
    mentee_ids = {m.pk for m in mentees}
    mentor_ids = {m.pk for m in mentors}
    email_to_id = {m.user.email.lower(): str(m.pk) for m in [*mentees, *mentors]}
    keys: dict[str, str] = {}
    for criterion in criteria:
        keys[criterion.mentee_question.key] = criterion.mentee_question.kind
        mentor_question = criterion.mentor_question or criterion.mentee_question
        keys[mentor_question.key] = mentor_question.kind
        wish = (criterion.params or {}).get("preference_field")
        if isinstance(wish, str) and wish:
            keys.setdefault(wish, "single_choice")

    choices: dict[int, list[str]] = {}
    for choice in MentorChoice.objects.filter(mentee_id__in=mentee_ids).order_by("rank"):
        if choice.mentor_id in mentor_ids:
            choices.setdefault(choice.mentee_id, []).append(str(choice.mentor_id))

    def person(membership: Membership) -> matching.Person:
        fields: dict[str, matching.model.FieldValue] = {"name": membership.user.display_name}
        for key, kind in keys.items():
            raw = membership.answers.get(key)
            if key == MANAGER_KEY:
                manager = email_to_id.get(str(raw or "").strip().lower())
                fields[key] = manager
            else:
                fields[key] = field_value(kind, raw)
        if membership.role == Role.MENTOR:
            capacity = (
                free_capacity.get(membership.pk, mentor_capacity(membership))
                if free_capacity is not None
                else mentor_capacity(membership)
            )
            return matching.Person(
                id=str(membership.pk),
                role="mentor",
                fields=fields,
                capacity_min=0,
                capacity_max=capacity,
            )
        return matching.Person(
            id=str(membership.pk),
            role="mentee",
            fields=fields,
            choices=tuple(choices.get(membership.pk, ())),
        )

    rules = PairRule.objects.filter(
        program=program, mentee_id__in=mentee_ids, mentor_id__in=mentor_ids
    )
    locked = [(r.mentee_id, r.mentor_id) for r in rules if r.kind == PairRuleKind.LOCK]
    forbidden = [(r.mentee_id, r.mentor_id) for r in rules if r.kind == PairRuleKind.FORBID]
    locked += [pair for pair in extra_locks if pair[0] in mentee_ids and pair[1] in mentor_ids]
    forbidden += [pair for pair in extra_forbids if pair[0] in mentee_ids and pair[1] in mentor_ids]
    past = past_pairs(program, mentees, mentors)
    problem = matching.Problem.build(
        [person(m) for m in mentees] + [person(m) for m in mentors],
        [engine_criterion(c) for c in criteria],
        choices=matching.ChoicePolicy(bonus=(0.3, 0.2, 0.1)),
        locked=[(str(a), str(b)) for a, b in dict.fromkeys(locked)],
        forbidden=[(str(a), str(b)) for a, b in dict.fromkeys(forbidden)],
        past=[(str(a), str(b)) for a, b in past],
        groups=matching.GroupPolicy(
            diversity_fields=tuple(key for key in ("industry", "team", "location") if key in keys)
        ),
        cache_dir=embedding_cache_dir(),
    )
    return Pool(
        mentees=list(mentees), mentors=list(mentors), problem=problem, criteria=list(criteria)
    )


def past_pairs(
    program: Program, mentees: Sequence[Membership], mentors: Sequence[Membership]
) -> list[tuple[int, int]]:
    """Pairs of these people who were already matched, in any program of the organization
    ("no repeat pairing"), as (mentee membership id, mentor membership id) of this program."""
    mentee_by_user = {m.user_id: m.pk for m in mentees}
    mentor_by_user = {m.user_id: m.pk for m in mentors}
    history = Relationship.objects.filter(
        program__organization_id=program.organization_id,
        mentee__user_id__in=mentee_by_user,
        mentor__user_id__in=mentor_by_user,
    ).exclude(status=RelationshipStatus.PROPOSED, program=program)
    pairs = set()
    for mentee_user, mentor_user in history.values_list("mentee__user_id", "mentor__user_id"):
        pairs.add((mentee_by_user[mentee_user], mentor_by_user[mentor_user]))
    return sorted(pairs)


def embedding_cache_dir() -> Path:
    path = Path(settings.DATA_DIR) / "embeddings"
    path.mkdir(parents=True, exist_ok=True)
    return path
