"""Match runs (scenarios): start (inline and queued), progress, compare, review and edits,
publish, the CLI, and N+1 guards on the scenario list and the review table."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tandem.cli import main as cli_main
from tandem.core.errors import ServiceError
from tandem.matches import queries, services
from tandem.matches.enums import PairRuleKind, RunStatus
from tandem.matches.models import MatchRun, PairRule, ProposedMatch, UnmatchedMentee
from tandem.matching.model import fit_of, fit_percent
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import Role
from tandem.programs.models import Membership
from tests.api.test_api import Api
from tests.conftest import World
from tests.matches.runs_support import member, pool, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: World) -> tuple[list[Membership], list[Membership]]:
    """Four mentees and three mentors with one place each: one mentee is always left out."""
    return pool(world.program, world.coordinator, mentees=4, mentors=3)


@pytest.fixture
def scenario(world: World, people: Any) -> MatchRun:
    return run(world.program, world.coordinator, name="First")


def proposal_of(scenario: MatchRun, mentee: Membership) -> ProposedMatch:
    return ProposedMatch.objects.get(run=scenario, mentee=mentee)


# --- who may do what --------------------------------------------------------------------


GET_PAGES = [
    "matching/",
    "matching/{run}/",
    "matching/{run}/progress/",
    "matching/{run}/publish/",
    "matching/{run}/assign/?mentee={mentee}",
    "matching/{run}/swap/?mentee={mentee}",
    "matching/compare/?a={run}&b={run2}",
]
POST_PAGES = [
    "matching/start/",
    "matching/{run}/lock/",
    "matching/{run}/forbid/",
    "matching/{run}/unassign/",
    "matching/{run}/assign/",
    "matching/{run}/swap/",
    "matching/{run}/rerun/",
    "matching/{run}/publish/",
]


def _path(world: World, template: str, scenario: MatchRun, other: MatchRun) -> str:
    mentee = scenario.proposals.first()
    assert mentee is not None
    return world.url(template.format(run=scenario.pk, run2=other.pk, mentee=mentee.mentee_id))


@pytest.mark.parametrize("template", GET_PAGES)
def test_pages_allowed_for_coordinators_and_admins(
    world: World, login: Any, scenario: MatchRun, template: str
) -> None:
    other = run(world.program, world.coordinator, name="Second")
    for user in (world.coordinator, world.org_admin):
        response = login(user).get(_path(world, template, scenario, other))
        assert response.status_code == 200, (template, response.status_code)


@pytest.mark.parametrize("template", GET_PAGES + POST_PAGES)
def test_pages_denied_to_participants_and_hidden_from_outsiders(
    world: World, login: Any, scenario: MatchRun, template: str
) -> None:
    path = _path(world, template, scenario, scenario)
    for user in (world.mentor, world.mentee):
        assert login(user).post(path, {"mentee": 1}).status_code in (403, 405)
        assert login(user).get(path).status_code in (403, 405)
    assert login(world.outsider).get(path).status_code == 404
    assert MatchRun.objects.get(pk=scenario.pk).status == RunStatus.DONE
    assert not Relationship.objects.exists()


def test_a_run_of_another_program_is_404(world: World, login: Any, scenario: MatchRun) -> None:
    from tests.factories import MembershipFactory

    MembershipFactory(program=world.other_program, user=world.coordinator, role=Role.COORDINATOR)
    url = world.url(f"matching/{scenario.pk}/", program=world.other_program)
    assert login(world.coordinator).get(url).status_code == 404


# --- starting runs ------------------------------------------------------------------------


def test_start_small_pool_answers_at_once(world: World, login: Any, people: Any) -> None:
    response = login(world.coordinator).post(
        world.url("matching/start/"), {"name": "Best fit", "objective": "total", "mode": "optimal"}
    )
    started = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == world.url(f"matching/{started.pk}/")
    assert (started.name, started.objective, started.status) == ("Best fit", "total", "done")
    assert started.proposals.count() == 3
    assert started.unmatched.count() == 1
    assert set(started.stats["app_seconds"]) == {"pool", "save"}
    page = login(world.coordinator).get(world.url(f"matching/{started.pk}/")).content.decode()
    assert "Hard to match" in page
    assert UnmatchedMentee.objects.get().reason in page


def test_start_large_pool_is_queued_then_the_worker_finishes_it(
    world: World,
    login: Any,
    people: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(services, "INLINE_POOL_LIMIT", 2)
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(world.url("matching/start/"), {"objective": "coverage", "mode": "optimal"})
    queued = MatchRun.objects.get()
    assert queued.status == RunStatus.QUEUED
    assert len(callbacks) == 1
    page = client.get(world.url(f"matching/{queued.pk}/")).content.decode()
    assert '<progress max="100" value="0"' in page
    assert 'hx-trigger="every 1s"' in page
    progress = client.get(
        world.url(f"matching/{queued.pk}/progress/"), headers={"HX-Request": "true"}
    )
    assert "HX-Refresh" not in progress

    callbacks[0]()  # what on_commit would do: enqueue → the immediate backend runs it
    queued.refresh_from_db()
    assert queued.status == RunStatus.DONE
    assert queued.progress == 100
    progress = client.get(
        world.url(f"matching/{queued.pk}/progress/"), headers={"HX-Request": "true"}
    )
    assert progress["HX-Refresh"] == "true"


def test_start_queued_with_on_commit_executed(
    world: World,
    people: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(services, "INLINE_POOL_LIMIT", 2)
    with django_capture_on_commit_callbacks(execute=True):
        started = services.start_run(world.program, by=world.coordinator)
    started.refresh_from_db()
    assert started.status == RunStatus.DONE
    assert started.proposals.count() == 3


def test_empty_pool_says_why(world: World, login: Any) -> None:
    pool(world.program, world.coordinator, mentees=0, mentors=2)
    response = login(world.coordinator).post(
        world.url("matching/start/"), {"objective": "coverage", "mode": "optimal"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nobody can be matched: no mentees are ready to match" in page
    assert not MatchRun.objects.exists()


def test_failed_run_shows_the_error(world: World, login: Any, scenario: MatchRun) -> None:
    MatchRun.objects.filter(pk=scenario.pk).update(
        status=RunStatus.FAILED, error="locked pairs exceed a mentor's capacity"
    )
    client = login(world.coordinator)
    assert (
        "locked pairs exceed" in client.get(world.url(f"matching/{scenario.pk}/")).content.decode()
    )
    assert "locked pairs exceed" in client.get(world.url("matching/")).content.decode()


# --- scenarios and comparison -------------------------------------------------------------


def test_scenario_figures(world: World, scenario: MatchRun) -> None:
    ((row_run, figures),) = queries.scenario_rows(world.program)
    assert row_run == scenario
    assert (figures.mentees, figures.matched, figures.matched_pct) == (4, 3, 75.0)
    fits = [proposal.fit for proposal in scenario.proposals.all()]
    assert fits == [
        pytest.approx(fit_of(proposal.contributions)) for proposal in scenario.proposals.all()
    ]
    assert figures.mean_fit == pytest.approx(sum(fits) / 3)
    assert figures.min_fit == pytest.approx(min(fits))
    assert figures.certificate_gap == 0
    assert figures.unmatched == 1
    assert figures.reasons[0][1] == 1
    assert sum(m for _, m in figures.mentor_load) == 3


def test_scenario_pages_show_the_mean_and_lowest_fit_as_percentages(
    world: World, login: Any, scenario: MatchRun
) -> None:
    fits = [proposal.fit for proposal in scenario.proposals.all()]
    mean, lowest = fit_percent(sum(fits) / len(fits), 1), fit_percent(min(fits), 1)
    client = login(world.coordinator)
    for page in (world.url(f"matching/{scenario.pk}/"), world.url("matching/")):
        html = client.get(page).content.decode()
        assert mean in html
        assert lowest in html
    program = world.program
    detail = Api(world.coordinator).get(
        f"/api/v1/organizations/{program.organization.slug}/programs/{program.slug}"
        f"/matching/runs/{scenario.pk}"
    )
    assert detail.status_code == 200
    assert detail.json()["figures"]["mean_fit_percent"] == round(100 * sum(fits) / len(fits), 1)
    assert detail.json()["figures"]["lowest_fit_percent"] == round(100 * min(fits), 1)


def test_compare_lists_the_pairs_that_differ(
    world: World, login: Any, people: Any, scenario: MatchRun
) -> None:
    mentees, _mentors = people
    second = run(world.program, world.coordinator, name="Second")
    left_out = second.unmatched.get().mentee
    moved = second.proposals.exclude(mentee=left_out).first()
    assert moved is not None
    services.unassign_in_run(second, mentee=moved.mentee, by=world.coordinator)
    services.assign_in_run(second, mentee=left_out, mentor=moved.mentor, by=world.coordinator)

    comparison = queries.compare(scenario, second)
    in_a = {p.mentee_id: p for p in scenario.proposals.all()}
    in_b = {p.mentee_id: p for p in second.proposals.all()}
    expected = {
        m.pk
        for m in mentees
        if (in_a.get(m.pk) and in_a[m.pk].mentor_id) != (in_b.get(m.pk) and in_b[m.pk].mentor_id)
    }
    assert {d.mentee.pk for d in comparison.differences} == expected
    assert comparison.same == sum(
        1
        for m in mentees
        if m.pk in in_a and m.pk in in_b and in_a[m.pk].mentor_id == in_b[m.pk].mentor_id
    )
    assert expected
    for difference in comparison.differences:
        pa, pb = in_a.get(difference.mentee.pk), in_b.get(difference.mentee.pk)
        assert difference.mentor_a == (pa.mentor if pa else None)
        assert difference.score_b == (pb.score if pb else None)

    response = login(world.coordinator).get(
        world.url("matching/compare/"), {"a": scenario.pk, "b": second.pk}
    )
    assert response.status_code == 200
    assert moved.mentee.user.display_name in response.content.decode()


def test_compare_needs_two_different_runs(world: World, login: Any, scenario: MatchRun) -> None:
    response = login(world.coordinator).get(
        world.url("matching/compare/"), {"a": scenario.pk, "b": scenario.pk}
    )
    assert response.status_code == 302


# --- edits -------------------------------------------------------------------------------


def test_lock_keeps_the_pair_in_later_runs(world: World, login: Any, scenario: MatchRun) -> None:
    proposal = scenario.proposals.order_by("score").first()
    assert proposal is not None
    response = login(world.coordinator).post(
        world.url(f"matching/{scenario.pk}/lock/"), {"mentee": proposal.mentee_id}
    )
    assert response.status_code == 302
    rule = PairRule.objects.get()
    assert (rule.mentee_id, rule.mentor_id, rule.kind) == (
        proposal.mentee_id,
        proposal.mentor_id,
        PairRuleKind.LOCK,
    )
    assert proposal_of(scenario, proposal.mentee).source == ProposedMatch.Source.LOCKED
    later = run(world.program, world.coordinator, objective="fair")
    assert proposal_of(later, proposal.mentee).mentor_id == proposal.mentor_id
    assert proposal_of(later, proposal.mentee).source == ProposedMatch.Source.LOCKED


def test_forbid_removes_the_pair_and_applies_later(
    world: World, login: Any, scenario: MatchRun
) -> None:
    proposal = scenario.proposals.first()
    assert proposal is not None
    login(world.coordinator).post(
        world.url(f"matching/{scenario.pk}/forbid/"), {"mentee": proposal.mentee_id}
    )
    assert PairRule.objects.get().kind == PairRuleKind.FORBID
    assert not scenario.proposals.filter(mentee_id=proposal.mentee_id).exists()
    entry = scenario.unmatched.get(mentee_id=proposal.mentee_id)
    assert "forbidden" in entry.reason
    later = run(world.program, world.coordinator)
    assert not later.proposals.filter(
        mentee_id=proposal.mentee_id, mentor_id=proposal.mentor_id
    ).exists()


def test_assign_shows_the_live_score_before_confirming(
    world: World, login: Any, scenario: MatchRun
) -> None:
    entry = scenario.unmatched.get()
    mentor = scenario.proposals.first().mentor  # type: ignore[union-attr]
    client = login(world.coordinator)
    response = client.get(
        world.url(f"matching/{scenario.pk}/assign/"),
        {"mentee": entry.mentee_id, "mentor": mentor.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    live = services.score_pair(world.program, mentee=entry.mentee, mentor=mentor)
    page = response.content.decode()
    assert f"fit {fit_percent(live.fit, 1)}" in page
    assert "no place left in this scenario" in page
    assert not ProposedMatch.objects.filter(run=scenario, mentee=entry.mentee).exists()

    refused = client.post(
        world.url(f"matching/{scenario.pk}/assign/"),
        {"mentee": entry.mentee_id, "mentor": mentor.pk},
    )
    assert refused.status_code == 422
    assert "has no place left" in refused.content.decode()

    extra = member(world.program, Role.MENTOR, 5, capacity=1, languages=["English"])
    done = client.post(
        world.url(f"matching/{scenario.pk}/assign/"),
        {"mentee": entry.mentee_id, "mentor": extra.pk},
    )
    assert done.status_code == 302
    assigned = proposal_of(scenario, entry.mentee)
    assert (assigned.mentor, assigned.source) == (extra, ProposedMatch.Source.MANUAL)
    assert assigned.score == pytest.approx(
        services.score_pair(world.program, mentee=entry.mentee, mentor=extra).score
    )
    assert not scenario.unmatched.exists()


def test_swap_and_unassign(world: World, login: Any, scenario: MatchRun) -> None:
    one, two = list(scenario.proposals.all()[:2])
    client = login(world.coordinator)
    response = client.post(
        world.url(f"matching/{scenario.pk}/swap/"),
        {"mentee": one.mentee_id, "other": two.mentee_id},
    )
    assert response.status_code == 302
    assert proposal_of(scenario, one.mentee).mentor_id == two.mentor_id
    assert proposal_of(scenario, two.mentee).mentor_id == one.mentor_id

    client.post(world.url(f"matching/{scenario.pk}/unassign/"), {"mentee": one.mentee_id})
    assert not scenario.proposals.filter(mentee=one.mentee).exists()
    assert scenario.unmatched.filter(mentee=one.mentee, reason_code="removed").exists()


def test_rerun_keeps_my_decisions(world: World, login: Any, scenario: MatchRun) -> None:
    entry = scenario.unmatched.get()
    chosen = scenario.proposals.first()
    assert chosen is not None
    services.unassign_in_run(scenario, mentee=chosen.mentee, by=world.coordinator)
    services.assign_in_run(
        scenario, mentee=entry.mentee, mentor=chosen.mentor, by=world.coordinator
    )
    response = login(world.coordinator).post(world.url(f"matching/{scenario.pk}/rerun/"))
    assert response.status_code == 302
    again = MatchRun.objects.exclude(pk=scenario.pk).get()
    assert again.configuration["kept_pairs"] == [[entry.mentee_id, chosen.mentor_id]]
    kept = proposal_of(again, entry.mentee)
    assert (kept.mentor_id, kept.source) == (chosen.mentor_id, ProposedMatch.Source.MANUAL)


@pytest.mark.parametrize("status", [RunStatus.PUBLISHED, RunStatus.STALE])
def test_edits_refused_on_published_and_stale_runs(
    world: World, login: Any, scenario: MatchRun, status: RunStatus
) -> None:
    MatchRun.objects.filter(pk=scenario.pk).update(status=status)
    one, two = list(scenario.proposals.all()[:2])
    extra = member(world.program, Role.MENTOR, 6, capacity=3)
    word = "already published" if status == RunStatus.PUBLISHED else "out of date"
    for call in (
        lambda: services.lock_in_run(scenario, mentee=one.mentee, by=world.coordinator),
        lambda: services.forbid_in_run(scenario, mentee=one.mentee, by=world.coordinator),
        lambda: services.unassign_in_run(scenario, mentee=one.mentee, by=world.coordinator),
        lambda: services.assign_in_run(
            scenario, mentee=one.mentee, mentor=extra, by=world.coordinator
        ),
        lambda: services.swap_in_run(
            scenario, first=one.mentee, second=two.mentee, by=world.coordinator
        ),
        lambda: services.publish_run(scenario, by=world.coordinator),
    ):
        with pytest.raises(ServiceError, match=word):
            call()
    client = login(world.coordinator)
    response = client.post(
        world.url(f"matching/{scenario.pk}/lock/"), {"mentee": one.mentee_id}, follow=True
    )
    assert word in response.content.decode()
    assert not PairRule.objects.exists()
    assert proposal_of(scenario, one.mentee).mentor_id == one.mentor_id
    page = client.get(world.url(f"matching/{scenario.pk}/")).content.decode()
    assert "/lock/" not in page


# --- publishing ---------------------------------------------------------------------------


def test_publish_confirmation_page_says_what_happens(
    world: World, login: Any, scenario: MatchRun
) -> None:
    page = login(world.coordinator).get(world.url(f"matching/{scenario.pk}/publish/"))
    text = page.content.decode()
    assert "3 relationships" in text
    assert "by e-mail and in the app" in text
    assert "nothing is visible to participants" in text
    assert not Relationship.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.MATCH_INTRODUCTION).exists()


def test_publish_creates_relationships_and_introduces_both_sides(
    world: World, login: Any, scenario: MatchRun
) -> None:
    other = run(world.program, world.coordinator, name="Other")
    response = login(world.coordinator).post(world.url(f"matching/{scenario.pk}/publish/"))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.PUBLISHED
    other.refresh_from_db()
    assert other.status == RunStatus.STALE
    pairs = {(p.mentee_id, p.mentor_id): p for p in scenario.proposals.all()}
    relationships = Relationship.objects.filter(program=world.program)
    assert {(r.mentee_id, r.mentor_id) for r in relationships} == set(pairs)
    for relationship in relationships:
        assert relationship.status == RelationshipStatus.ACTIVE
        # the coordinator reviewed the third person; the two of them read theirs ("you …")
        reviewed = pairs[(relationship.mentee_id, relationship.mentor_id)].explanation
        assert (
            relationship.explanation
            == (
                services.pair_explanations(
                    world.program, [(relationship.mentee, relationship.mentor)]
                )[0]
            )
        )
        assert reviewed
        for person in (relationship.mentee, relationship.mentor):
            notification = Notification.objects.get(
                recipient=person.user, kind=NotificationKind.MATCH_INTRODUCTION
            )
            assert relationship.explanation in notification.body
            assert notification.url == world.url("match/")


def test_publish_refused_when_a_mentor_capacity_changed(
    world: World, login: Any, people: Any
) -> None:
    _mentees, mentors = people
    for mentor in mentors:
        mentor.answers["capacity"] = 2
        mentor.save()
    scenario = run(world.program, world.coordinator)
    busy = (
        scenario.proposals.values("mentor_id")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n=2)
        .values_list("mentor_id", flat=True)
        .first()
    )
    assert busy is not None
    mentor = Membership.objects.get(pk=busy)
    mentor.answers["capacity"] = 1
    mentor.save()
    response = login(world.coordinator).post(world.url(f"matching/{scenario.pk}/publish/"))
    assert response.status_code == 422
    text = response.content.decode()
    assert "cannot be published because things changed" in text
    assert "2 mentees for 1 places" in text
    assert not Relationship.objects.exists()
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE


# --- the CLI ------------------------------------------------------------------------------


def test_cli_match_program_prints_the_summary_and_publishes(
    world: World, people: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["match-program", "spring", "--organization", "northwind", "--publish"])
    out = capsys.readouterr().out
    assert code == 0
    assert "matched       3 of 4 mentees (75%)" in out
    assert "gap 0: proven best" in out
    assert "unmatched     1 ×" in out
    assert "Published: 3 relationships" in out
    published = MatchRun.objects.get()
    assert published.status == RunStatus.PUBLISHED
    assert published.published_by == world.org_admin
    assert Relationship.objects.count() == 3


def test_cli_match_program_exit_2_on_service_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    pool(world.program, world.coordinator, mentees=0, mentors=1)
    code = cli_main(["match-program", "spring", "--as", world.coordinator.email])
    assert code == 2
    assert "Nobody can be matched" in capsys.readouterr().err


# --- N+1 guards ---------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured)


def test_run_list_queries_do_not_grow_with_runs(world: World, login: Any, people: Any) -> None:
    client = login(world.coordinator)
    run(world.program, world.coordinator)
    client.get(world.url("matching/"))  # warm caches (content types, sessions)
    one = _queries(client, world.url("matching/"))
    run(world.program, world.coordinator)
    run(world.program, world.coordinator, objective="fair")
    assert _queries(client, world.url("matching/")) == one


def test_review_table_queries_do_not_grow_with_pairs(world: World, login: Any) -> None:
    _mentees, _mentors = pool(world.program, world.coordinator, mentees=1, mentors=1)
    client = login(world.coordinator)
    small = run(world.program, world.coordinator)
    client.get(world.url(f"matching/{small.pk}/"))
    one = _queries(client, world.url(f"matching/{small.pk}/"))
    for index in range(1, 3):
        member(world.program, Role.MENTEE, index, languages=["English"])
        member(world.program, Role.MENTOR, index, capacity=1, languages=["English"])
    big = run(world.program, world.coordinator)
    assert big.proposals.count() == 3
    assert _queries(client, world.url(f"matching/{big.pk}/")) == one
