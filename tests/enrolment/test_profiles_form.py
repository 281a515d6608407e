"""The participant's profile form, demographics consent, completeness and coordinators' views."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import AuditEntry
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.forms.profiles import ProfileForm
from tandem.enrolment.models import DemographicConsent, ProfileQuestion
from tandem.enrolment.services import profiles as services
from tandem.programs.enums import Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory, membership_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

Q = QuestionKind

#: (key, kind, extra fields, posted form data, stored answer, shown back in the page)
KINDS: list[tuple[str, str, dict[str, Any], dict[str, Any], Any, str]] = [
    ("goals", Q.TEXT, {}, {"goals": "  Lead a team  "}, "Lead a team", "Lead a team"),
    (
        "industry",
        Q.SINGLE_CHOICE,
        {"choices": ["healthcare", "software"]},
        {"industry": "software"},
        "software",
        '<option value="software" selected>',
    ),
    (
        "skills",
        Q.MULTIPLE_CHOICE,
        {"choices": ["SQL", "Python", "coaching"]},
        {"skills": ["SQL", "coaching"]},
        ["SQL", "coaching"],
        'value="coaching"',
    ),
    (
        "tags",
        Q.MULTIPLE_CHOICE,
        {},
        {"tags": "chess; cooking"},
        ["chess", "cooking"],
        'value="chess; cooking"',
    ),
    (
        "years",
        Q.NUMBER,
        {"min_value": 0, "max_value": 60},
        {"years": "12"},
        12,
        'value="12"',
    ),
    ("confidence", Q.SCALE, {}, {"confidence": "4"}, 4, 'value="4"'),
    ("other_team", Q.YES_NO, {}, {"other_team": "yes"}, True, 'value="yes"'),
    (
        "location",
        Q.LOCATION,
        {},
        {"location_city": "Lyon", "location_country": "France"},
        {"city": "Lyon", "country": "France", "lat": 45.764, "lon": 4.836},
        'value="Lyon"',
    ),
    (
        "time_zone",
        Q.TIME_ZONE,
        {},
        {"time_zone": "Europe/Paris"},
        "Europe/Paris",
        '<option value="Europe/Paris" selected>',
    ),
    (
        "availability",
        Q.AVAILABILITY,
        {},
        {"availability": ["wed-evening", "mon-morning"]},
        ["mon-morning", "wed-evening"],
        'value="wed-evening" id="id_availability_wed_evening" checked',
    ),
    (
        "languages",
        Q.LANGUAGES,
        {"choices": ["English", "French", "Swahili"]},
        {"languages": ["English", "French"]},
        ["English", "French"],
        'value="French"',
    ),
]


def make_questions(world: World) -> None:
    for position, (key, kind, extra, *_rest) in enumerate(KINDS):
        QuestionFactory(program=world.program, key=key, kind=kind, position=position, **extra)


# --- who may open it ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_profile_page_allows_mentors_mentees_and_applicants(
    world: World, login: Any, who: str
) -> None:
    make_questions(world)
    assert login(getattr(world, who)).get(world.url("profile/")).status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_profile_page_refuses_coordinators(world: World, login: Any, who: str) -> None:
    assert login(getattr(world, who)).get(world.url("profile/")).status_code == 403
    assert login(getattr(world, who)).post(world.url("profile/"), {}).status_code == 403


def test_profile_page_is_404_for_outsiders(world: World, login: Any) -> None:
    assert login(world.outsider).get(world.url("profile/")).status_code == 404


# --- every kind's widget round trip ------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "posted", "stored", "shown"),
    [(key, posted, stored, shown) for key, _kind, _extra, posted, stored, shown in KINDS],
    ids=[k[0] for k in KINDS],
)
def test_profile_widget_round_trip(
    world: World, login: Any, key: str, posted: dict[str, Any], stored: Any, shown: str
) -> None:
    make_questions(world)
    client = login(world.mentee)
    response = client.post(world.url("profile/"), posted)
    assert response.status_code == 302, response.context["form"].errors
    assert membership_of(world, "mentee").answers == {key: stored}
    page = client.get(world.url("profile/"))
    assert shown in page.text


def test_profile_stores_every_kind_in_one_save(world: World, login: Any) -> None:
    make_questions(world)
    data: dict[str, Any] = {}
    for _key, _kind, _extra, posted, _stored, _shown in KINDS:
        data.update(posted)
    assert login(world.mentor).post(world.url("profile/"), data).status_code == 302
    answers = membership_of(world, "mentor").answers
    assert answers == {key: stored for key, _k, _e, _p, stored, _s in KINDS}
    entry = AuditEntry.objects.get(action="profile.saved")
    assert entry.changes == {"changed": sorted(answers)}
    assert "Lyon" not in str(entry.changes)  # keys only, never personal values


def test_availability_grid_is_a_table_with_headers_and_labelled_boxes(
    world: World, login: Any
) -> None:
    make_questions(world)
    text = login(world.mentee).get(world.url("profile/")).text
    assert "<legend>Availability" in text or "<legend>" in text
    assert '<th scope="row">Wednesday</th>' in text
    assert '<th scope="col">Evening</th>' in text
    assert '<label class="visually-hidden" for="id_availability_wed_evening">' in text


def test_location_has_labelled_city_and_country_fields(world: World, login: Any) -> None:
    make_questions(world)
    text = login(world.mentee).get(world.url("profile/")).text
    assert '<label for="id_location_0">City</label>' in text
    assert 'name="location_city"' in text
    assert '<label for="id_location_1">Country</label>' in text
    assert 'name="location_country"' in text


def test_profile_form_shows_only_the_questions_of_the_role(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="capacity", audience=Audience.MENTORS)
    QuestionFactory(program=world.program, key="goals", audience=Audience.MENTEES)
    mentee_form = login(world.mentee).get(world.url("profile/")).context["form"]
    assert mentee_form.editable_names() == ["goals"]
    mentor_form = login(world.mentor).get(world.url("profile/")).context["form"]
    assert mentor_form.editable_names() == ["capacity"]


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "key", "message"),
    [
        (
            {"industry": "mining"},
            "industry",
            "“mining” is not one of the allowed answers: healthcare, software.",
        ),
        ({"years": "70"}, "years", "70 is outside the allowed range 0 to 60."),
        ({"years": "many"}, "years", "“many” is not a number."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone name"),
        ({"location_city": "Lyon"}, "location", "A location needs a city and a country."),
        ({"availability": ["mon-night"]}, "availability", "“mon-night” is not a time slot"),
        ({"skills": ["SQL", "Cobol"]}, "skills", "“Cobol” is not one of the allowed answers"),
    ],
)
def test_profile_errors_name_the_field_and_allowed_values(
    world: World, login: Any, posted: dict[str, Any], key: str, message: str
) -> None:
    make_questions(world)
    data = {"goals": "Lead a team", **posted}
    response = login(world.mentee).post(world.url("profile/"), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert message in " ".join(form.errors[key])
    assert form["goals"].value() == "Lead a team"  # the whole form comes back filled
    assert 'aria-invalid="true"' in response.text
    assert membership_of(world, "mentee").answers == {}


def test_profile_save_service_refuses_unknown_keys_and_names_them(world: World) -> None:
    make_questions(world)
    with pytest.raises(services.ProfileAnswerErrors) as refused:
        services.save_profile(
            membership_of(world, "mentee"), by=world.mentee, answers={"shoe_size": 42}
        )
    assert refused.value.errors == {"shoe_size": "not a question of your profile in this program."}


# --- completeness ------------------------------------------------------------------------


def test_completeness_shows_progress_and_links_to_missing_fields(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="goals", label="Your goals", required=True)
    QuestionFactory(program=world.program, key="team", label="Your team")
    client = login(world.mentee)
    page = client.get(world.url("profile/"))
    assert page.context["completeness"].percent == 0
    assert '<a href="#q-goals">Your goals</a>' in page.text
    assert 'id="q-goals"' in page.text
    response = client.post(world.url("profile/"), {"team": "data"})
    assert response.status_code == 302
    page = client.get(world.url("profile/"))
    assert "1 required answer still missing" in page.text
    assert page.context["completeness"].percent == 50
    client.post(world.url("profile/"), {"team": "data", "goals": "Lead"})
    page = client.get(world.url("profile/"))
    assert page.context["completeness"].complete
    assert "Every required question is answered." in page.text
    assert '<progress id="completeness-me" max="100" value="100">' in page.text


# --- demographics ------------------------------------------------------------------------


def demographic_setup(world: World) -> ProfileQuestion:
    QuestionFactory(program=world.program, key="goals", label="Your goals")
    return QuestionFactory(
        program=world.program,
        key="gender_identity",
        label="Gender identity",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Woman", "Man", "Non-binary", "Prefer not to say"],
        is_demographic=True,
        use_in_matching=False,
    )


def test_demographic_questions_hidden_until_consent(world: World, login: Any) -> None:
    demographic_setup(world)
    client = login(world.mentee)
    page = client.get(world.url("profile/"))
    assert page.context["form"].editable_names() == ["goals"]
    assert "aggregate reporting" in page.text
    refused = client.post(world.url("profile/"), {"goals": "x", "gender_identity": "Woman"})
    assert refused.status_code == 302  # the field is not in the form: the value is ignored
    assert "gender_identity" not in membership_of(world, "mentee").answers


def test_consent_then_answer_then_withdraw_deletes_answers(world: World, login: Any) -> None:
    demographic_setup(world)
    client = login(world.mentee)
    response = client.post(world.url("profile/consent/"), {"consent": "on"})
    assert response.status_code == 302
    consent = DemographicConsent.objects.get(membership__user=world.mentee)
    assert consent.allow_matching is False
    assert "aggregate reporting" in consent.consent_text
    page = client.get(world.url("profile/"))
    assert page.context["form"].editable_names() == ["goals", "gender_identity"]
    assert '<fieldset id="demographics">' in page.text
    client.post(world.url("profile/"), {"goals": "x", "gender_identity": "woman"})
    assert membership_of(world, "mentee").answers == {"goals": "x", "gender_identity": "Woman"}
    client.post(world.url("profile/consent/withdraw/"))
    assert not DemographicConsent.objects.exists()
    assert membership_of(world, "mentee").answers == {"goals": "x"}
    assert AuditEntry.objects.get(action="demographics.withdrawn").changes == {
        "answers_deleted": ["gender_identity"]
    }


def test_consent_box_must_be_ticked(world: World, login: Any) -> None:
    demographic_setup(world)
    login(world.mentee).post(world.url("profile/consent/"), {"allow_matching": "on"})
    assert not DemographicConsent.objects.exists()


def test_consent_records_matching_permission(world: World, login: Any) -> None:
    demographic_setup(world)
    client = login(world.mentee)
    client.post(world.url("profile/consent/"), {"consent": "on", "allow_matching": "on"})
    assert DemographicConsent.objects.get().allow_matching is True
    client.post(world.url("profile/consent/"), {"consent": "on"})
    assert DemographicConsent.objects.get().allow_matching is False


def test_consent_pages_refuse_coordinators(world: World, login: Any) -> None:
    client = login(world.coordinator)
    assert client.post(world.url("profile/consent/"), {"consent": "on"}).status_code == 403
    assert client.post(world.url("profile/consent/withdraw/")).status_code == 403


def test_save_profile_refuses_demographics_without_consent(world: World) -> None:
    demographic_setup(world)
    with pytest.raises(services.ProfileAnswerErrors) as refused:
        services.save_profile(
            membership_of(world, "mentee"), by=world.mentee, answers={"gender_identity": "Man"}
        )
    assert refused.value.field == "gender_identity"
    assert "consent" in refused.value.errors["gender_identity"]


# --- coordinators: the profiles list and one person --------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_profiles_list_and_detail_allow_coordinators(world: World, login: Any, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(world.url("profiles/")).status_code == 200
    mentee = membership_of(world, "mentee")
    assert client.get(world.url(f"profiles/{mentee.pk}/")).status_code == 200


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_profiles_list_and_detail_refuse_participants(world: World, login: Any, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(world.url("profiles/")).status_code == 403
    mentee = membership_of(world, "mentee")
    assert client.get(world.url(f"profiles/{mentee.pk}/")).status_code == 403


def test_profile_detail_of_another_program_is_404(world: World, login: Any) -> None:
    stranger = MembershipFactory(program=world.other_program)
    response = login(world.coordinator).get(world.url(f"profiles/{stranger.pk}/"))
    assert response.status_code == 404


def test_profiles_list_filters_incomplete_only(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="goals", label="Your goals", required=True)
    Membership.objects.filter(user=world.mentor).update(answers={"goals": "done"})
    client = login(world.coordinator)
    everyone = client.get(world.url("profiles/"))
    names = [row.membership.user for row in everyone.context["page"]]
    assert set(names) == {world.mentor, world.mentee, world.applicant}
    incomplete = client.get(
        world.url("profiles/"),
        {"incomplete": "on"},
        headers={"HX-Request": "true", "HX-Target": "profile-table"},
    )
    assert {row.membership.user for row in incomplete.context["page"]} == {
        world.mentee,
        world.applicant,
    }
    assert "<html" not in incomplete.text
    assert "Your goals" in incomplete.text


def test_coordinator_person_view_hides_demographic_answers(world: World, login: Any) -> None:
    demographic_setup(world)
    mentee = membership_of(world, "mentee")
    services.give_demographic_consent(mentee, by=world.mentee)
    services.save_profile(
        mentee, by=world.mentee, answers={"goals": "Grow", "gender_identity": "Non-binary"}
    )
    page = login(world.coordinator).get(world.url(f"profiles/{mentee.pk}/"))
    assert "Grow" in page.text
    assert "Non-binary" not in page.text
    assert "Gender identity" not in page.text
    assert "not shown here" in page.text


def test_profiles_list_has_no_n_plus_one(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="goals", required=True)
    client = login(world.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(world.url("profiles/")).status_code == 200
        return len(queries)

    one = count()
    MembershipFactory.create_batch(3, program=world.program, role=Role.MENTOR)
    assert count() == one


def test_profile_form_class_cleans_with_clean_answer(world: World) -> None:
    question = QuestionFactory(program=world.program, key="n", kind=QuestionKind.SCALE)
    form = ProfileForm({"n": "6"}, questions=[question], answers={})
    assert not form.is_valid()
    assert form.errors["n"] == ["6 is outside the allowed range 1 to 5."]
    form = ProfileForm(initial=None, questions=[question], answers={"n": 3})
    assert form["n"].value() == "3"
