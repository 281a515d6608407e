"""Readiness to be matched: each missing piece alone, the funnel's counts, no N+1."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.enrolment.enums import Audience, FunnelStep
from tandem.enrolment.models import AgreementAcceptance, TrainingCompletion
from tandem.enrolment.readiness import program_funnel, readiness_of
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.enrolment.factories_onboarding import (
    AgreementFactory,
    ProfileQuestionFactory,
    TrainingModuleFactory,
)
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def setup_program(program: Program) -> dict[str, Any]:
    """One required question for everyone, an agreement, one module required of each role."""
    return {
        "question": ProfileQuestionFactory(program=program, key="goals", label="Your goals"),
        "agreement": AgreementFactory(program=program, version=1),
        "mentor_module": TrainingModuleFactory(
            program=program, title="Mentoring 101", required_for=["mentor"]
        ),
        "mentee_module": TrainingModuleFactory(
            program=program, title="Being mentored", required_for=["mentee"]
        ),
    }


def make_ready(membership: Membership, setup: dict[str, Any]) -> Membership:
    membership.answers = {"goals": "Grow"}
    membership.save()
    AgreementAcceptance.objects.create(membership=membership, agreement=setup["agreement"])
    module = setup["mentor_module"] if membership.role == Role.MENTOR else setup["mentee_module"]
    TrainingCompletion.objects.create(membership=membership, module=module)
    return membership


def test_readiness_person_with_everything_done_is_ready(world: World) -> None:
    setup = setup_program(world.program)
    mentor = make_ready(Membership.objects.get(user=world.mentor), setup)
    readiness = readiness_of(mentor)
    assert readiness.ready is True
    assert readiness.stage == FunnelStep.READY
    assert readiness.missing == ()


@pytest.mark.parametrize("missing", ["approval", "profile", "agreement", "training"])
@pytest.mark.parametrize("role", [Role.MENTOR, Role.MENTEE])
def test_readiness_each_missing_piece_alone_makes_a_person_not_ready(
    world: World, missing: str, role: Role
) -> None:
    setup = setup_program(world.program)
    membership = make_ready(MembershipFactory(program=world.program, role=role), setup)
    if missing == "approval":
        membership.status = MembershipStatus.APPLIED
        membership.save()
    elif missing == "profile":
        membership.answers = {"goals": ""}
        membership.save()
    elif missing == "agreement":
        AgreementAcceptance.objects.filter(membership=membership).delete()
    else:
        TrainingCompletion.objects.filter(membership=membership).delete()

    readiness = readiness_of(membership)

    assert readiness.ready is False
    expected = {
        "approval": ("Approval by a coordinator",),
        "profile": ("Profile: Your goals",),
        "agreement": ("Accept the confidentiality agreement",),
        "training": (
            "Training: Mentoring 101" if role == Role.MENTOR else "Training: Being mentored",
        ),
    }[missing]
    assert readiness.missing == expected
    assert [step.done for step in readiness.steps].count(False) == 1


def test_readiness_only_the_newest_agreement_counts(world: World) -> None:
    setup = setup_program(world.program)
    mentor = make_ready(Membership.objects.get(user=world.mentor), setup)
    AgreementFactory(program=world.program, version=2, text="New text")
    readiness = readiness_of(mentor)
    assert readiness.ready is False
    assert readiness.missing == ("Accept the updated confidentiality agreement (v2)",)


def test_readiness_without_agreement_or_training_needs_neither(world: World) -> None:
    ProfileQuestionFactory(program=world.program, key="goals", label="Your goals")
    mentee = Membership.objects.get(user=world.mentee)
    mentee.answers = {"goals": "Lead"}
    mentee.save()
    readiness = readiness_of(mentee)
    assert readiness.ready is True
    assert readiness.step(FunnelStep.AGREEMENT).applies is False
    assert readiness.step(FunnelStep.TRAINED).applies is False


def test_readiness_ignores_questions_and_modules_of_the_other_role(world: World) -> None:
    ProfileQuestionFactory(program=world.program, key="offers", audience=Audience.MENTORS)
    TrainingModuleFactory(program=world.program, required_for=["mentor"])
    TrainingModuleFactory(program=world.program, required_for=[])  # optional for everyone
    readiness = readiness_of(Membership.objects.get(user=world.mentee))
    assert readiness.ready is True


def test_readiness_todo_leaves_out_what_only_a_coordinator_can_do(world: World) -> None:
    setup = setup_program(world.program)
    applicant = make_ready(Membership.objects.get(user=world.applicant), setup)
    readiness = readiness_of(applicant)
    assert readiness.missing == ("Approval by a coordinator",)
    assert readiness.todo == ()


def mixed_population(world: World) -> dict[str, Any]:
    """Two invitations (one accepted), and people stuck at each step."""
    setup = setup_program(world.program)
    InvitationFactory(program=world.program, email="pending@example.org")
    InvitationFactory(
        program=world.program, email="accepted@example.org", accepted_at="2026-01-01T00:00Z"
    )
    InvitationFactory(
        program=world.program, email="revoked@example.org", revoked_at="2026-01-01T00:00Z"
    )
    program = world.program
    people = {
        # world.applicant: applied, nothing else
        "approved_only": MembershipFactory(program=program, role=Role.MENTOR),
        "profile_only": MembershipFactory(
            program=program, role=Role.MENTEE, answers={"goals": "x"}
        ),
        "agreement_done": make_ready(MembershipFactory(program=program, role=Role.MENTOR), setup),
        "ready_1": make_ready(MembershipFactory(program=program, role=Role.MENTOR), setup),
        "ready_2": make_ready(MembershipFactory(program=program, role=Role.MENTEE), setup),
        "declined": MembershipFactory(
            program=program, role=Role.MENTEE, status=MembershipStatus.DECLINED
        ),
        # world.mentor and world.mentee: approved, nothing else
    }
    TrainingCompletion.objects.filter(membership=people["agreement_done"]).delete()
    return people


def test_funnel_counts_on_a_mixed_population(world: World) -> None:
    people = mixed_population(world)
    funnel = program_funnel(world.program)
    assert funnel.counts == {
        FunnelStep.INVITED: 2,  # revoked one not counted
        FunnelStep.APPLIED: 8,  # everyone but the coordinator and the declined mentee
        FunnelStep.APPROVED: 7,
        FunnelStep.PROFILE: 4,
        FunnelStep.AGREEMENT: 3,
        FunnelStep.TRAINED: 2,
        FunnelStep.READY: 2,
    }
    stuck = {step: {p.membership.pk for p in funnel.stuck_at(step)} for step in FunnelStep}
    assert stuck[FunnelStep.APPLIED] == {Membership.objects.get(user=world.applicant).pk}
    assert stuck[FunnelStep.APPROVED] == {
        people["approved_only"].pk,
        Membership.objects.get(user=world.mentor).pk,
        Membership.objects.get(user=world.mentee).pk,
    }
    assert stuck[FunnelStep.PROFILE] == {people["profile_only"].pk}
    assert stuck[FunnelStep.AGREEMENT] == {people["agreement_done"].pk}
    assert stuck[FunnelStep.READY] == {people["ready_1"].pk, people["ready_2"].pk}
    assert [i.email for i in funnel.pending_invitations] == ["pending@example.org"]
    assert funnel.missing_counts == {
        FunnelStep.PROFILE: 3,
        FunnelStep.AGREEMENT: 4,
        FunnelStep.TRAINED: 5,
    }
    assert {p.membership.pk for p in funnel.missing(FunnelStep.TRAINED)} == (
        stuck[FunnelStep.APPROVED] | stuck[FunnelStep.PROFILE] | stuck[FunnelStep.AGREEMENT]
    )


def funnel_queries(program: Program) -> int:
    with CaptureQueriesContext(connection) as queries:
        funnel = program_funnel(program)
        for person in funnel.people:
            assert person.name
    return len(queries)


def test_funnel_query_count_is_the_same_for_1_and_3_people(world: World) -> None:
    setup = setup_program(world.program)
    Membership.objects.filter(role__in=[Role.MENTOR, Role.MENTEE]).delete()
    make_ready(MembershipFactory(program=world.program, role=Role.MENTOR), setup)
    one = funnel_queries(world.program)
    make_ready(MembershipFactory(program=world.program, role=Role.MENTEE), setup)
    MembershipFactory(program=world.program, role=Role.MENTOR)
    InvitationFactory(program=world.program)
    three = funnel_queries(world.program)
    assert one == three == 9


def test_funnel_page_query_count_is_the_same_for_1_and_3_people(world: World, login: Any) -> None:
    setup = setup_program(world.program)
    Membership.objects.filter(role__in=[Role.MENTOR, Role.MENTEE]).delete()
    client = login(world.coordinator)
    make_ready(MembershipFactory(program=world.program, role=Role.MENTOR), setup)
    with CaptureQueriesContext(connection) as one:
        assert client.get(world.url("funnel/")).status_code == 200
    make_ready(MembershipFactory(program=world.program, role=Role.MENTEE), setup)
    MembershipFactory(program=world.program, role=Role.MENTOR, status=MembershipStatus.APPLIED)
    with CaptureQueriesContext(connection) as three:
        response = client.get(world.url("funnel/"))
    assert response.status_code == 200
    assert len(one) == len(three)


def test_funnel_ready_to_match_leaves_out_people_already_matched(world: World) -> None:
    from tandem.mentoring.models import Relationship
    from tandem.mentoring.services.mentorships import PairSpec, create_pair

    setup = setup_program(world.program)
    mentor = make_ready(Membership.objects.get(user=world.mentor), setup)
    mentee = make_ready(Membership.objects.get(user=world.mentee), setup)
    waiting = make_ready(MembershipFactory(program=world.program, role=Role.MENTEE), setup)
    create_pair(
        world.program,
        PairSpec(mentee_id=mentee.pk, mentor_id=mentor.pk, source=Relationship.Source.MANUAL),
    )
    funnel = program_funnel(world.program)
    assert funnel.counts[FunnelStep.TRAINED] == 3
    assert funnel.counts[FunnelStep.READY] == 1
    assert [p.membership.pk for p in funnel.stuck_at(FunnelStep.READY)] == [waiting.pk]
    assert {p.membership.pk for p in funnel.matched} == {mentor.pk, mentee.pk}
    assert funnel.ids_by_step()[FunnelStep.READY.value] == [waiting.pk]


def test_funnel_invited_counts_the_people_an_import_e_mailed(world: World) -> None:
    from tandem.enrolment.services.imports import import_file, run_import

    def checked(name: str, rows: str) -> Any:
        content = ("email,full_name,role\n" + rows).encode()
        participant_import, plan = import_file(
            world.program, file_name=name, content=content, dry_run=True, by=world.coordinator
        )
        assert plan.problems == []
        return participant_import

    emailed = checked(
        "people.csv", "new1@example.org,New One,mentee\nnew2@example.org,New Two,mentor\n"
    )
    quiet = checked("more.csv", "new3@example.org,New Three,mentee\n")
    InvitationFactory(program=world.program)
    run_import(emailed, by=world.coordinator, email_new_people=True)
    run_import(quiet, by=world.coordinator, email_new_people=False)
    funnel = program_funnel(world.program)
    assert funnel.counts[FunnelStep.INVITED] == 3  # one invitation, two people e-mailed
    assert funnel.counts[FunnelStep.APPLIED] == 6  # mentor, mentee, applicant, three imported
