"""The stored readiness equals the live computation after any sequence of service calls, and
the pages read it (a program-wide change past the limit goes to the task, and they say so)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.errors import ServiceError
from tandem.enrolment.enums import Audience, FunnelStep, QuestionKind
from tandem.enrolment.models import ProfileQuestion, TrainingModule
from tandem.enrolment.readiness import readiness_of, stored_readiness
from tandem.enrolment.services import applications, onboarding, profiles
from tandem.enrolment.services import readiness as service
from tandem.programs import services as program_services
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.enrolment.factories_onboarding import ProfileQuestionFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = 4
STATUSES = [MembershipStatus.APPROVED, MembershipStatus.APPLIED, MembershipStatus.WAITLISTED]

person = st.integers(min_value=0, max_value=PEOPLE - 1)
index = st.integers(min_value=0, max_value=5)
calls = st.one_of(
    st.tuples(st.just("save_profile"), person, index, st.booleans()),
    st.tuples(st.just("add_question"), st.booleans(), st.sampled_from(list(Audience))),
    st.tuples(st.just("update_question"), index, st.booleans()),
    st.tuples(st.just("delete_question"), index),
    st.tuples(st.just("move_question"), index, st.sampled_from(["up", "down"])),
    st.tuples(st.just("publish_agreement"), st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("accept_agreement"), person),
    st.tuples(
        st.just("create_module"),
        st.lists(st.sampled_from([Role.MENTOR, Role.MENTEE]), max_size=2, unique=True),
    ),
    st.tuples(
        st.just("update_module"),
        index,
        st.lists(st.sampled_from([Role.MENTOR, Role.MENTEE]), max_size=2, unique=True),
    ),
    st.tuples(st.just("delete_module"), index),
    st.tuples(st.just("acknowledge_module"), person, index),
    st.tuples(st.just("decide_application"), person, st.sampled_from(list(applications.DECISIONS))),
    st.tuples(st.just("change_status"), person, st.sampled_from(STATUSES)),
    st.tuples(st.just("change_role"), person, st.sampled_from([Role.MENTOR, Role.MENTEE])),
    st.tuples(st.just("add_member"), st.sampled_from([Role.MENTOR, Role.MENTEE])),
)


def _pick(items: list[Any], number: int) -> Any:
    return items[number % len(items)] if items else None


def apply_call(program: Program, by: Any, call: tuple[Any, ...]) -> None:
    name, *args = call
    people = list(
        Membership.objects.filter(program=program, role__in=[Role.MENTOR, Role.MENTEE]).order_by(
            "pk"
        )
    )
    questions = list(ProfileQuestion.objects.filter(program=program))
    modules = list(TrainingModule.objects.filter(program=program))
    if name == "save_profile":
        membership, number, answer = people[args[0] % len(people)], args[1], args[2]
        question = _pick(questions, number)
        if question is not None:
            profiles.save_profile(
                membership,
                by=membership.user,
                answers={question.key: "An answer" if answer else ""},
                partial=True,
            )
    elif name == "add_question":
        key = f"q{len(questions)}-{ProfileQuestion.objects.count()}"
        profiles.add_question(
            program,
            by=by,
            key=key,
            label=f"Question {key}",
            kind=QuestionKind.TEXT,
            required=args[0],
            audience=args[1],
        )
    elif name == "update_question" and questions:
        profiles.update_question(_pick(questions, args[0]), by=by, required=args[1])
    elif name == "delete_question" and questions:
        profiles.delete_question(_pick(questions, args[0]), by=by)
    elif name == "move_question" and questions:
        profiles.move_question(_pick(questions, args[0]), by=by, direction=args[1])
    elif name == "publish_agreement":
        onboarding.publish_agreement(program, text=f"Agreement text {args[0]}", by=by)
    elif name == "accept_agreement":
        membership = people[args[0] % len(people)]
        onboarding.accept_agreement(membership, by=membership.user)
    elif name == "create_module":
        onboarding.create_module(
            program, by=by, title=f"Module {len(modules)}", body="Read me.", required_for=args[0]
        )
    elif name == "update_module" and modules:
        onboarding.update_module(_pick(modules, args[0]), by=by, required_for=args[1])
    elif name == "delete_module" and modules:
        onboarding.delete_module(_pick(modules, args[0]), by=by)
    elif name == "acknowledge_module" and modules:
        membership = people[args[0] % len(people)]
        onboarding.acknowledge_module(membership, _pick(modules, args[1]), by=membership.user)
    elif name == "decide_application":
        applications.decide_application(people[args[0] % len(people)], decision=args[1], by=by)
    elif name == "change_status":
        program_services.change_membership(people[args[0] % len(people)], by=by, status=args[1])
    elif name == "change_role":
        program_services.change_membership(people[args[0] % len(people)], by=by, role=args[1])
    elif name == "add_member":
        program_services.add_member(program, user=UserFactory(), role=args[0], by=by)


def assert_stored_equals_live(program: Program, *, allow_unchecked: bool) -> None:
    for membership in Membership.objects.filter(
        program=program, role__in=[Role.MENTOR, Role.MENTEE]
    ):
        if membership.readiness_checked_at is None:
            assert allow_unchecked, f"membership {membership.pk} left unchecked"
            continue
        assert stored_readiness(membership) == readiness_of(membership)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(calls, min_size=1, max_size=10))
def test_stored_readiness_equals_live_after_any_sequence_of_services(
    world: World, sequence: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        program = world.program
        coordinator = world.coordinator
        service.refresh_stale_readiness(program)
        assert_stored_equals_live(program, allow_unchecked=False)
        for call in sequence:
            try:
                with transaction.atomic():
                    apply_call(program, coordinator, call)
            except ServiceError:
                pass  # a refused call changes nothing
            # The services of this app keep it exact; the layers below leave rows unchecked.
            assert_stored_equals_live(program, allow_unchecked=True)
        assert service.refresh_stale_readiness(program) is False
        assert_stored_equals_live(program, allow_unchecked=False)
        transaction.set_rollback(True)


def test_enrolment_services_leave_nobody_unchecked(world: World) -> None:
    program = world.program
    service.refresh_stale_readiness(program)
    mentor = Membership.objects.get(user=world.mentor)
    question = profiles.add_question(
        program, by=world.coordinator, key="goals", label="Goals", kind=QuestionKind.TEXT
    )
    profiles.update_question(question, by=world.coordinator, required=True)
    assert Membership.objects.get(pk=mentor.pk).profile_complete is False
    profiles.save_profile(mentor, by=world.mentor, answers={"goals": "Grow"}, partial=True)
    mentor.refresh_from_db()
    assert (mentor.profile_complete, mentor.profile_percent, mentor.profile_missing) == (
        True,
        100,
        [],
    )
    assert mentor.readiness_stage == FunnelStep.READY
    assert not Membership.objects.filter(
        program=program, role__in=[Role.MENTOR, Role.MENTEE], readiness_checked_at__isnull=True
    ).exists()


def test_a_program_wide_change_past_the_limit_goes_to_the_task_and_the_pages_say_so(
    world: World,
    login: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    program = world.program
    service.refresh_stale_readiness(program)
    monkeypatch.setattr(service, "INLINE_LIMIT", 1)
    mentor = Membership.objects.get(user=world.mentor)
    enqueued: list[int] = []
    monkeypatch.setattr(service, "_enqueue", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        question = ProfileQuestionFactory(program=program, key="goals", label="Goals")
        profiles.update_question(question, by=world.coordinator, required=True, label="Your goals")
    assert enqueued == [program.pk]
    assert Membership.objects.get(pk=mentor.pk).readiness_checked_at is None
    client = login(world.coordinator)
    for page in ("funnel/", "profiles/"):
        response = client.get(world.url(page))
        assert response.status_code == 200
        assert "is being recalculated" in response.text
    # The task's work: every unchecked row, after which the pages are quiet again.
    monkeypatch.setattr(service, "INLINE_LIMIT", 2000)
    assert service.refresh_all_stale_readiness(program.pk) == 3
    assert stored_readiness(Membership.objects.get(pk=mentor.pk)) == readiness_of(mentor)
    assert "is being recalculated" not in client.get(world.url("funnel/")).text


def test_refresh_readiness_task_computes_the_unchecked_rows(world: World) -> None:
    from tandem.enrolment.tasks import refresh_readiness_task

    Membership.objects.filter(program=world.program).update(readiness_checked_at=None)
    result = refresh_readiness_task.enqueue(world.program.pk)
    assert result.return_value == 3
    assert not Membership.objects.filter(
        program=world.program,
        role__in=[Role.MENTOR, Role.MENTEE],
        readiness_checked_at__isnull=True,
    ).exists()


def test_an_import_refreshes_its_people_in_one_pass(world: World) -> None:
    from tandem.enrolment.services.imports import import_file

    service.refresh_stale_readiness(world.program)
    ProfileQuestionFactory(program=world.program, key="goals", label="Goals", required=True)
    service.refresh_program_readiness(world.program)
    content = b"Email,Full name,Role,Goals\nnew.person@example.org,New Person,mentee,Grow\n"
    import_file(world.program, file_name="people.csv", content=content, by=world.coordinator)
    added = Membership.objects.get(program=world.program, user__email="new.person@example.org")
    assert added.readiness_checked_at is not None
    assert (added.profile_complete, added.readiness_stage) == (True, FunnelStep.READY)
    assert stored_readiness(added) == readiness_of(added)


def test_a_new_member_is_computed_when_a_page_reads(world: World, login: Any) -> None:
    newcomer = MembershipFactory(program=world.program, role=Role.MENTOR)
    assert newcomer.readiness_checked_at is None
    response = login(world.coordinator).get(world.url("funnel/"))
    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.readiness_checked_at is not None
    assert newcomer.readiness_stage == FunnelStep.READY


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first read computes the rows added since
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "suffix",
    ["funnel/", "funnel/?missing=profile", "profiles/?incomplete=on", "relationships/new/"],
)
def test_busy_pages_query_count_is_the_same_for_1_and_3_more_people(
    world: World, login: Any, suffix: str
) -> None:
    client = login(world.coordinator)
    ProfileQuestionFactory(program=world.program, key="goals", label="Goals", required=True)
    MembershipFactory(program=world.program, role=Role.MENTOR)
    one = _queries(client, world.url(suffix))
    MembershipFactory.create_batch(3, program=world.program, role=Role.MENTEE)
    assert _queries(client, world.url(suffix)) == one


def test_funnel_api_query_count_is_the_same_for_1_and_3_more_people(world: World) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.coordinator)
    url = f"/api/v1/organizations/{world.organization.slug}/programs/{world.program.slug}/funnel"
    MembershipFactory(program=world.program, role=Role.MENTOR)
    one = _queries(client, url)
    MembershipFactory.create_batch(3, program=world.program, role=Role.MENTEE)
    assert _queries(client, url) == one
    steps = {step["step"]: step for step in client.get(url).json()["steps"]}
    assert steps["ready"]["count"] == 6
