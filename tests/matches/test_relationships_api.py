"""The relationships API: mine, the program's (coordinators), end, suggestions, create."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import AuditEntry
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.programs.enums import Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.matches.relationships_support import make_ready, pair, person, ready_program

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/northwind/programs/spring"


@pytest.fixture
def matched(world: World) -> Relationship:
    ready_program(world.program, world.coordinator)
    mentor = make_ready(Membership.objects.get(user=world.mentor), 1, capacity=2)
    mentee = make_ready(Membership.objects.get(user=world.mentee), 2)
    return pair(world.program, mentor, mentee, explanation="Shared industry.")


def test_my_relationships_gives_the_partner_while_open(
    world: World, login: Any, matched: Relationship
) -> None:
    stranger = pair(
        world.program, person(world.program, Role.MENTOR, 3), person(world.program, Role.MENTEE, 4)
    )
    mine = login(world.mentee).get(f"{API}/my-relationships").json()
    assert [r["id"] for r in mine] == [matched.pk]
    assert stranger.pk not in [r["id"] for r in mine]
    assert mine[0]["partner"]["email"] == world.mentor.email
    assert mine[0]["partner"]["highlights"]
    assert mine[0]["why_matched"] == "Shared industry."
    matched.status = RelationshipStatus.ENDED_EARLY
    matched.save()
    past = login(world.mentee).get(f"{API}/my-relationships").json()
    assert "email" not in past[0]["partner"]
    assert past[0]["why_matched"] == ""


def test_my_relationships_roles(world: World, login: Any) -> None:
    assert login(world.coordinator).get(f"{API}/my-relationships").status_code == 403
    assert login(world.outsider).get(f"{API}/my-relationships").status_code == 404


def test_program_relationships_for_coordinators_with_filters(
    world: World, login: Any, matched: Relationship
) -> None:
    client = login(world.coordinator)
    listed = client.get(f"{API}/relationships").json()
    assert [r["id"] for r in listed] == [matched.pk]
    assert client.get(f"{API}/relationships?status=completed").json() == []
    bad = client.get(f"{API}/relationships?status=nonsense")
    assert bad.status_code == 422
    assert bad.json()["field"] == "status"
    assert login(world.mentor).get(f"{API}/relationships").status_code == 403


def test_program_relationships_queries_do_not_grow(world: World, login: Any) -> None:
    client = login(world.coordinator)
    pair(
        world.program, person(world.program, Role.MENTOR, 1), person(world.program, Role.MENTEE, 2)
    )
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/relationships")
    for index in (3, 5):
        pair(
            world.program,
            person(world.program, Role.MENTOR, index),
            person(world.program, Role.MENTEE, index + 1),
        )
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(f"{API}/relationships").json()) == 3
    assert len(three) == len(one)


def test_end_by_the_mentor_hides_the_note_from_them(
    world: World, login: Any, matched: Relationship
) -> None:
    response = login(world.mentor).post(
        f"{API}/relationships/{matched.pk}/end",
        {"reason": EndReason.SCHEDULES, "note": "Between us coordinators"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "ended_early"
    assert response.json()["end_note"] == ""
    assert Relationship.objects.get(pk=matched.pk).end_note == "Between us coordinators"
    again = login(world.mentor).post(
        f"{API}/relationships/{matched.pk}/end",
        {"reason": EndReason.SCHEDULES},
        content_type="application/json",
    )
    assert again.status_code == 422


def test_end_is_refused_to_people_outside_the_pair(
    world: World, login: Any, matched: Relationship
) -> None:
    other = person(world.program, Role.MENTOR, 3)
    response = login(other.user).post(
        f"{API}/relationships/{matched.pk}/end",
        {"reason": EndReason.SCHEDULES},
        content_type="application/json",
    )
    assert response.status_code == 403
    bad_reason = login(world.coordinator).post(
        f"{API}/relationships/{matched.pk}/end",
        {"reason": "blame"},
        content_type="application/json",
    )
    assert bad_reason.status_code == 422
    assert Relationship.objects.get(pk=matched.pk).status == RelationshipStatus.ACTIVE


def test_suggestions_and_create_rematch(world: World, login: Any, matched: Relationship) -> None:
    client = login(world.coordinator)
    client.post(
        f"{API}/relationships/{matched.pk}/end",
        {"reason": EndReason.NOT_A_FIT, "note": "n"},
        content_type="application/json",
    )
    fresh = person(world.program, Role.MENTOR, 3, capacity=1)
    suggestions = client.get(f"{API}/relationships/{matched.pk}/rematch-suggestions").json()
    ids = [s["mentor"]["membership_id"] for s in suggestions]
    assert fresh.pk in ids
    assert matched.mentor_id not in ids
    assert all(s["reasons"] is not None and s["free_places"] >= 1 for s in suggestions)
    created = client.post(
        f"{API}/relationships",
        {"mentee": matched.mentee_id, "mentor": fresh.pk, "source": "rematch"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["source"] == "rematch"
    assert AuditEntry.objects.filter(action="relationship.created_rematch").count() == 1
    full = client.post(
        f"{API}/relationships",
        {"mentee": person(world.program, Role.MENTEE, 8).pk, "mentor": fresh.pk},
        content_type="application/json",
    )
    assert full.status_code == 422
    assert full.json()["field"] == "mentor"
    assert "no place left" in full.json()["detail"]


def test_create_and_suggestions_are_for_coordinators(
    world: World, login: Any, matched: Relationship
) -> None:
    client = login(world.mentee)
    assert client.get(f"{API}/relationships/{matched.pk}/rematch-suggestions").status_code == 403
    response = client.post(
        f"{API}/relationships",
        {"mentee": matched.mentee_id, "mentor": matched.mentor_id},
        content_type="application/json",
    )
    assert response.status_code == 403
    bad_source = login(world.coordinator).post(
        f"{API}/relationships",
        {"mentee": matched.mentee_id, "mentor": matched.mentor_id, "source": "run"},
        content_type="application/json",
    )
    assert bad_source.status_code == 422
    assert bad_source.json()["field"] == "source"
