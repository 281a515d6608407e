"""The matching API: criteria CRUD, preview, runs (201/202), detail, compare, edits, publish —
coordinators and org admins only; participants 403; outsiders 404."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.matches import services
from tandem.matches.enums import PairRuleKind, RunStatus
from tandem.matches.models import MatchingCriterion, MatchRun, PairRule
from tandem.mentoring.models import Relationship
from tests.api.test_api import api
from tests.conftest import World
from tests.matches.runs_support import pool, run

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organizations/northwind/programs/spring/matching"


@pytest.fixture
def people(world: World) -> tuple[list[Any], list[Any]]:
    return pool(world.program, world.coordinator, mentees=4, mentors=3)


@pytest.fixture
def scenario(world: World, people: Any) -> MatchRun:
    return run(world.program, world.coordinator, name="First")


def _endpoints(scenario: MatchRun) -> list[tuple[str, str, dict[str, Any] | None]]:
    proposal = scenario.proposals.first()
    assert proposal is not None
    mentee, mentor = proposal.mentee_id, proposal.mentor_id
    criterion = MatchingCriterion.objects.first()
    assert criterion is not None
    r = f"{BASE}/runs/{scenario.pk}"
    return [
        ("get", f"{BASE}/criteria", None),
        ("post", f"{BASE}/criteria", {"kind": "overlap", "mentee_question": "values"}),
        ("delete", f"{BASE}/criteria/{criterion.pk}", None),
        ("get", f"{BASE}/preview", None),
        ("get", f"{BASE}/runs", None),
        ("post", f"{BASE}/runs", {"name": "API"}),
        ("get", r, None),
        ("get", f"{BASE}/compare?a={scenario.pk}&b={scenario.pk}", None),
        ("post", f"{r}/lock", {"mentee": mentee}),
        ("post", f"{r}/forbid", {"mentee": mentee}),
        ("post", f"{r}/unassign", {"mentee": mentee}),
        ("get", f"{r}/score?mentee={mentee}&mentor={mentor}", None),
        ("post", f"{r}/assign", {"mentee": mentee, "mentor": mentor}),
        ("post", f"{r}/swap", {"first": mentee, "second": mentee}),
        ("post", f"{r}/publish", None),
        ("post", f"{r}/cancel", None),
        ("post", f"{r}/retry", None),
    ]


def _call(client: Any, method: str, path: str, data: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.client.get(path)
    if method == "delete":
        return client.delete(path)
    return client.post(path, data)


def test_participants_403_outsiders_404_nothing_changes(world: World, scenario: MatchRun) -> None:
    criteria = MatchingCriterion.objects.count()
    for method, path, data in _endpoints(scenario):
        for user in (world.mentor, world.mentee):
            assert _call(api(user), method, path, data).status_code == 403, (method, path)
        assert _call(api(world.outsider), method, path, data).status_code == 404, (method, path)
    assert MatchingCriterion.objects.count() == criteria
    assert MatchRun.objects.count() == 1
    assert not PairRule.objects.exists()
    assert not Relationship.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_reads_allowed_for_coordinators_and_admins(
    world: World, scenario: MatchRun, who: str
) -> None:
    client = api(getattr(world, who))
    for method, path, data in _endpoints(scenario):
        if method == "get":
            assert _call(client, method, path, data).status_code == 200, path


def test_criteria_crud_and_validation(world: World, people: Any) -> None:
    client = api(world.coordinator)
    listed = client.get(f"{BASE}/criteria").json()
    assert {c["kind"] for c in listed} >= {"complement", "shares_language"}
    assert all(c["is_default"] for c in listed)

    created = client.post(
        f"{BASE}/criteria",
        {
            "kind": "gap",
            "mentee_question": "years_experience",
            "weight": 0,
            "hard": True,
            "target_low": 5,
            "target_high": 40,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["params"], body["hard"], body["is_default"]) == ({"target": [5, 40]}, True, False)

    bad = client.post(f"{BASE}/criteria", {"kind": "complement", "mentee_question": "goals"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "mentee_question"
    missing = client.post(f"{BASE}/criteria", {"kind": "overlap", "mentee_question": "nope"})
    assert missing.status_code == 422
    assert "nope" in missing.json()["detail"]

    updated = client.client.put(
        f"{BASE}/criteria/{body['id']}",
        '{"kind": "not_same", "mentee_question": "team", "weight": 0, "hard": true}',
        content_type="application/json",
    )
    assert updated.status_code == 200
    assert updated.json()["kind"] == "not_same"
    assert client.delete(f"{BASE}/criteria/{body['id']}").status_code == 204
    assert not MatchingCriterion.objects.filter(pk=body["id"]).exists()


def test_preview_ranks_by_score(world: World, people: Any) -> None:
    mentees, _ = people
    body = api(world.coordinator).get(f"{BASE}/preview", mentee=mentees[1].pk).json()
    assert body["mentee_id"] == mentees[1].pk
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    assert body["suggestions"][0]["contributions"]


def test_create_run_201_inline_and_202_queued(
    world: World,
    people: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api(world.coordinator)
    done = client.post(f"{BASE}/runs", {"name": "Now", "objective": "total"})
    assert done.status_code == 201
    assert done.json()["status"] == "done"
    assert done.json()["figures"]["matched"] == 3

    monkeypatch.setattr(services, "INLINE_POOL_LIMIT", 2)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"{BASE}/runs", {"name": "Later"})
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    assert MatchRun.objects.get(name="Later").status == RunStatus.DONE


def test_create_run_on_an_empty_pool_is_422(world: World) -> None:
    pool(world.program, world.coordinator, mentees=0, mentors=1)
    response = api(world.coordinator).post(f"{BASE}/runs", {})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Nobody can be matched")


def test_detail_compare_edits_publish(world: World, scenario: MatchRun) -> None:
    client = api(world.coordinator)
    detail = client.get(f"{BASE}/runs/{scenario.pk}").json()
    assert len(detail["proposals"]) == 3
    assert len(detail["unmatched"]) == 1
    assert detail["unmatched"][0]["reason"]
    one, two, three = detail["proposals"]
    left_out = detail["unmatched"][0]["mentee_id"]

    r = f"{BASE}/runs/{scenario.pk}"
    assert client.post(f"{r}/lock", {"mentee": one["mentee_id"]}).status_code == 200
    assert PairRule.objects.get(mentee_id=one["mentee_id"]).kind == PairRuleKind.LOCK
    swapped = client.post(f"{r}/swap", {"first": two["mentee_id"], "second": three["mentee_id"]})
    assert swapped.status_code == 200
    assert client.post(f"{r}/unassign", {"mentee": two["mentee_id"]}).status_code == 200
    live = client.get(f"{r}/score", mentee=left_out, mentor=three["mentor_id"]).json()
    assigned = client.post(f"{r}/assign", {"mentee": left_out, "mentor": three["mentor_id"]})
    assert assigned.status_code == 200
    assert assigned.json()["score"] == pytest.approx(live["score"])
    full = client.post(f"{r}/assign", {"mentee": two["mentee_id"], "mentor": one["mentor_id"]})
    assert full.status_code == 422
    assert "no place left" in full.json()["detail"]

    other = run(world.program, world.coordinator, name="Second")
    compared = client.get(f"{BASE}/compare", a=scenario.pk, b=other.pk).json()
    assert compared["a"]["id"] == scenario.pk
    assert compared["same"] + len(compared["differences"]) >= 3

    published = client.post(f"{r}/publish")
    assert published.status_code == 200
    assert published.json()["relationships"] == 3
    assert published.json()["run"]["status"] == "published"
    again = client.post(f"{r}/forbid", {"mentee": one["mentee_id"]})
    assert again.status_code == 422
    assert "already published" in again.json()["detail"]
