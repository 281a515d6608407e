"""Helpers for the relationship and group tests (no tests here): a program with the starter
questions and ready mentors and mentees with plausible answers, and published pairs."""

from __future__ import annotations

from typing import Any

from tandem.accounts.models import User
from tandem.demo.seed import generate_people
from tandem.enrolment.starter import install_starter_questions
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import GroupMember, MentoringGroup, Relationship
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program
from tests.factories import MembershipFactory, UserFactory


def answers_for(role: Role, index: int, **overrides: Any) -> dict[str, Any]:
    """Complete, plausible answers for a mentor or a mentee (the index varies them)."""
    for person in generate_people(60, seed=100 + index):
        if person.role == role:
            answers = dict(person.answers)
            answers["languages"] = ["English"]
            answers["manager"] = ""
            answers.update(overrides)
            return answers
    raise AssertionError("no person of that role generated")


def ready_program(program: Program, by: User) -> Program:
    install_starter_questions(program, by=by)
    return program


def person(program: Program, role: Role, index: int, **overrides: Any) -> Membership:
    return MembershipFactory(
        program=program, role=role, answers=answers_for(role, index, **overrides)
    )


def make_ready(membership: Membership, index: int = 0, **overrides: Any) -> Membership:
    membership.answers = answers_for(Role(membership.role), index, **overrides)
    membership.save(update_fields=["answers"])
    return membership


def pair(
    program: Program,
    mentor: Membership,
    mentee: Membership,
    *,
    status: RelationshipStatus = RelationshipStatus.ACTIVE,
    explanation: str = "Both work in healthcare; shares negotiation skills.",
) -> Relationship:
    return Relationship.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        status=status,
        source=Relationship.Source.RUN,
        score=0.72,
        explanation=explanation,
    )


def group(
    program: Program, facilitators: list[Membership], members: list[Membership], name: str = ""
) -> MentoringGroup:
    created = MentoringGroup.objects.create(
        program=program, name=name or f"{facilitators[0].user.display_name}'s group", fit=0.6
    )
    GroupMember.objects.bulk_create(
        [GroupMember(group=created, membership=f, is_facilitator=True) for f in facilitators]
        + [GroupMember(group=created, membership=m) for m in members]
    )
    return created


def mentor_user(program: Program, index: int, **overrides: Any) -> Membership:
    return person(program, Role.MENTOR, index, **overrides)


__all__ = ["UserFactory", "answers_for", "group", "make_ready", "pair", "person"]
