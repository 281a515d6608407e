"""Groups after publishing: the coordinators' list, a group's page and shared space, moving
mentees, facilitators, the API; roles and N+1 guards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.mentoring.models import GroupMember, MentoringGroup, Relationship
from tandem.mentoring.services import groups as group_services
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.matches.relationships_support import group, pair, person, ready_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(world: World) -> dict[str, Any]:
    ready_program(world.program, world.coordinator)
    facilitator = Membership.objects.get(user=world.mentor)
    facilitator.answers = {"capacity": 4, "industry": "Logistics"}
    facilitator.save()
    mentee = Membership.objects.get(user=world.mentee)
    second = person(world.program, Role.MENTEE, 3)
    other_facilitator = person(world.program, Role.MENTOR, 4, capacity=4)
    other_mentee = person(world.program, Role.MENTEE, 5)
    first = group(world.program, [facilitator], [mentee, second], name="Harbour")
    other = group(world.program, [other_facilitator], [other_mentee], name="Lighthouse")
    for member in (mentee, second):
        pair(world.program, facilitator, member)
    pair(world.program, other_facilitator, other_mentee)
    return {
        "first": first,
        "other": other,
        "facilitator": facilitator,
        "mentee": mentee,
        "second": second,
        "other_facilitator": other_facilitator,
        "other_mentee": other_mentee,
    }


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_group_list_for_coordinators(
    world: World, login: Any, groups: dict[str, Any], who: str
) -> None:
    response = login(getattr(world, who)).get(world.url("groups/"))
    assert response.status_code == 200
    assert "Harbour" in response.text
    assert "Lighthouse" in response.text
    assert world.mentee.display_name in response.text


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_group_list_is_denied_to_participants(world: World, login: Any, who: str) -> None:
    assert login(getattr(world, who)).get(world.url("groups/")).status_code == 403


def test_group_list_queries_do_not_grow_with_groups(world: World, login: Any) -> None:
    client = login(world.coordinator)
    group(
        world.program,
        [person(world.program, Role.MENTOR, 1)],
        [person(world.program, Role.MENTEE, 2)],
    )
    with CaptureQueriesContext(connection) as one:
        client.get(world.url("groups/"))
    for index in (3, 5):
        group(
            world.program,
            [person(world.program, Role.MENTOR, index)],
            [
                person(world.program, Role.MENTEE, index + 1),
                person(world.program, Role.MENTEE, index + 20),
            ],
        )
    with CaptureQueriesContext(connection) as three:
        response = client.get(world.url("groups/"))
    assert len(response.context["groups"]) == 3
    assert len(three) == len(one)


def test_group_page_for_members_shows_facilitators_members_and_space(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    groups["first"].description = "We practise negotiation together."
    groups["first"].save()
    url = world.url(f"groups/{groups['first'].pk}/")
    response = login(world.mentee).get(url)
    assert response.status_code == 200
    text = response.text
    assert world.mentor.display_name in text
    assert groups["second"].user.display_name in text
    assert "We practise negotiation together." in text
    assert "every two weeks" in text  # the program's cadence
    assert "Industry: Logistics" in text  # the facilitator's highlights
    assert "Edit the group's space" not in text  # members read; facilitators write
    assert groups["other_mentee"].user.display_name not in text


def test_group_page_is_denied_to_people_of_other_groups(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    url = world.url(f"groups/{groups['other'].pk}/")
    assert login(world.mentee).get(url).status_code == 403
    assert login(world.applicant).get(url).status_code == 403
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.coordinator).get(url).status_code == 200


def test_facilitator_edits_the_shared_space(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    client = login(world.mentor)
    url = world.url(f"groups/{groups['first'].pk}/space/")
    response = client.post(
        url,
        {"description": "Monthly case clinics.", "meeting_cadence": "monthly"},
        headers={"HX-Request": "true", "HX-Target": "group-space"},
    )
    assert response.status_code == 200
    assert "Monthly case clinics." in response.text
    assert "monthly" in response.text
    group_row = MentoringGroup.objects.get(pk=groups["first"].pk)
    assert group_row.description == "Monthly case clinics."
    assert group_row.meeting_cadence == "monthly"
    assert AuditEntry.objects.filter(action="group.space_updated").count() == 1
    bad = client.post(url, {"description": "x", "meeting_cadence": "daily"})
    assert bad.status_code == 422
    assert "Select a valid choice" in bad.text
    assert login(world.mentee).post(url, {"description": "mine"}).status_code == 403


def test_coordinator_moves_a_mentee_and_the_relationship_follows(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    response = login(world.coordinator).post(
        world.url(f"groups/{groups['first'].pk}/move/"),
        {"mentee": groups["second"].pk, "to": groups["other"].pk},
    )
    assert response.status_code == 302
    assert GroupMember.objects.get(membership=groups["second"]).group == groups["other"]
    relationship = Relationship.objects.get(mentee=groups["second"])
    assert relationship.mentor == groups["other_facilitator"]
    assert AuditEntry.objects.filter(action="group.member_moved").count() == 1


def test_moving_is_refused_with_a_reason(world: World, groups: dict[str, Any]) -> None:
    with pytest.raises(ServiceError, match="already in Harbour"):
        group_services.move_group_member(
            groups["first"], mentee=groups["mentee"], to=groups["first"], by=world.coordinator
        )
    with pytest.raises(ServiceError, match="not a member of Harbour"):
        group_services.move_group_member(
            groups["first"],
            mentee=groups["other_mentee"],
            to=groups["other"],
            by=world.coordinator,
        )


def test_participants_cannot_move_or_change_facilitators(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    base = world.url(f"groups/{groups['first'].pk}/")
    client = login(world.mentor)
    assert (
        client.post(
            base + "move/", {"mentee": groups["second"].pk, "to": groups["other"].pk}
        ).status_code
        == 403
    )
    assert (
        client.post(
            base + "facilitators/add/", {"mentor": groups["other_facilitator"].pk}
        ).status_code
        == 403
    )


def test_coordinator_adds_and_removes_facilitators(
    world: World, login: Any, groups: dict[str, Any]
) -> None:
    client = login(world.coordinator)
    base = world.url(f"groups/{groups['first'].pk}/")
    new = person(world.program, Role.MENTOR, 9)
    client.post(base + "facilitators/add/", {"mentor": new.pk})
    assert GroupMember.objects.get(group=groups["first"], membership=new).is_facilitator
    client.post(base + "facilitators/remove/", {"mentor": groups["facilitator"].pk})
    assert not GroupMember.objects.filter(
        group=groups["first"], membership=groups["facilitator"]
    ).exists()
    # their mentees' relationships pass to the remaining facilitator
    assert set(
        Relationship.objects.filter(mentee__in=[groups["mentee"], groups["second"]]).values_list(
            "mentor_id", flat=True
        )
    ) == {new.pk}
    with pytest.raises(ServiceError, match="needs at least one facilitator"):
        group_services.remove_facilitator(groups["first"], mentor=new, by=world.coordinator)
    assert AuditEntry.objects.filter(action__startswith="group.facilitator_").count() == 2


def test_my_match_shows_the_group(world: World, login: Any, groups: dict[str, Any]) -> None:
    response = login(world.mentee).get(world.url("match/"))
    assert "Your group:" in response.text
    assert "Harbour" in response.text


def test_introduce_group_tells_every_member(world: World, groups: dict[str, Any]) -> None:
    group_services.introduce_group(groups["first"])
    notes = Notification.objects.filter(kind=NotificationKind.GROUP_INTRODUCTION)
    assert {n.recipient for n in notes} == {
        world.mentor,
        world.mentee,
        groups["second"].user,
    }
    note = notes.get(recipient=world.mentee)
    assert note.url == world.url(f"groups/{groups['first'].pk}/")
    assert world.mentor.display_name in note.body
    assert groups["second"].user.display_name in note.body


# --- API ----------------------------------------------------------------------------------

API = "/api/v1/organizations/northwind/programs/spring"


def test_api_groups_list_detail_and_move(world: World, login: Any, groups: dict[str, Any]) -> None:
    client = login(world.coordinator)
    listed = client.get(f"{API}/groups").json()
    assert [g["name"] for g in listed] == ["Harbour", "Lighthouse"]
    detail = client.get(f"{API}/groups/{groups['first'].pk}").json()
    assert {m["name"] for m in detail["members"] if m["is_facilitator"]} == {
        world.mentor.display_name
    }
    moved = client.post(
        f"{API}/groups/{groups['first'].pk}/move",
        {"mentee": groups["second"].pk, "to": groups["other"].pk},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert groups["second"].pk in {m["membership_id"] for m in moved.json()["members"]}
    refused = client.post(
        f"{API}/groups/{groups['first'].pk}/move",
        {"mentee": groups["second"].pk, "to": groups["other"].pk},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "mentee"


def test_api_groups_roles(world: World, login: Any, groups: dict[str, Any]) -> None:
    assert login(world.mentee).get(f"{API}/groups").status_code == 403
    assert login(world.mentee).get(f"{API}/groups/{groups['first'].pk}").status_code == 200
    assert login(world.mentee).get(f"{API}/groups/{groups['other'].pk}").status_code == 403
    assert login(world.outsider).get(f"{API}/groups").status_code == 404
    move = login(world.mentor).post(
        f"{API}/groups/{groups['first'].pk}/move",
        {"mentee": groups["second"].pk, "to": groups["other"].pk},
        content_type="application/json",
    )
    assert move.status_code == 403


def test_publishing_a_group_run_forms_groups_and_introduces_them(world: World) -> None:
    from tandem.matches import services as matching_services
    from tandem.matches.enums import RunMode
    from tests.matches.relationships_support import make_ready

    ready_program(world.program, world.coordinator)
    world.program.program_type = "group"
    world.program.group_size_min = 1
    world.program.save()
    make_ready(Membership.objects.get(user=world.mentor), 1, capacity=3)
    make_ready(Membership.objects.get(user=world.mentee), 2)
    second = person(world.program, Role.MENTEE, 3)
    run = matching_services.start_run(world.program, by=world.coordinator, mode=RunMode.GROUPS)
    matching_services.publish_run(run, by=world.coordinator)
    formed = MentoringGroup.objects.get(program=world.program)
    assert {m.membership_id for m in formed.members.all()} == {
        Membership.objects.get(user=world.mentor).pk,
        Membership.objects.get(user=world.mentee).pk,
        second.pk,
    }
    introduced = Notification.objects.filter(kind=NotificationKind.GROUP_INTRODUCTION)
    assert {n.recipient for n in introduced} == {world.mentor, world.mentee, second.user}
