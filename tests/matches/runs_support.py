"""Helpers for the criteria and run tests (no tests here): a program with the starter
questions, ready mentors and mentees with plausible answers, and a quick run."""

from __future__ import annotations

from typing import Any

from tandem.accounts.models import User
from tandem.demo.seed import generate_people
from tandem.enrolment.starter import install_starter_questions
from tandem.matches.criteria import CriterionInput, add_criterion
from tandem.matches.enums import CriterionKind
from tandem.matches.models import MatchingCriterion, MatchRun
from tandem.matches.problem import install_default_criteria
from tandem.matches.services import start_run
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program
from tests.factories import MembershipFactory, UserFactory

_PEOPLE = list(generate_people(400, seed=11))
_BY_ROLE = {role: [p for p in _PEOPLE if p.role == role] for role in (Role.MENTOR, Role.MENTEE)}


def answers(role: Role, index: int, **overrides: Any) -> dict[str, Any]:
    """Complete answers of the ``index``-th generated person of ``role``; nobody's manager."""
    chosen = dict(_BY_ROLE[role][index].answers)
    chosen["manager"] = ""
    chosen.update(overrides)
    return chosen


def member(
    program: Program, role: Role, index: int, name: str = "", **overrides: Any
) -> Membership:
    user = UserFactory(full_name=name or _BY_ROLE[role][index].full_name)
    return MembershipFactory(
        program=program, user=user, role=role, answers=answers(role, index, **overrides)
    )


def setup_program(program: Program, by: User, *, text: bool = False) -> list[MatchingCriterion]:
    """Starter questions and the default criteria (without the slow ``text`` one, unless
    asked), so that the runs in tests need no language model."""
    install_starter_questions(program, by=by)
    install_default_criteria(program)
    if not text:
        MatchingCriterion.objects.filter(program=program, kind=CriterionKind.TEXT).delete()
    return list(program.matching_criteria.all())


def pool(
    program: Program, by: User, *, mentees: int, mentors: int, capacity: int = 1
) -> tuple[list[Membership], list[Membership]]:
    setup_program(program, by)
    made_mentors = [
        member(program, Role.MENTOR, i, capacity=capacity, languages=["English"])
        for i in range(mentors)
    ]
    made_mentees = [member(program, Role.MENTEE, i, languages=["English"]) for i in range(mentees)]
    return made_mentees, made_mentors


def run(program: Program, by: User, **kwargs: Any) -> MatchRun:
    return start_run(program, by=by, **kwargs)


def criterion(program: Program, by: User, **fields: Any) -> MatchingCriterion:
    return add_criterion(program, CriterionInput(**fields), by=by)
