"""The audit log reads as sentences: before → after, actions in words, people named."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import AuditEntry
from tandem.core.services import record_audit
from tandem.matches.enums import PairRuleKind
from tandem.matches.services import set_pair_rule
from tandem.programs import services
from tandem.programs.audit import Change, action_label, readable_entries
from tandem.programs.enums import Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _readable(entry: AuditEntry) -> tuple[Change, ...]:
    (readable,) = readable_entries([entry])
    return readable.changes


def test_changed_plain_strings_show_before_and_after(world: World) -> None:
    services.update_program(world.program, by=world.coordinator, name="Spring renamed")
    entry = AuditEntry.objects.get(action="program.updated")
    assert _readable(entry) == (Change("Name", before="Spring", after="Spring renamed"),)


def test_a_set_string_is_shown_whole_not_letter_by_letter(world: World) -> None:
    entry = record_audit(world.coordinator, "objective.added", world.program, changes={"x": "Grow"})
    assert _readable(entry) == (Change("X", value="Grow"),)


def test_lists_of_things_booleans_and_empty_values_read_as_words(world: World) -> None:
    entry = record_audit(
        world.coordinator,
        "objective.updated",
        world.program,
        changes={"fields": ["statement", "metric"], "hard": True, "mentor_question": None},
    )
    assert _readable(entry) == (
        Change("Fields", value="statement, metric"),
        Change("Hard", value="yes"),
        Change("Mentor question", value="—"),
    )


def test_pair_rules_are_named_correctly_and_name_the_people(world: World) -> None:
    mentee = Membership.objects.get(user=world.mentee)
    mentor = Membership.objects.get(user=world.mentor)
    set_pair_rule(
        world.program, mentee=mentee, mentor=mentor, kind=PairRuleKind.FORBID, by=world.coordinator
    )
    set_pair_rule(
        world.program, mentee=mentee, mentor=mentor, kind=PairRuleKind.LOCK, by=world.coordinator
    )
    assert list(
        AuditEntry.objects.filter(action__startswith="pair.").values_list("action", flat=True)
    ) == [
        "pair.locked",
        "pair.forbidden",
    ]
    locked, forbidden = readable_entries(AuditEntry.objects.filter(action__startswith="pair."))
    assert (locked.action, locked.action_label) == ("pair.locked", "Pair locked")
    assert (forbidden.action, forbidden.action_label) == ("pair.forbidden", "Pair forbidden")
    assert forbidden.changes == (
        Change("Mentee", value=world.mentee.display_name),
        Change("Mentor", value=world.mentor.display_name),
    )


def test_entries_recorded_under_the_old_misspelt_action_read_correctly(world: World) -> None:
    entry = record_audit(world.coordinator, "pair.forbided", world.program)
    (readable,) = readable_entries([entry])
    assert (readable.action, readable.action_label) == ("pair.forbidden", "Pair forbidden")


def test_two_people_swapped_are_not_read_as_before_and_after(world: World) -> None:
    first = Membership.objects.get(user=world.mentee)
    second = MembershipFactory(program=world.program, role=Role.MENTEE)
    entry = record_audit(
        world.coordinator,
        "match_run.swapped",
        world.program,
        changes={"mentees": [first.pk, second.pk]},
    )
    assert _readable(entry) == (
        Change("Mentees", value=f"{world.mentee.display_name}, {second.user.display_name}"),
    )


def test_a_person_since_removed_is_shown_as_removed(world: World) -> None:
    entry = record_audit(
        world.coordinator, "match_run.unassigned", world.program, changes={"mentee": 999_999}
    )
    assert _readable(entry) == (Change("Mentee", value="(removed)"),)


def test_action_label_puts_the_action_in_words() -> None:
    assert action_label("match_run.published") == "Match run published"
    assert action_label("mentor_request.info_requested") == "Mentor request info requested"


def test_audit_page_shows_before_and_after(world: World, login: Any) -> None:
    services.update_program(world.program, by=world.coordinator, name="Spring renamed")
    html = login(world.coordinator).get(world.url("audit/")).content.decode()
    assert (
        'Name: Spring <span aria-hidden="true">→</span>'
        '<span class="visually-hidden"> changed to </span> Spring renamed'
    ) in html
    assert "Program updated" in html


def _audit_page_queries(world: World, login: Any) -> int:
    client = login(world.coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(world.url("audit/")).status_code == 200
    return len(queries)


def test_audit_page_names_people_in_a_constant_number_of_queries(world: World, login: Any) -> None:
    mentor = Membership.objects.get(user=world.mentor)

    def assign(count: int) -> None:
        for _ in range(count):
            mentee = MembershipFactory(program=world.program, role=Role.MENTEE)
            record_audit(
                world.coordinator,
                "match_run.assigned",
                world.program,
                changes={"mentee": mentee.pk, "mentor": mentor.pk},
            )

    assign(1)
    _audit_page_queries(world, login)  # warm-up: session, content types
    one = _audit_page_queries(world, login)
    assign(2)
    three = _audit_page_queries(world, login)
    assert one == three
