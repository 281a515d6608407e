"""The coordinator's mentorships list, its CSV export and a mentorship's overview: figures and
dates only, for coordinators and org admins; the same 404 for everyone else."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import User
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import Mentorship, Message
from tandem.mentoring.queries.mentorships import (
    ListFilter,
    MentorshipListQuery,
    expected_meetings,
    program_mentorships,
)
from tandem.mentoring.services.activity import refresh_activity, refresh_activity_many
from tandem.mentoring.views.coordinator import _csv_cell
from tandem.programs.enums import MeetingCadence
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.activity_support import action_item, days_ago, meeting_at
from tests.mentoring.factories import Pair, everyone, make_group, make_pair, membership_of

SECRET = "Private note about the promotion"


def _list(world: World, query: str = "") -> str:
    return world.url("mentorships/") + (f"?{query}" if query else "")


def _started(mentorship: Mentorship, days: int) -> None:
    Mentorship.objects.filter(pk=mentorship.pk).update(started_at=days_ago(days))


def _history(pair: Pair) -> None:
    """The world's pair thrives (met 3 days ago, next meeting set); the other stalled (met
    once 40 days ago, no record, nothing planned)."""
    world_pair = pair.mentorship
    _started(world_pair, 42)
    for days in (40, 26, 12):
        meeting_at(world_pair, days_ago(days), status=MeetingStatus.HELD, recorded_by=pair.mentor)
    meeting = meeting_at(world_pair, days_ago(3), status=MeetingStatus.HELD)
    from tandem.mentoring.models import MeetingRecord

    MeetingRecord.objects.create(meeting=meeting, written_by=pair.mentor, notes=SECRET)
    meeting_at(world_pair, days_ago(-2))
    action_item(world_pair, pair.mentee, done=True)
    action_item(world_pair, pair.mentee)
    Message.objects.create(mentorship=world_pair, author=pair.mentee, body=SECRET)
    _started(pair.other, 42)
    meeting_at(pair.other, days_ago(40), status=MeetingStatus.HELD)
    refresh_activity_many([world_pair.pk, pair.other.pk])


# --- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_program_mentorships_shows_every_mentorship_to_coordinators(
    world: World, pair: Pair, login: Any, who: str
) -> None:
    _history(pair)
    response = login(getattr(world, who)).get(_list(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.mentor.display_name in page
    assert pair.other_mentee.display_name in page
    assert "2 mentorships" in page
    assert SECRET not in page


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant", "outsider"])
def test_program_mentorships_is_404_for_everyone_else(
    world: World, pair: Pair, login: Any, who: str
) -> None:
    client = login(getattr(world, who))
    assert client.get(_list(world)).status_code == 404
    assert client.get(world.url("mentorships.csv")).status_code == 404


def test_program_mentorships_needs_a_login(world: World, client: Client) -> None:
    response = client.get(_list(world))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_program_mentorships_lists_only_its_program(world: World, pair: Pair, login: Any) -> None:
    elsewhere_mentor = MembershipFactory(program=world.other_program, role="mentor")
    elsewhere_mentee = MembershipFactory(program=world.other_program, role="mentee")
    make_pair(world.other_program, mentor=elsewhere_mentor, mentee=elsewhere_mentee)
    page = login(world.coordinator).get(_list(world)).content.decode()
    assert elsewhere_mentee.user.display_name not in page


# --- figures, filters, search, sort -----------------------------------------------------------


def test_program_mentorships_shows_the_figures(world: World, pair: Pair, login: Any) -> None:
    _history(pair)
    response = login(world.coordinator).get(_list(world))
    rows = {row.mentorship.pk: row for row in response.context["rows"]}
    thriving = rows[pair.mentorship.pk]
    assert thriving.mentorship.meetings_held == 4
    assert thriving.mentorship.meetings_scheduled == 1
    assert thriving.mentorship.action_items_open == 1
    assert thriving.mentorship.action_items_done == 1
    assert thriving.expected == 3  # six weeks every two weeks
    assert thriving.behind is False
    stalled = rows[pair.other.pk]
    assert (stalled.mentorship.meetings_held, stalled.mentorship.records_missing) == (1, 1)
    assert stalled.behind is True
    assert [m.membership.user for m in thriving.leads] == [world.mentor]
    assert [m.membership.user for m in thriving.mentees] == [world.mentee]


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("quiet", "other"),
        ("no_next_meeting", "other"),
        ("records_missing", "other"),
        ("behind", "other"),
    ],
)
def test_program_mentorships_named_filters_find_the_stalled_pair(
    world: World, pair: Pair, login: Any, show: str, expected: str
) -> None:
    _history(pair)
    response = login(world.coordinator).get(_list(world, f"show={show}"))
    assert [row.mentorship.pk for row in response.context["rows"]] == [pair.other.pk]
    assert response.context["counts"][f"show:{show}"] == 1


def test_program_mentorships_quiet_filter_spares_a_pair_that_just_started(
    world: World, pair: Pair
) -> None:
    _started(pair.mentorship, 5)
    _started(pair.other, 45)
    listing = program_mentorships(world.program, MentorshipListQuery(show=ListFilter.QUIET))
    assert [m.pk for m in listing.mentorships] == [pair.other.pk]


def test_program_mentorships_filters_by_status_and_kind(
    world: World, pair: Pair, login: Any
) -> None:
    Mentorship.objects.filter(pk=pair.other.pk).update(status="ended_early")
    facilitator = MembershipFactory(program=world.program, role="mentor")
    mentees = [MembershipFactory(program=world.program, role="mentee") for _ in range(2)]
    group = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    client = login(world.coordinator)
    ended = client.get(_list(world, "status=ended_early")).context["rows"]
    assert [row.mentorship.pk for row in ended] == [pair.other.pk]
    groups = client.get(_list(world, "kind=group")).context
    assert [row.mentorship.pk for row in groups["rows"]] == [group.pk]
    assert groups["counts"]["kind:group"] == 1
    assert groups["counts"]["kind:pair"] == 2
    assert groups["counts"]["status:ended_early"] == 1
    assert "Harbour" in groups["rows"][0].title


def test_program_mentorships_searches_member_names(world: World, pair: Pair, login: Any) -> None:
    User.objects.filter(pk=pair.other_mentee.pk).update(full_name="Zainab Okafor")
    response = login(world.coordinator).get(_list(world, "q=okaf"))
    assert [row.mentorship.pk for row in response.context["rows"]] == [pair.other.pk]
    assert "1 mentorship shown" in response.content.decode()


def test_program_mentorships_sorts_by_each_column(world: World, pair: Pair, login: Any) -> None:
    _history(pair)
    client = login(world.coordinator)
    by_last_met = client.get(_list(world, "sort=-last_met_at")).context["rows"]
    assert [row.mentorship.pk for row in by_last_met] == [pair.mentorship.pk, pair.other.pk]
    by_missing = client.get(_list(world, "sort=-records_missing")).context["rows"]
    assert [row.mentorship.pk for row in by_missing] == [pair.other.pk, pair.mentorship.pk]
    by_next = client.get(_list(world, "sort=next_meeting_at")).context["rows"]
    assert [row.mentorship.pk for row in by_next] == [pair.mentorship.pk, pair.other.pk]
    User.objects.filter(pk=pair.other_mentor.pk).update(full_name="Aaron Abebe")
    by_name = client.get(_list(world, "sort=members")).context["rows"]
    assert by_name[0].mentorship.pk == pair.other.pk


def test_program_mentorships_sort_headings_toggle_and_keep_filters(
    world: World, pair: Pair, login: Any
) -> None:
    response = login(world.coordinator).get(_list(world, "sort=-last_met_at&kind=pair&page=2"))
    headings = {h["key"]: h for h in response.context["headings"] if h["key"]}
    assert headings["last_met_at"]["aria_sort"] == "descending"
    assert headings["last_met_at"]["query"] == "sort=last_met_at&kind=pair"
    assert headings["records_missing"]["query"] == "sort=-records_missing&kind=pair"
    assert headings["members"]["query"] == "sort=members&kind=pair"
    assert 'aria-sort="descending"' in response.content.decode()


def test_program_mentorships_refuses_an_unknown_sort_clearly(
    world: World, pair: Pair, login: Any
) -> None:
    response = login(world.coordinator).get(_list(world, "sort=notes"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert "Some filters were not understood" in response.content.decode()
    assert "sort" in response.context["form"].errors


def test_program_mentorships_paginates_by_fifty(world: World, login: Any) -> None:
    _mentorships(world, 51)
    client = login(world.coordinator)
    first = client.get(_list(world))
    assert len(first.context["rows"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(_list(world, "page=2")).context["rows"]) == 1


def test_program_mentorships_htmx_returns_the_table_only(
    world: World, pair: Pair, login: Any
) -> None:
    response = login(world.coordinator).get(
        _list(world, "kind=pair"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="mentorship-table"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="mentorship-table"')
    assert "<h1>" not in page


def _mentorships(world: World, count: int) -> list[Mentorship]:
    made = []
    for _ in range(count):
        mentor = MembershipFactory(program=world.program, role="mentor")
        mentee = MembershipFactory(program=world.program, role="mentee")
        mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
        meeting_at(mentorship, days_ago(10), status=MeetingStatus.HELD)
        meeting_at(mentorship, days_ago(-4))
        action_item(mentorship, mentee)
        made.append(mentorship)
    refresh_activity_many([m.pk for m in made])
    return made


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("query", ["", "sort=-last_met_at&show=records_missing", "kind=pair"])
def test_program_mentorships_runs_in_constant_queries(
    world: World, login: Any, django_assert_num_queries: Any, count: int, query: str
) -> None:
    _mentorships(world, count)
    client = login(world.coordinator)
    client.get(_list(world, query))  # warm the session
    # session, user, the access (organization, its admins, program, membership), oldest
    # start, counts, page count, page, members, unread notifications, the organization
    with django_assert_num_queries(13):
        response = client.get(_list(world, query))
    assert response.status_code == 200


# --- the CSV export ---------------------------------------------------------------------------


def _csv(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_program_mentorships_csv_exports_the_figures(world: World, pair: Pair, login: Any) -> None:
    _history(pair)
    response = login(world.coordinator).get(world.url("mentorships.csv?sort=-records_missing"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert 'filename="spring-mentorships-' in response["Content-Disposition"]
    rows = _csv(response)
    assert [int(row["id"]) for row in rows] == [pair.other.pk, pair.mentorship.pk]
    thriving = rows[1]
    assert thriving["mentors"] == world.mentor.display_name
    assert thriving["mentees"] == world.mentee.display_name
    assert (thriving["meetings_held"], thriving["meetings_scheduled"]) == ("4", "1")
    assert (thriving["action_items_open"], thriving["action_items_done"]) == ("1", "1")
    assert (thriving["cadence"], thriving["meetings_expected"]) == ("biweekly", "3")
    assert rows[0]["behind_cadence"] == "yes"
    assert SECRET not in response.content.decode("utf-8-sig")


def test_program_mentorships_csv_applies_the_filters(world: World, pair: Pair, login: Any) -> None:
    _history(pair)
    rows = _csv(login(world.coordinator).get(world.url("mentorships.csv?show=records_missing")))
    assert [int(row["id"]) for row in rows] == [pair.other.pk]


def test_program_mentorships_csv_neutralises_formulas(world: World, pair: Pair, login: Any) -> None:
    User.objects.filter(pk=pair.other_mentee.pk).update(full_name="=HYPERLINK(1)")
    rows = _csv(login(world.coordinator).get(world.url("mentorships.csv")))
    assert {row["mentees"] for row in rows} == {"'=HYPERLINK(1)", world.mentee.display_name}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1", "'+33 1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Ana", "Ana"),
        (3, "3"),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_cell_neutralises_formula_starts(value: Any, cell: str) -> None:
    assert _csv_cell(value) == cell


# --- the overview of one mentorship -----------------------------------------------------------


def _overview(world: World, mentorship: Mentorship) -> str:
    return world.url(f"mentorships/{mentorship.pk}/overview/")


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 200), ("other_participant", 404), ("coordinator", 200), ("outsider", 404)],
)
def test_mentorship_overview_privacy_matrix(
    world: World, pair: Pair, login: Any, who: str, status: int
) -> None:
    _history(pair)
    response = login(everyone(world, pair)[who]).get(_overview(world, pair.mentorship))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert SECRET not in page
        assert "Meetings held" in page


def test_mentorship_overview_shows_dates_statuses_and_records(
    world: World, pair: Pair, login: Any
) -> None:
    _history(pair)
    response = login(world.coordinator).get(_overview(world, pair.mentorship))
    page = response.content.decode()
    assert [m.status for m in response.context["meetings"]] == ["scheduled"] + ["held"] * 4
    assert page.count("Filled") == 4
    assert "All mentorships" in page
    assert SECRET not in page


def test_mentorship_overview_is_404_for_another_programs_mentorship(
    world: World, pair: Pair, login: Any
) -> None:
    mentor = MembershipFactory(program=world.other_program, role="mentor")
    mentee = MembershipFactory(program=world.other_program, role="mentee")
    elsewhere = make_pair(world.other_program, mentor=mentor, mentee=mentee)
    assert login(world.coordinator).get(_overview(world, elsewhere)).status_code == 404


def test_mentorship_overview_of_a_group_names_the_facilitator(world: World, login: Any) -> None:
    facilitator = membership_of(world.mentor, world.program)
    mentees = [MembershipFactory(program=world.program, role="mentee") for _ in range(2)]
    group = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    meeting_at(group, days_ago(-1))
    refresh_activity(group.pk)
    page = login(world.coordinator).get(_overview(world, group)).content.decode()
    assert f"{world.mentor.display_name} — facilitator" in page
    assert "Harbour" in page


def test_the_coordinator_navigation_links_the_mentorships_page(world: World, login: Any) -> None:
    client = login(world.coordinator)
    link = f'href="{_list(world)}"'
    assert link in client.get(world.url()).content.decode()
    assert link in client.get(world.url("relationships/")).content.decode()


def test_the_participant_navigation_does_not_link_it(world: World, login: Any) -> None:
    page = login(world.mentee).get(world.url()).content.decode()
    assert f'href="{_list(world)}"' not in page


# --- expected meetings --------------------------------------------------------------------------


NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("days", "cadence", "expected"),
    [
        (0, MeetingCadence.WEEKLY, 0),
        (6, MeetingCadence.WEEKLY, 0),
        (7, MeetingCadence.WEEKLY, 1),
        (20, MeetingCadence.WEEKLY, 2),
        (13, MeetingCadence.BIWEEKLY, 0),
        (14, MeetingCadence.BIWEEKLY, 1),
        (42, MeetingCadence.BIWEEKLY, 3),
        (30, MeetingCadence.MONTHLY, 0),  # 16 May → 15 June: not yet a month
        (31, MeetingCadence.MONTHLY, 1),
        (95, MeetingCadence.MONTHLY, 3),
        (-3, MeetingCadence.WEEKLY, 0),
    ],
)
def test_expected_meetings_counts_whole_periods(days: int, cadence: str, expected: int) -> None:
    assert expected_meetings(NOW - dt.timedelta(days=days), cadence, now=NOW) == expected


def test_expected_meetings_without_a_start_is_zero() -> None:
    assert expected_meetings(None, MeetingCadence.WEEKLY, now=NOW) == 0


def test_behind_filter_agrees_with_expected_meetings(world: World) -> None:
    """Every (start, held) combination: the SQL filter and the Python figure agree."""
    now = timezone.now()
    made = []
    for days in (0, 13, 14, 29, 41, 42, 60, 90):
        for held in (0, 1, 2, 3, 4):
            mentor = MembershipFactory(program=world.program, role="mentor")
            mentee = MembershipFactory(program=world.program, role="mentee")
            mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
            Mentorship.objects.filter(pk=mentorship.pk).update(
                started_at=now - dt.timedelta(days=days, minutes=1), meetings_held=held
            )
            made.append(mentorship.pk)
    listing = program_mentorships(
        world.program, MentorshipListQuery(show=ListFilter.BEHIND), now=now
    )
    behind = {m.pk for m in listing.mentorships}
    expected = {
        m.pk
        for m in Mentorship.objects.filter(pk__in=made)
        if m.meetings_held < expected_meetings(m.started_at, MeetingCadence.BIWEEKLY, now=now)
    }
    assert behind == expected
    assert len(expected) > 5
