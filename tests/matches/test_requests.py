"""Self-selection services: ranked requests that cascade, answers, deadlines, capacity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.demo.seed import generate_people
from tandem.enrolment.models import MentorChoice
from tandem.enrolment.starter import install_starter_questions
from tandem.matches import requests as services
from tandem.matches.enums import RequestStatus
from tandem.matches.models import MentorRequest
from tandem.matches.requests import DeclineReason
from tandem.matches.tasks import expire_mentor_request
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import MatchingMode, ProgramStatus, Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Cascade:
    """A self-selecting program in its matching stage: one mentee with ranked choices."""

    world: World
    program: Program
    mentee: Membership
    mentors: list[Membership]
    coordinator: Membership

    def request_to(self, index: int) -> MentorRequest:
        return MentorRequest.objects.get(mentee=self.mentee, mentor=self.mentors[index])

    def statuses(self) -> list[str]:
        return [self.request_to(i).status for i in range(len(self.mentors))]


def profile_answers(role: Role, index: int) -> dict[str, Any]:
    """Realistic answers from the demo generator, for a person of ``role``."""
    for person in generate_people(40, seed=11 + index):
        if person.role == role:
            answers = dict(person.answers)
            answers["languages"] = ["English"]
            answers["manager"] = ""
            if role == Role.MENTOR:
                answers["capacity"] = 1
            return answers
    raise AssertionError("the generator made nobody of this role")


def make_cascade(
    world: World,
    *,
    mentors: int = 3,
    mode: MatchingMode = MatchingMode.SELF_SELECT,
    with_choices: bool = True,
) -> Cascade:
    program = world.program
    Program.objects.filter(pk=program.pk).update(
        matching_mode=mode, status=ProgramStatus.MATCHING, request_deadline_days=3
    )
    program.refresh_from_db()
    coordinator = Membership.objects.get(user=world.coordinator, program=program)
    install_starter_questions(program, by=world.coordinator)
    mentee = Membership.objects.get(user=world.mentee, program=program)
    mentee.answers = profile_answers(Role.MENTEE, 0)
    mentee.save()
    people = [Membership.objects.get(user=world.mentor, program=program)]
    people += [
        MembershipFactory(program=program, role=Role.MENTOR, user=UserFactory(full_name=name))
        for name in ["Bea Second", "Cem Third", "Dana Fourth", "Eli Fifth"][: mentors - 1]
    ]
    for index, mentor in enumerate(people):
        mentor.answers = profile_answers(Role.MENTOR, index)
        mentor.save()
    if with_choices:
        MentorChoice.objects.bulk_create(
            MentorChoice(mentee=mentee, mentor=mentor, rank=rank)
            for rank, mentor in enumerate(people, start=1)
        )
    return Cascade(world, program, mentee, people, coordinator)


@pytest.fixture
def cascade(world: World) -> Cascade:
    return make_cascade(world)


def kinds_for(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


# --- sending ------------------------------------------------------------------------------


def test_send_requests_asks_the_first_choice_and_queues_the_rest(cascade: Cascade) -> None:
    sent = services.send_requests(
        cascade.mentee, by=cascade.world.mentee, notes={cascade.mentors[0].pk: "Hello!"}, now=NOW
    )
    assert [r.rank for r in sent] == [1, 2, 3]
    assert cascade.statuses() == ["pending", "queued", "queued"]
    first = cascade.request_to(0)
    assert first.asked_at == NOW
    assert first.deadline == NOW + dt.timedelta(days=3)
    assert first.message == "Hello!"
    assert cascade.request_to(1).deadline is None
    received = Notification.objects.get(recipient=cascade.mentors[0].user)
    assert received.kind == NotificationKind.REQUEST_RECEIVED
    assert "Hello!" in received.body
    assert received.url == cascade.world.url("requests/inbox/")
    assert kinds_for(cascade.mentors[1].user) == []
    assert AuditEntry.objects.filter(action="mentor_requests.sent").count() == 1


def test_send_requests_refuses_a_program_where_coordinators_match(world: World) -> None:
    setup = make_cascade(world, mode=MatchingMode.ADMIN)
    with pytest.raises(ServiceError, match="the coordinators match people"):
        services.send_requests(setup.mentee, by=world.mentee)


@pytest.mark.parametrize("stage", [ProgramStatus.ENROLLING, ProgramStatus.CLOSING])
def test_send_requests_names_the_stage_when_it_is_not_matching(
    cascade: Cascade, stage: ProgramStatus
) -> None:
    Program.objects.filter(pk=cascade.program.pk).update(status=stage)
    cascade.mentee.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        services.send_requests(cascade.mentee, by=cascade.world.mentee)
    assert f"“{stage.label}” stage" in refused.value.message
    assert MentorRequest.objects.count() == 0


def test_send_requests_works_in_the_active_stage_and_in_both_mode(world: World) -> None:
    setup = make_cascade(world, mode=MatchingMode.BOTH)
    Program.objects.filter(pk=setup.program.pk).update(status=ProgramStatus.ACTIVE)
    assert len(services.send_requests(setup.mentee, by=world.mentee)) == 3


def test_send_requests_refuses_twice_and_a_mentee_with_a_mentor(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    with pytest.raises(ServiceError, match="already on their way"):
        services.send_requests(cascade.mentee, by=cascade.world.mentee)
    services.accept_request(cascade.request_to(0), by=cascade.mentors[0].user)
    with pytest.raises(ServiceError, match="You already have a mentor"):
        services.send_requests(cascade.mentee, by=cascade.world.mentee)


def test_send_requests_refuses_a_mentee_who_is_not_ready(cascade: Cascade) -> None:
    cascade.mentee.answers = {}
    cascade.mentee.save()
    with pytest.raises(ServiceError, match="not ready to be matched yet"):
        services.send_requests(cascade.mentee, by=cascade.world.mentee)


def test_send_requests_without_choices_points_to_the_directory(world: World) -> None:
    setup = make_cascade(world, with_choices=False)
    with pytest.raises(ServiceError, match="no saved choices") as refused:
        services.send_requests(setup.mentee, by=world.mentee)
    assert refused.value.field == "choices"


def test_send_requests_to_a_mentor_at_capacity_is_refused_with_the_numbers(
    cascade: Cascade,
) -> None:
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[1], mentee=other, source="manual"
    )
    with pytest.raises(ServiceError) as refused:
        services.send_requests(cascade.mentee, by=cascade.world.mentee)
    name = cascade.mentors[1].user.display_name
    assert refused.value.message == (
        f"{name} has no place left (1 mentee for 1 place): remove them from your choices and "
        "pick another mentor."
    )
    assert MentorRequest.objects.count() == 0


# --- the cascade --------------------------------------------------------------------------


def test_decline_passes_the_request_to_the_next_choice(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee, now=NOW)
    later = NOW + dt.timedelta(hours=5)
    services.decline_request(
        cascade.request_to(0),
        by=cascade.mentors[0].user,
        reason=DeclineReason.NO_TIME,
        note="Try me next spring.",
        now=later,
    )
    assert cascade.statuses() == ["declined", "pending", "queued"]
    declined, second = cascade.request_to(0), cascade.request_to(1)
    assert declined.response_message == (
        "I do not have the time for another mentee right now. Try me next spring."
    )
    assert second.asked_at == later
    assert second.deadline == later + dt.timedelta(days=3)
    assert kinds_for(cascade.world.mentee) == [
        NotificationKind.REQUEST_ANSWERED,
        NotificationKind.REQUEST_PASSED_ON,
    ]
    answered = Notification.objects.filter(recipient=cascade.world.mentee).order_by("id").first()
    assert answered is not None
    assert "Try me next spring." in answered.body
    assert kinds_for(cascade.world.coordinator) == [NotificationKind.REQUEST_PASSED_ON]
    assert kinds_for(cascade.mentors[1].user) == [NotificationKind.REQUEST_RECEIVED]


def test_decline_with_an_unknown_reason_is_refused(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    with pytest.raises(ServiceError, match="not a reason on the list") as refused:
        services.decline_request(cascade.request_to(0), by=cascade.mentors[0].user, reason="meh")
    assert refused.value.field == "reason"
    assert cascade.request_to(0).status == RequestStatus.PENDING


def test_only_the_mentor_asked_can_answer(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    with pytest.raises(ServiceError, match="Only the mentor asked"):
        services.accept_request(cascade.request_to(0), by=cascade.mentors[1].user)
    with pytest.raises(ServiceError, match="no longer waiting"):
        services.accept_request(cascade.request_to(1), by=cascade.mentors[1].user)


def test_last_decline_leaves_the_mentee_unmatched_and_tells_the_coordinators(
    cascade: Cascade,
) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    for index, mentor in enumerate(cascade.mentors):
        services.decline_request(
            cascade.request_to(index), by=mentor.user, reason=DeclineReason.NOT_MY_AREA
        )
    assert cascade.statuses() == ["declined", "declined", "declined"]
    assert kinds_for(cascade.world.coordinator) == [
        NotificationKind.REQUEST_PASSED_ON,
        NotificationKind.REQUEST_PASSED_ON,
        NotificationKind.MENTEE_UNMATCHED,
    ]
    unmatched = Notification.objects.get(
        recipient=cascade.world.coordinator, kind=NotificationKind.MENTEE_UNMATCHED
    )
    assert unmatched.url == cascade.world.url("requests/overview/#unmatched")
    assert kinds_for(cascade.world.mentee)[-1] == NotificationKind.MENTEE_UNMATCHED
    (state,) = [c for c in services.program_cascades(cascade.program) if c.mentee == cascade.mentee]
    assert state.state == services.CascadeState.UNMATCHED


def test_a_queued_mentor_who_filled_up_is_skipped(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[1], mentee=other, source="manual"
    )
    services.decline_request(
        cascade.request_to(0), by=cascade.mentors[0].user, reason=DeclineReason.OTHER
    )
    assert cascade.statuses() == ["declined", "closed", "pending"]
    passed = Notification.objects.get(
        recipient=cascade.world.mentee, kind=NotificationKind.REQUEST_PASSED_ON
    )
    assert cascade.mentors[1].user.display_name in passed.body
    assert "choice #3" in passed.title


@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}})
def test_asking_enqueues_the_deadline_task_with_run_after(
    cascade: Cascade, django_capture_on_commit_callbacks: Any
) -> None:
    from django.tasks import default_task_backend

    default_task_backend.clear()  # type: ignore[attr-defined]  # the dummy backend keeps results
    with django_capture_on_commit_callbacks(execute=True):
        services.send_requests(cascade.mentee, by=cascade.world.mentee, now=NOW)
    queued = [
        r
        for r in default_task_backend.results  # type: ignore[attr-defined]
        if r.task.name == "expire_mentor_request"
    ]
    assert len(queued) == 1
    assert queued[0].task.run_after == NOW + dt.timedelta(days=3)
    assert queued[0].args == [cascade.request_to(0).pk]


def test_the_deadline_task_expires_and_passes_on_and_a_stale_one_does_nothing(
    cascade: Cascade,
) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee, now=NOW)
    first = cascade.request_to(0)
    # Too early (the task's clock is the real one; the deadline is in 2030): nothing happens.
    assert expire_mentor_request.call(first.pk) is False
    assert services.expire_request(first.pk, now=NOW + dt.timedelta(days=2)) is False
    after = NOW + dt.timedelta(days=3, minutes=1)
    assert services.expire_request(first.pk, now=after) is True
    assert cascade.statuses() == ["expired", "pending", "queued"]
    assert cascade.request_to(1).deadline == after + dt.timedelta(days=3)
    # The same task again, or for an answered request: stale, nothing changes.
    assert services.expire_request(first.pk, now=after) is False
    assert kinds_for(cascade.world.mentee) == [NotificationKind.REQUEST_PASSED_ON]
    passed = Notification.objects.get(recipient=cascade.world.mentee)
    assert "did not answer in time" in passed.body


def test_the_sweep_expires_every_overdue_request(world: World) -> None:
    setup = make_cascade(world)
    services.send_requests(setup.mentee, by=world.mentee, now=NOW)
    assert services.expire_overdue_requests(now=NOW + dt.timedelta(days=1)) == 0
    assert services.expire_overdue_requests(now=NOW + dt.timedelta(days=3)) == 1
    assert setup.statuses() == ["expired", "pending", "queued"]
    assert services.expire_overdue_requests(now=NOW + dt.timedelta(days=6)) == 1
    assert services.expire_overdue_requests(now=NOW + dt.timedelta(days=9)) == 1
    assert setup.statuses() == ["expired", "expired", "expired"]
    assert kinds_for(world.coordinator)[-1] == NotificationKind.MENTEE_UNMATCHED


def test_the_expire_requests_command_runs_the_sweep(cascade: Cascade, capsys: Any) -> None:
    services.send_requests(
        cascade.mentee, by=cascade.world.mentee, now=timezone.now() - dt.timedelta(days=4)
    )
    call_command("expire_requests")
    assert "1 overdue request passed on." in capsys.readouterr().out
    assert cascade.statuses() == ["expired", "pending", "queued"]


# --- asking for more information ------------------------------------------------------------


def test_a_question_pauses_the_deadline_until_the_mentee_answers(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee, now=NOW)
    first = cascade.request_to(0)
    services.ask_for_information(
        first, by=cascade.mentors[0].user, question="What would you like to work on first?"
    )
    first.refresh_from_db()
    assert first.status == RequestStatus.INFO_REQUESTED
    assert first.deadline is None
    assert kinds_for(cascade.world.mentee) == [NotificationKind.REQUEST_ANSWERED]
    # Paused: neither the sweep nor a stale task expires it, however late.
    assert services.expire_overdue_requests(now=NOW + dt.timedelta(days=30)) == 0
    assert services.expire_request(first.pk, now=NOW + dt.timedelta(days=30)) is False
    with pytest.raises(ServiceError, match="already asked"):
        services.ask_for_information(first, by=cascade.mentors[0].user, question="And?")
    answered_at = NOW + dt.timedelta(days=10)
    services.answer_question(
        first, by=cascade.world.mentee, answer="Negotiation, then hiring.", now=answered_at
    )
    first.refresh_from_db()
    assert first.status == RequestStatus.PENDING
    assert first.deadline == answered_at + dt.timedelta(days=3)
    assert "Answer: Negotiation, then hiring." in first.message
    assert kinds_for(cascade.mentors[0].user) == [
        NotificationKind.REQUEST_RECEIVED,
        NotificationKind.REQUEST_RECEIVED,
    ]


def test_only_the_mentee_answers_and_only_a_question(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    first = cascade.request_to(0)
    with pytest.raises(ServiceError, match="has not asked you anything"):
        services.answer_question(first, by=cascade.world.mentee, answer="Hi")
    services.ask_for_information(first, by=cascade.mentors[0].user, question="Why me?")
    with pytest.raises(ServiceError, match="Only the mentee"):
        services.answer_question(first, by=cascade.mentors[0].user, answer="Hi")
    with pytest.raises(ServiceError, match="Write your answer"):
        services.answer_question(first, by=cascade.world.mentee, answer="  ")


# --- accepting ------------------------------------------------------------------------------


def test_accept_starts_the_relationship_closes_the_rest_and_introduces_both(
    cascade: Cascade,
) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    services.decline_request(
        cascade.request_to(0), by=cascade.mentors[0].user, reason=DeclineReason.SCHEDULES
    )
    relationship = services.accept_request(cascade.request_to(1), by=cascade.mentors[1].user)
    assert cascade.statuses() == ["declined", "accepted", "closed"]
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.source == Relationship.Source.REQUEST
    assert relationship.score is not None
    assert relationship.explanation
    assert cascade.request_to(1).relationship == relationship
    assert kinds_for(cascade.world.mentee)[-2:] == [
        NotificationKind.MATCH_INTRODUCTION,
        NotificationKind.REQUEST_ANSWERED,
    ]
    assert kinds_for(cascade.mentors[1].user)[-1] == NotificationKind.MATCH_INTRODUCTION
    intro = Notification.objects.filter(
        recipient=cascade.world.mentee, kind=NotificationKind.MATCH_INTRODUCTION
    ).get()
    assert intro.url == cascade.world.url("match/")
    assert kinds_for(cascade.mentors[2].user) == []


def test_accept_beyond_capacity_is_refused_with_the_numbers(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[0], mentee=other, source="manual"
    )
    with pytest.raises(ServiceError) as refused:
        services.accept_request(cascade.request_to(0), by=cascade.mentors[0].user)
    assert refused.value.message.startswith("You have no place left: 1 mentee already for 1 place.")
    assert cascade.request_to(0).status == RequestStatus.PENDING
    assert not Relationship.objects.filter(mentee=cascade.mentee).exists()


def test_accept_when_the_program_left_the_matching_stages_is_refused(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    Program.objects.filter(pk=cascade.program.pk).update(status=ProgramStatus.CLOSING)
    with pytest.raises(ServiceError, match="“Closing” stage"):
        services.accept_request(cascade.request_to(0), by=cascade.mentors[0].user)


def test_withdraw_takes_back_every_open_request_and_allows_sending_again(
    cascade: Cascade,
) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    assert services.withdraw_requests(cascade.mentee, by=cascade.world.mentee) == 3
    assert cascade.statuses() == ["withdrawn", "withdrawn", "withdrawn"]
    with pytest.raises(ServiceError, match="no open requests"):
        services.withdraw_requests(cascade.mentee, by=cascade.world.mentee)
    (state,) = [c for c in services.program_cascades(cascade.program) if c.mentee == cascade.mentee]
    assert state.state == services.CascadeState.WITHDRAWN
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    assert cascade.statuses() == ["pending", "queued", "queued"]


def test_a_mentor_who_declined_cannot_be_asked_again(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    services.decline_request(
        cascade.request_to(0), by=cascade.mentors[0].user, reason=DeclineReason.OTHER
    )
    services.withdraw_requests(cascade.mentee, by=cascade.world.mentee)
    with pytest.raises(ServiceError, match="already answered an earlier request"):
        services.send_requests(cascade.mentee, by=cascade.world.mentee)


# --- coordinators -------------------------------------------------------------------------


def test_unmatched_mentees_get_suggestions_without_the_mentors_who_said_no(
    cascade: Cascade,
) -> None:
    free = MembershipFactory(
        program=cascade.program, role=Role.MENTOR, user=UserFactory(full_name="Free Mentor")
    )
    free.answers = profile_answers(Role.MENTOR, 7)
    free.save()
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    for index, mentor in enumerate(cascade.mentors):
        services.decline_request(cascade.request_to(index), by=mentor.user, reason="other")
    cascades = services.program_cascades(cascade.program)
    services.attach_suggestions(cascade.program, cascades)
    (state,) = [c for c in cascades if c.mentee == cascade.mentee]
    assert [s.mentor for s in state.suggestions] == [free]
    relationship = services.match_by_hand(
        cascade.program, mentee=cascade.mentee, mentor=free, by=cascade.world.coordinator
    )
    assert relationship.source == Relationship.Source.MANUAL
    assert kinds_for(free.user)[-1] == NotificationKind.MATCH_INTRODUCTION
    assert AuditEntry.objects.filter(action="relationship.matched_by_hand").count() == 1


def test_match_by_hand_refuses_a_full_mentor(cascade: Cascade) -> None:
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[0], mentee=other, source="manual"
    )
    with pytest.raises(ServiceError) as refused:
        services.match_by_hand(
            cascade.program,
            mentee=cascade.mentee,
            mentor=cascade.mentors[0],
            by=cascade.world.coordinator,
        )
    name = cascade.mentors[0].user.display_name
    assert refused.value.message.startswith(f"{name} has no place left: 1 mentee already")


def test_notification_templates_render_for_every_request_kind(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    services.decline_request(
        cascade.request_to(0), by=cascade.mentors[0].user, reason=DeclineReason.BETTER_FIT
    )
    services.decline_request(
        cascade.request_to(1), by=cascade.mentors[1].user, reason=DeclineReason.BETTER_FIT
    )
    services.expire_request(cascade.request_to(2).pk, now=timezone.now() + dt.timedelta(days=4))
    for notification in Notification.objects.all():
        assert notification.title, notification.kind
        assert notification.body, notification.kind
        assert "{{" not in notification.body
        assert "{%" not in notification.body
    coordinator_unmatched = Notification.objects.get(
        recipient=cascade.world.coordinator, kind=NotificationKind.MENTEE_UNMATCHED
    )
    assert coordinator_unmatched.title == (
        f"{cascade.world.mentee.display_name} is unmatched after their requests in Spring"
    )
