"""The demo's six weeks of history: pairs that thrive, pairs that stalled, a group, and the
demo pair's own mentorship — and the coordinator's page finds the stalled ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import User
from tandem.demo.history import GROUP_NAME, PROGRAM_AGE_DAYS, seed_history
from tandem.demo.seed import DEMO_LOGINS, SeedReport, seed_demo
from tandem.mentoring.enums import MeetingStatus, MentorshipKind
from tandem.mentoring.models import (
    ActionItem,
    Assignment,
    Meeting,
    MeetingAttendee,
    MeetingRating,
    MeetingRecord,
    MentoringGroup,
    Mentorship,
    Message,
    Relationship,
)
from tandem.mentoring.queries.mentorships import (
    ListFilter,
    MentorshipListQuery,
    program_mentorships,
)
from tandem.mentoring.services.activity import compute_figures
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> SeedReport:
    return seed_demo(participants=80, seed=7)


def _demo_pair() -> Mentorship:
    return Mentorship.objects.filter(members__membership__user__email=DEMO_LOGINS["mentor"]).get(
        members__membership__user__email=DEMO_LOGINS["mentee"]
    )


def test_demo_history_starts_the_program_six_weeks_ago(demo: SeedReport) -> None:
    assert demo.program.status == ProgramStatus.ACTIVE
    assert demo.program.starts_on == timezone.localdate() - dt.timedelta(days=PROGRAM_AGE_DAYS)
    assert demo.history is not None
    assert demo.history.pairs_thriving > demo.history.pairs_stalled > 0
    assert demo.history.groups == 1


def test_demo_history_thriving_pairs_meet_at_the_cadence(demo: SeedReport) -> None:
    thriving = Mentorship.objects.filter(
        program=demo.program, kind=MentorshipKind.PAIR, meetings_held__gte=3
    ).exclude(members__membership__user__email=DEMO_LOGINS["mentee"])
    assert thriving.count() == demo.history.pairs_thriving  # type: ignore[union-attr]
    one = thriving.first()
    assert one is not None
    assert one.next_meeting_at is not None
    assert one.next_meeting_at > timezone.now()
    assert one.records_missing == 0
    assert one.action_items_done > 0
    assert Message.objects.filter(mentorship=one).count() >= 3
    scores = set(
        MeetingRating.objects.filter(meeting__mentorship=one).values_list("score", flat=True)
    )
    assert scores
    assert scores <= {4, 5}
    assert Assignment.objects.filter(mentorship=one, submitted_at__isnull=False).count() == 1


def test_demo_history_stalled_pairs_met_once_forty_days_ago(demo: SeedReport) -> None:
    stalled = Mentorship.objects.filter(program=demo.program, meetings_held=1)
    assert stalled.count() == demo.history.pairs_stalled  # type: ignore[union-attr]
    for mentorship in stalled:
        assert mentorship.next_meeting_at is None
        assert mentorship.last_met_at is not None
        assert mentorship.last_met_at < timezone.now() - dt.timedelta(days=35)
    missing = stalled.filter(records_missing=1)
    overdue = ActionItem.objects.filter(
        mentorship__in=stalled, done_at__isnull=True, due_on__lt=timezone.localdate()
    )
    assert missing.exists()
    assert overdue.exists()


def test_demo_history_has_a_group_with_attendance(demo: SeedReport) -> None:
    group = Mentorship.objects.get(program=demo.program, kind=MentorshipKind.GROUP)
    assert group.name == GROUP_NAME
    assert group.members.filter(is_facilitator=True).count() == 1
    assert group.members.count() == 5
    held = Meeting.objects.filter(mentorship=group, status=MeetingStatus.HELD)
    assert held.count() == 3
    attendance = MeetingAttendee.objects.filter(meeting__in=held).exclude(attended=None)
    assert attendance.count() == 3 * 5  # each member, facilitator included, per meeting
    assert MeetingRecord.objects.filter(meeting__in=held).count() == 3


def test_demo_history_gives_the_demo_pair_a_meeting_tomorrow(demo: SeedReport) -> None:
    mentorship = _demo_pair()
    meetings = list(Meeting.objects.filter(mentorship=mentorship).order_by("start"))
    assert [m.status for m in meetings] == ["held", "held", "scheduled"]
    assert meetings[-1].start.date() == timezone.localdate() + dt.timedelta(days=1)
    assert MeetingRecord.objects.filter(meeting__mentorship=mentorship).count() == 2
    assert MeetingAttendee.objects.filter(meeting=meetings[-1]).count() == 2


def test_demo_history_figures_match_a_recomputation(demo: SeedReport) -> None:
    ids = list(Mentorship.objects.filter(program=demo.program).values_list("pk", flat=True))
    stored = {m.pk: m for m in Mentorship.objects.filter(pk__in=ids)}
    for pk, figures in compute_figures(ids).items():
        assert {k: getattr(stored[pk], k) for k in figures} == figures


def test_demo_history_leaves_late_joiners_to_match(demo: SeedReport) -> None:
    unpaired = (
        Membership.objects.filter(program=demo.program, role="mentee")
        .annotate(places=Count("mentorship_places"))
        .filter(places=0)
    )
    assert unpaired.count() >= 6


def test_demo_history_is_written_once(demo: SeedReport) -> None:
    before = Meeting.objects.count()
    again = seed_demo(participants=80, seed=7)
    assert again.history is None
    assert Meeting.objects.count() == before


def test_demo_history_is_deterministic(demo: SeedReport) -> None:
    first = sorted(Meeting.objects.values_list("start", "status"))
    Relationship.objects.all().delete()
    MentoringGroup.objects.all().delete()
    Mentorship.objects.all().delete()
    mentor = Membership.objects.get(user__email=DEMO_LOGINS["mentor"])
    mentee = Membership.objects.get(user__email=DEMO_LOGINS["mentee"])
    seed_history(demo.program, demo_mentor=mentor, demo_mentee=mentee, seed=7)
    assert sorted(Meeting.objects.values_list("start", "status")) == first


@pytest.mark.parametrize(
    "named",
    [ListFilter.QUIET, ListFilter.NO_NEXT_MEETING, ListFilter.BEHIND, ListFilter.RECORDS_MISSING],
)
def test_demo_coordinator_filters_find_the_stalled_pairs(
    demo: SeedReport, named: ListFilter
) -> None:
    found = set(
        program_mentorships(demo.program, MentorshipListQuery(show=named)).mentorships.values_list(
            "pk", flat=True
        )
    )
    stalled = set(
        Mentorship.objects.filter(program=demo.program, meetings_held=1).values_list(
            "pk", flat=True
        )
    )
    if named == ListFilter.RECORDS_MISSING:
        assert found
        assert found <= stalled
    else:
        assert found == stalled


def test_demo_coordinator_sees_the_page(demo: SeedReport, client: Client) -> None:
    client.force_login(User.objects.get(email=DEMO_LOGINS["coordinator"]))
    response = client.get(f"{demo.program.get_absolute_url()}mentorships/?show=quiet")
    assert response.status_code == 200
    assert len(response.context["rows"]) == demo.history.pairs_stalled  # type: ignore[union-attr]


def test_seed_history_needs_no_more_than_a_handful_of_people(db: Any) -> None:
    report = seed_demo(participants=5, seed=3)
    assert report.history is not None
    assert _demo_pair().meetings_held == 2


def test_demo_mentees_answer_the_communication_style_preference(demo: SeedReport) -> None:
    from tandem.matches.enums import CriterionKind
    from tandem.matches.problem import install_default_criteria

    answers = [
        m.answers.get("communication_style_preference")
        for m in Membership.objects.filter(program=demo.program, role="mentee")
    ]
    assert set(answers) >= {"Someone like me", "Someone different from me", "No preference"}
    # a scenario the coordinator runs in the demo weighs the answer
    kinds = {criterion.kind for criterion in install_default_criteria(demo.program)}
    assert CriterionKind.PREFERENCE in kinds
