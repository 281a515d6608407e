"""The mentor directory and a mentee's ranked choices."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import MentorChoice
from tandem.enrolment.services import profiles as services
from tandem.programs.enums import MatchingMode, MembershipStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory, membership_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def self_select(world: World, max_choices: int = 3) -> None:
    world.program.matching_mode = MatchingMode.SELF_SELECT
    world.program.max_choices = max_choices
    world.program.save()


def directory_questions(world: World) -> None:
    QuestionFactory(
        program=world.program,
        key="industry",
        label="Industry",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["healthcare", "software"],
    )
    QuestionFactory(
        program=world.program,
        key="experience",
        label="Experience",
        audience=Audience.MENTORS,
    )
    QuestionFactory(program=world.program, key="manager", label="Manager")
    QuestionFactory(
        program=world.program,
        key="gender_identity",
        label="Gender identity",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Woman", "Man"],
        is_demographic=True,
    )


def mentor(world: World, name: str, **answers: Any) -> Membership:
    return MembershipFactory(
        program=world.program,
        role=Role.MENTOR,
        user=UserFactory(full_name=name),
        answers=answers,
    )


# --- access ------------------------------------------------------------------------------


def test_directory_allows_approved_mentees_in_self_select(world: World, login: Any) -> None:
    self_select(world)
    assert login(world.mentee).get(world.url("mentors/")).status_code == 200


@pytest.mark.parametrize("who", ["mentor", "coordinator", "org_admin", "applicant"])
def test_directory_and_choices_refuse_everyone_else(world: World, login: Any, who: str) -> None:
    self_select(world)
    client = login(getattr(world, who))
    assert client.get(world.url("mentors/")).status_code == 403
    chosen = membership_of(world, "mentor").pk
    assert client.post(world.url("mentors/choices/add/"), {"mentor": chosen}).status_code == 403


def test_directory_is_403_when_coordinators_match(world: World, login: Any) -> None:
    client = login(world.mentee)
    assert client.get(world.url("mentors/")).status_code == 403
    chosen = membership_of(world, "mentor").pk
    assert client.post(world.url("mentors/choices/add/"), {"mentor": chosen}).status_code == 403
    assert not MentorChoice.objects.exists()


def test_directory_is_404_for_outsiders(world: World, login: Any) -> None:
    self_select(world)
    assert login(world.outsider).get(world.url("mentors/")).status_code == 404


# --- contents ----------------------------------------------------------------------------


def test_directory_shows_public_answers_sorted_by_name_without_private_ones(
    world: World, login: Any
) -> None:
    self_select(world)
    directory_questions(world)
    mentor(
        world,
        "Zoe Zhang",
        industry="software",
        experience="Twenty years of SQL",
        manager="boss@example.org",
        gender_identity="Woman",
    )
    mentor(world, "Ada Abebe", industry="healthcare")
    response = login(world.mentee).get(world.url("mentors/"))
    names = [card.membership.user.full_name for card in response.context["page"]]
    # (the world's own mentor has a random factory name: only the order is fixed)
    assert names.index("Ada Abebe") < names.index("Zoe Zhang")
    assert names == sorted(names)
    text = response.text
    assert "Twenty years of SQL" in text
    assert "boss@example.org" not in text
    assert "Gender identity" not in text
    assert "Woman" not in text
    for membership in Membership.objects.filter(role=Role.MENTOR).select_related("user"):
        assert membership.user.email not in text


def test_directory_lists_only_approved_mentors(world: World, login: Any) -> None:
    self_select(world)
    waiting = MembershipFactory(
        program=world.program, role=Role.MENTOR, status=MembershipStatus.APPLIED
    )
    response = login(world.mentee).get(world.url("mentors/"))
    members = [card.membership for card in response.context["page"]]
    assert members == [membership_of(world, "mentor")]
    assert waiting not in members


def test_directory_search_and_filters(world: World, login: Any) -> None:
    self_select(world)
    directory_questions(world)
    mentor(world, "Ada Abebe", industry="healthcare", experience="Clinical research")
    mentor(world, "Zoe Zhang", industry="software", experience="Backend SQL")
    client = login(world.mentee)

    def names(**params: str) -> list[str]:
        response = client.get(
            world.url("mentors/"),
            params,
            headers={"HX-Request": "true", "HX-Target": "directory-results"},
        )
        assert "<html" not in response.text
        return [card.membership.user.full_name for card in response.context["page"]]

    assert names(q="sql") == ["Zoe Zhang"]
    assert names(q="abebe") == ["Ada Abebe"]  # factory names are random: "ada" can match "Adam"
    assert names(f_industry="healthcare") == ["Ada Abebe"]
    assert names(q="sql", f_industry="healthcare") == []
    assert names(q="woman") == []  # demographic answers are never searched


def test_directory_has_no_n_plus_one(world: World, login: Any) -> None:
    self_select(world)
    directory_questions(world)
    client = login(world.mentee)
    services.set_choices(
        membership_of(world, "mentee"),
        by=world.mentee,
        mentor_ids=[membership_of(world, "mentor").pk],
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(world.url("mentors/")).status_code == 200
        return len(queries)

    count()  # warm-up: the first visit installs the program's default matching criteria
    one = count()
    extra = [mentor(world, f"Mentor {n}", industry="software") for n in range(3)]
    services.set_choices(
        membership_of(world, "mentee"),
        by=world.mentee,
        mentor_ids=[membership_of(world, "mentor").pk, extra[0].pk],
    )
    assert count() == one


# --- choices -----------------------------------------------------------------------------


def test_add_reorder_and_remove_choices_with_htmx(world: World, login: Any) -> None:
    self_select(world)
    first, second = membership_of(world, "mentor"), mentor(world, "Ada Abebe")
    client = login(world.mentee)
    htmx = {"HX-Request": "true", "HX-Target": "directory-body"}
    response = client.post(world.url("mentors/choices/add/"), {"mentor": first.pk}, headers=htmx)
    assert response.status_code == 200
    assert 'id="directory-body"' in response.text
    assert "<html" not in response.text
    client.post(world.url("mentors/choices/add/"), {"mentor": second.pk}, headers=htmx)
    mentee = membership_of(world, "mentee")
    assert services.current_choices(mentee) == [first.pk, second.pk]
    client.post(
        world.url("mentors/choices/move/"), {"mentor": second.pk, "direction": "up"}, headers=htmx
    )
    assert services.current_choices(mentee) == [second.pk, first.pk]
    assert list(MentorChoice.objects.values_list("rank", flat=True)) == [1, 2]
    client.post(world.url("mentors/choices/remove/"), {"mentor": second.pk}, headers=htmx)
    assert services.current_choices(mentee) == [first.pk]
    assert MentorChoice.objects.get().rank == 1
    assert AuditEntry.objects.filter(action="choices.saved").count() == 4


def test_choices_are_limited_with_a_clear_message(world: World, login: Any) -> None:
    self_select(world, max_choices=2)
    mentors = [mentor(world, f"Mentor {n}") for n in range(3)]
    client = login(world.mentee)
    for chosen in mentors[:2]:
        client.post(world.url("mentors/choices/add/"), {"mentor": chosen.pk})
    response = client.post(
        world.url("mentors/choices/add/"),
        {"mentor": mentors[2].pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Your list is full: you can choose at most 2 mentors." in response.text
    assert MentorChoice.objects.count() == 2


def test_choosing_the_same_mentor_twice_is_refused(world: World, login: Any) -> None:
    self_select(world)
    chosen = membership_of(world, "mentor")
    client = login(world.mentee)
    client.post(world.url("mentors/choices/add/"), {"mentor": chosen.pk})
    response = client.post(world.url("mentors/choices/add/"), {"mentor": chosen.pk}, follow=True)
    assert f"{chosen.user.display_name} is already one of your choices." in response.text
    assert MentorChoice.objects.count() == 1


@pytest.mark.parametrize("who", ["applied mentor", "mentee", "other program"])
def test_choosing_someone_not_an_approved_mentor_here_is_refused(
    world: World, login: Any, who: str
) -> None:
    self_select(world)
    target = {
        "applied mentor": lambda: MembershipFactory(
            program=world.program, role=Role.MENTOR, status=MembershipStatus.APPLIED
        ),
        "mentee": lambda: membership_of(world, "applicant"),
        "other program": lambda: MembershipFactory(program=world.other_program, role=Role.MENTOR),
    }[who]()
    response = login(world.mentee).post(
        world.url("mentors/choices/add/"), {"mentor": target.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "not an approved mentor of this program" in response.text
    assert not MentorChoice.objects.exists()


def test_set_choices_service_refusals(world: World) -> None:
    self_select(world, max_choices=1)
    mentee = membership_of(world, "mentee")
    chosen = membership_of(world, "mentor")
    other = mentor(world, "Other")
    with pytest.raises(ServiceError, match="at most 1 mentors"):
        services.set_choices(mentee, by=world.mentee, mentor_ids=[chosen.pk, other.pk])
    with pytest.raises(ServiceError, match="only once"):
        services.set_choices(mentee, by=world.mentee, mentor_ids=[chosen.pk, chosen.pk])
    world.program.matching_mode = MatchingMode.ADMIN
    world.program.save()
    with pytest.raises(ServiceError, match="coordinators match people"):
        services.set_choices(mentee, by=world.mentee, mentor_ids=[chosen.pk])
    assert not MentorChoice.objects.exists()
