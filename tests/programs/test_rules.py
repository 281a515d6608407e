"""Each permission predicate, for a role it allows and a role it denies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tandem.programs import rules
from tandem.programs.access import Access, resolve_access
from tests.conftest import World

pytestmark = pytest.mark.django_db

Rule = Callable[[Access], bool]

CASES: list[tuple[Rule, list[str], list[str]]] = [
    (rules.is_organization_admin, ["org_admin"], ["coordinator", "mentor", "mentee"]),
    (rules.can_create_program, ["org_admin"], ["coordinator", "mentee"]),
    (rules.can_view_program, ["org_admin", "coordinator", "mentor", "mentee", "applicant"], []),
    (rules.can_manage_program, ["org_admin", "coordinator"], ["mentor", "mentee", "applicant"]),
    (rules.can_view_members, ["org_admin", "coordinator"], ["mentor", "mentee"]),
    (rules.can_invite, ["org_admin", "coordinator"], ["mentor", "mentee"]),
    (rules.can_view_program_audit_log, ["org_admin", "coordinator"], ["mentor", "mentee"]),
    (rules.can_view_organization_audit_log, ["org_admin"], ["coordinator", "mentor"]),
]


@pytest.mark.parametrize(
    ("rule", "allowed", "denied"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_rule_allows_and_denies_by_role(
    world: World, rule: Rule, allowed: list[str], denied: list[str]
) -> None:
    for who in allowed:
        access = resolve_access(getattr(world, who), "northwind", "spring")
        assert rule(access), f"{rule.__name__} should allow {who}"
    for who in denied:
        access = resolve_access(getattr(world, who), "northwind", "spring")
        assert not rule(access), f"{rule.__name__} should deny {who}"


def test_a_coordinator_who_is_only_waitlisted_cannot_manage(world: World) -> None:
    from tandem.programs.enums import MembershipStatus
    from tandem.programs.models import Membership

    Membership.objects.filter(user=world.coordinator).update(status=MembershipStatus.WAITLISTED)
    access = resolve_access(world.coordinator, "northwind", "spring")
    assert not rules.can_manage_program(access)
    assert rules.can_view_program(access)


def test_resolve_access_refuses_outsiders_and_unknown_slugs(world: World) -> None:
    from django.http import Http404

    for org, program in [("northwind", "spring"), ("northwind", "nope"), ("nope", "spring")]:
        with pytest.raises(Http404):
            resolve_access(world.outsider, org, program)
    with pytest.raises(Http404):
        resolve_access(world.outsider, "northwind")


def test_superuser_sees_every_program(world: World) -> None:
    world.outsider.is_superuser = True
    world.outsider.save()
    access = resolve_access(world.outsider, "northwind", "spring")
    assert rules.can_manage_program(access)
