"""The activity figures a coordinator sees, recomputed from a mentorship's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import Assignment, Mentorship, Message
from tandem.mentoring.services.activity import (
    compute_figures,
    refresh_activity,
    refresh_activity_many,
    refresh_due_activity,
)
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.activity_support import action_item, days_ago, meeting_at
from tests.mentoring.factories import Pair, make_pair


def _fresh(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.get(pk=mentorship.pk)


def test_refresh_activity_of_an_empty_mentorship_is_all_zero(pair: Pair) -> None:
    refresh_activity(pair.mentorship.pk)
    mentorship = _fresh(pair.mentorship)
    assert (
        mentorship.meetings_scheduled,
        mentorship.meetings_held,
        mentorship.records_missing,
        mentorship.action_items_open,
        mentorship.action_items_done,
    ) == (0, 0, 0, 0, 0)
    assert mentorship.last_met_at is None
    assert mentorship.next_meeting_at is None
    assert mentorship.last_activity_at == mentorship.started_at


def test_refresh_activity_counts_held_and_scheduled_meetings(pair: Pair) -> None:
    m = pair.mentorship
    meeting_at(m, days_ago(20), status=MeetingStatus.HELD, recorded_by=pair.mentor)
    meeting_at(m, days_ago(6))  # scheduled and past: it happened
    meeting_at(m, days_ago(3), status=MeetingStatus.CANCELLED)
    meeting_at(m, days_ago(-2))
    meeting_at(m, days_ago(-9))
    refresh_activity(m.pk)
    mentorship = _fresh(m)
    assert mentorship.meetings_held == 2
    assert mentorship.meetings_scheduled == 2


def test_refresh_activity_last_met_and_next_meeting(pair: Pair) -> None:
    m = pair.mentorship
    last = meeting_at(m, days_ago(6), status=MeetingStatus.HELD)
    meeting_at(m, days_ago(20), status=MeetingStatus.HELD)
    meeting_at(m, days_ago(1), status=MeetingStatus.CANCELLED)
    soon = meeting_at(m, days_ago(-2))
    meeting_at(m, days_ago(-1), status=MeetingStatus.CANCELLED)
    meeting_at(m, days_ago(-9))
    refresh_activity(m.pk)
    mentorship = _fresh(m)
    assert mentorship.last_met_at == last.start
    assert mentorship.next_meeting_at == soon.start


def test_refresh_activity_records_missing_after_the_grace_period(pair: Pair) -> None:
    m = pair.mentorship
    meeting_at(m, days_ago(10), status=MeetingStatus.HELD)  # missing
    meeting_at(m, days_ago(8))  # scheduled, past, no record: missing
    meeting_at(m, days_ago(6), status=MeetingStatus.HELD, recorded_by=pair.mentor)
    meeting_at(m, days_ago(5), status=MeetingStatus.HELD, logged=True, recorded_by=pair.mentor)
    meeting_at(m, days_ago(4), status=MeetingStatus.CANCELLED)
    meeting_at(m, days_ago(1))  # within 48 hours: not missing yet
    meeting_at(m, days_ago(-3))
    refresh_activity(m.pk)
    assert _fresh(m).records_missing == 2


def test_refresh_activity_counts_action_items_open_and_done(pair: Pair) -> None:
    m = pair.mentorship
    action_item(m, pair.mentee)
    action_item(m, pair.mentee)
    action_item(m, pair.mentor)
    action_item(m, pair.mentor, done=True)
    action_item(pair.other, pair.mentor, done=True)  # another mentorship's
    refresh_activity(m.pk)
    mentorship = _fresh(m)
    assert (mentorship.action_items_open, mentorship.action_items_done) == (3, 1)


@pytest.mark.parametrize("source", ["message", "submission", "item_done", "meeting"])
def test_refresh_activity_last_activity_is_the_latest_write(pair: Pair, source: str) -> None:
    m = pair.mentorship
    moment = timezone.now() + dt.timedelta(minutes=5)
    if source == "message":
        message = Message.objects.create(mentorship=m, author=pair.mentee, body="Hello")
        Message.objects.filter(pk=message.pk).update(created_at=moment)
    elif source == "submission":
        Assignment.objects.create(
            mentorship=m, assignee=pair.mentee, prompt="Write", submitted_at=moment
        )
    elif source == "item_done":
        item = action_item(m, pair.mentee)
        type(item).objects.filter(pk=item.pk).update(created_at=days_ago(3), done_at=moment)
    else:
        meeting = meeting_at(m, days_ago(-4))
        type(meeting).objects.filter(pk=meeting.pk).update(updated_at=moment)
    refresh_activity(m.pk)
    assert _fresh(m).last_activity_at == moment


def test_refresh_activity_touches_only_its_mentorship(pair: Pair) -> None:
    meeting_at(pair.mentorship, days_ago(5), status=MeetingStatus.HELD)
    refresh_activity(pair.mentorship.pk)
    assert _fresh(pair.other).meetings_held == 0


def test_refresh_activity_many_equals_one_by_one(world: World, pair: Pair) -> None:
    meeting_at(pair.mentorship, days_ago(5), status=MeetingStatus.HELD)
    meeting_at(pair.other, days_ago(-5))
    action_item(pair.other, pair.mentor, done=True)
    assert refresh_activity_many([pair.mentorship.pk, pair.other.pk, pair.other.pk]) == 2
    both = {m.pk: m for m in Mentorship.objects.filter(pk__in=[pair.mentorship.pk, pair.other.pk])}
    assert (both[pair.mentorship.pk].meetings_held, both[pair.mentorship.pk].records_missing) == (
        1,
        1,
    )
    assert both[pair.other.pk].meetings_scheduled == 1
    assert both[pair.other.pk].action_items_done == 1


def _program_with_history(world: World, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        mentor = MembershipFactory(program=world.program, role="mentor")
        mentee = MembershipFactory(program=world.program, role="mentee")
        mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
        for days in (30, 16, 2, -12):
            meeting_at(mentorship, days_ago(days))
        action_item(mentorship, mentee)
        Message.objects.create(mentorship=mentorship, author=mentee, body="Hi")
        ids.append(mentorship.pk)
    return ids


@pytest.mark.parametrize("count", [1, 30])
def test_refresh_activity_many_runs_in_constant_queries(
    world: World, count: int, django_assert_num_queries: Any
) -> None:
    ids = _program_with_history(world, count)
    # one UPDATE computes every figure in the database
    with django_assert_num_queries(1):
        refresh_activity_many(ids)
    assert Mentorship.objects.get(pk=ids[-1]).meetings_held == 3


@pytest.mark.parametrize("count", [1, 30])
def test_compute_figures_runs_in_one_query(
    world: World, count: int, django_assert_num_queries: Any
) -> None:
    ids = _program_with_history(world, count)
    with django_assert_num_queries(1):
        figures = compute_figures(ids)
    assert figures[ids[0]]["meetings_held"] == 3


def test_compute_figures_ignores_ids_that_do_not_exist(pair: Pair) -> None:
    assert list(compute_figures([pair.mentorship.pk, 999_999])) == [pair.mentorship.pk]


def test_refresh_due_activity_moves_a_passed_meeting_to_held(pair: Pair) -> None:
    m = pair.mentorship
    meeting = meeting_at(m, days_ago(-1))
    refresh_activity(m.pk)
    assert _fresh(m).next_meeting_at == meeting.start
    later = timezone.now() + dt.timedelta(days=1, hours=2)
    assert refresh_due_activity(now=later) == 1
    mentorship = _fresh(m)
    assert (mentorship.meetings_held, mentorship.next_meeting_at) == (1, None)
    assert mentorship.last_met_at == meeting.start


def test_refresh_due_activity_counts_a_record_that_just_became_missing(pair: Pair) -> None:
    m = pair.mentorship
    meeting_at(m, days_ago(1), status=MeetingStatus.HELD)
    refresh_activity(m.pk)
    assert _fresh(m).records_missing == 0
    assert refresh_due_activity(now=timezone.now() + dt.timedelta(days=1, hours=1)) == 1
    assert _fresh(m).records_missing == 1


def test_refresh_due_activity_leaves_quiet_and_ended_mentorships(pair: Pair) -> None:
    meeting_at(pair.other, days_ago(-1))
    refresh_activity(pair.other.pk)
    Mentorship.objects.filter(pk=pair.other.pk).update(status="ended_early")
    meeting_at(pair.mentorship, days_ago(-10))
    refresh_activity(pair.mentorship.pk)
    assert refresh_due_activity(now=timezone.now() + dt.timedelta(days=2)) == 0
