"""The move of relationships and groups into mentoring keeps every row and id, and gives
each existing pair and group its mentorship."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("matches", "0002_group_shared_space"), ("mentoring", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_existing_relationships_and_groups_get_their_mentorships_with_ids_kept() -> None:
    old = _migrate(BEFORE)
    user_model = old.get_model("accounts", "User")
    people = [user_model.objects.create(email=f"p{i}@example.org") for i in range(5)]
    organization = old.get_model("programs", "Organization").objects.create(name="N", slug="n")
    program = old.get_model("programs", "Program").objects.create(
        organization=organization,
        name="Spring",
        slug="spring",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 7, 1),
    )
    membership = old.get_model("programs", "Membership")
    mentor, mentee, facilitator, member_a, member_b = (
        membership.objects.create(program=program, user=person, role=role, status="approved")
        for person, role in zip(
            people, ["mentor", "mentee", "mentor", "mentee", "mentee"], strict=True
        )
    )
    relationship = old.get_model("matches", "Relationship")
    pair = relationship.objects.create(
        program=program, mentor=mentor, mentee=mentee, source="manual", status="active"
    )
    ended = relationship.objects.create(
        program=program,
        mentor=facilitator,
        mentee=mentee,
        source="manual",
        status="ended_early",
        end_reason="schedules",
    )
    in_group = [
        relationship.objects.create(
            program=program, mentor=facilitator, mentee=m, source="run", status="active"
        )
        for m in (member_a, member_b)
    ]
    group = old.get_model("matches", "MentoringGroup").objects.create(
        program=program, name="Harbour"
    )
    place = old.get_model("matches", "GroupMember")
    place.objects.create(group=group, membership=facilitator, is_facilitator=True)
    place.objects.create(group=group, membership=member_a)
    place.objects.create(group=group, membership=member_b)

    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    moved = new.get_model("mentoring", "Relationship")
    mentorship = new.get_model("mentoring", "Mentorship")
    assert set(moved.objects.values_list("id", flat=True)) == {
        pair.pk,
        ended.pk,
        *(r.pk for r in in_group),
    }
    pair_mentorship = moved.objects.get(pk=pair.pk).mentorship
    assert pair_mentorship.kind == "pair"
    assert pair_mentorship.status == "active"
    assert sorted(pair_mentorship.members.values_list("role", flat=True)) == ["mentee", "mentor"]
    ended_mentorship = moved.objects.get(pk=ended.pk).mentorship
    assert (ended_mentorship.status, ended_mentorship.end_reason) == ("ended_early", "schedules")
    moved_group = new.get_model("mentoring", "MentoringGroup").objects.get(pk=group.pk)
    assert moved_group.mentorship.kind == "group"
    assert moved_group.mentorship.members.count() == 3
    assert {moved.objects.get(pk=r.pk).mentorship_id for r in in_group} == {
        moved_group.mentorship_id
    }
    assert mentorship.objects.count() == 3
