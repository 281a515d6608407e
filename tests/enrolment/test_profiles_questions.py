"""Profile questions: rules, the coordinator's builder, its services, and the starter set."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.demo import seed
from tandem.enrolment.answers import clean_answer, completeness
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.rules import profiles as rules
from tandem.enrolment.services import profiles as services
from tandem.enrolment.services.programs import create_program
from tandem.enrolment.starter import (
    ESSENTIAL_KEYS,
    STARTER_QUESTIONS,
    install_starter_questions,
    suggested_questions,
)
from tandem.programs.access import resolve_access
from tandem.programs.enums import MatchingMode, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory, choice_question, membership_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


# --- rules -------------------------------------------------------------------------------


def access_of(world: World, who: str) -> Any:
    return resolve_access(getattr(world, who), "northwind", "spring")


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", True), ("org_admin", True), ("mentor", False), ("mentee", False)],
)
def test_can_manage_questions_and_view_profiles(world: World, who: str, expected: bool) -> None:
    access = access_of(world, who)
    assert rules.can_manage_questions(access) is expected
    assert rules.can_view_profiles(access) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("mentor", True),
        ("mentee", True),
        ("applicant", True),
        ("coordinator", False),
        ("org_admin", False),
    ],
)
def test_can_edit_own_profile(world: World, who: str, expected: bool) -> None:
    assert rules.can_edit_own_profile(access_of(world, who)) is expected


def test_can_edit_own_profile_refuses_the_waitlisted(world: World) -> None:
    Membership.objects.filter(user=world.mentee).update(status="waitlisted")
    assert rules.can_edit_own_profile(access_of(world, "mentee")) is False


@pytest.mark.parametrize("mode", [MatchingMode.SELF_SELECT, MatchingMode.BOTH])
def test_can_browse_directory_only_approved_mentees_in_self_select(world: World, mode: str) -> None:
    world.program.matching_mode = mode
    world.program.save()
    assert rules.can_browse_directory(access_of(world, "mentee")) is True
    assert rules.can_choose_mentors(access_of(world, "mentee")) is True
    for who in ["mentor", "coordinator", "org_admin", "applicant"]:
        assert rules.can_browse_directory(access_of(world, who)) is False


def test_can_browse_directory_is_false_when_coordinators_match(world: World) -> None:
    assert world.program.matching_mode == MatchingMode.ADMIN
    assert rules.can_browse_directory(access_of(world, "mentee")) is False


# --- the builder's pages -----------------------------------------------------------------

QUESTION_PAGES = ["questions/", "questions/new/"]


@pytest.mark.parametrize("suffix", QUESTION_PAGES)
@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_question_pages_allow_coordinators(world: World, login: Any, who: str, suffix: str) -> None:
    assert login(getattr(world, who)).get(world.url(suffix)).status_code == 200


@pytest.mark.parametrize("suffix", QUESTION_PAGES)
@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_question_pages_refuse_participants(
    world: World, login: Any, who: str, suffix: str
) -> None:
    assert login(getattr(world, who)).get(world.url(suffix)).status_code == 403


def test_question_pages_are_404_for_outsiders(world: World, login: Any) -> None:
    assert login(world.outsider).get(world.url("questions/")).status_code == 404


def test_question_writes_refuse_participants(world: World, login: Any) -> None:
    question = QuestionFactory(program=world.program)
    client = login(world.mentor)
    for suffix in ["questions/new/", f"questions/{question.pk}/"]:
        assert client.post(world.url(suffix), {"label": "x"}).status_code == 403
    for suffix in [f"questions/{question.pk}/delete/", f"questions/{question.pk}/move/"]:
        assert client.post(world.url(suffix)).status_code == 403
    assert ProfileQuestion.objects.get().label == question.label


def question_data(**overrides: Any) -> dict[str, Any]:
    return {
        "label": "Skills I can offer",
        "key": "skills_offered",
        "kind": "multiple_choice",
        "audience": "mentors",
        "required": "on",
        "help_text": "Pick a few",
        "choices": "SQL\nPython\n\ncoaching\n",
        "min_value": "",
        "max_value": "",
        "paired_with": "",
        "use_in_matching": "",
        **overrides,
    }


def test_question_list_shows_questions_in_order(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, label="Second", position=2)
    QuestionFactory(program=world.program, label="First", position=1)
    response = login(world.coordinator).get(world.url("questions/"))
    assert response.text.index("First") < response.text.index("Second")


def test_question_add_saves_choices_one_per_line_and_audits(world: World, login: Any) -> None:
    response = login(world.coordinator).post(world.url("questions/new/"), question_data())
    assert response.status_code == 302
    question = ProfileQuestion.objects.get(key="skills_offered")
    assert question.choices == ["SQL", "Python", "coaching"]
    assert question.audience == Audience.MENTORS
    assert question.required is True
    assert question.use_in_matching is True
    entry = AuditEntry.objects.get(action="question.added")
    assert entry.changes == {"key": "skills_offered"}
    assert entry.actor == world.coordinator


def test_question_add_demographic_defaults_out_of_matching(world: World, login: Any) -> None:
    login(world.coordinator).post(
        world.url("questions/new/"),
        question_data(key="gender", kind="single_choice", audience="both", is_demographic="on"),
    )
    question = ProfileQuestion.objects.get(key="gender")
    assert question.is_demographic is True
    assert question.use_in_matching is False


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"key": "email"}, "key", "reserved"),
        ({"key": "pronouns"}, "key", "reserved"),
        ({"key": "Bad Key!"}, "key", "slug"),
        ({"choices": ""}, "choices", "at least one choice"),
        ({"kind": "number", "min_value": "5", "max_value": "1"}, "max_value", "minimum"),
    ],
)
def test_question_add_refuses_bad_input_naming_the_field(
    world: World, login: Any, overrides: dict[str, Any], field: str, words: str
) -> None:
    response = login(world.coordinator).post(
        world.url("questions/new/"), question_data(**overrides)
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors
    assert words in " ".join(errors[field]).lower() or words in response.text.lower()
    assert response.context["form"]["label"].value() == "Skills I can offer"
    assert not ProfileQuestion.objects.exists()


def test_question_add_refuses_a_duplicate_key(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="skills_offered")
    response = login(world.coordinator).post(world.url("questions/new/"), question_data())
    assert response.status_code == 422
    assert response.context["form"].errors["key"] == [
        "Another question already uses the key “skills_offered”."
    ]


def test_question_edit_refuses_removing_a_used_choice_saying_how_many(
    world: World, login: Any
) -> None:
    question = choice_question(world.program, "skills", ["SQL", "Python", "coaching"])
    for user in [world.mentor, world.mentee]:
        Membership.objects.filter(user=user).update(answers={"skills": ["SQL", "coaching"]})
    data = question_data(key="skills", audience="both", choices="Python\ncoaching")
    response = login(world.coordinator).post(world.url(f"questions/{question.pk}/"), data)
    assert response.status_code == 422
    assert response.context["form"].errors["choices"] == [
        "“SQL” is still the answer of 2 people. Keep it, or tick “remove it from their answers "
        "too”."
    ]
    question.refresh_from_db()
    assert question.choices == ["SQL", "Python", "coaching"]


def test_question_edit_removes_the_choice_from_answers_when_asked(world: World, login: Any) -> None:
    question = choice_question(world.program, "skills", ["SQL", "Python", "coaching"])
    Membership.objects.filter(user=world.mentor).update(answers={"skills": ["SQL", "coaching"]})
    Membership.objects.filter(user=world.mentee).update(answers={"skills": ["SQL"]})
    data = question_data(
        key="skills", audience="both", choices="Python\ncoaching", remove_from_answers="on"
    )
    response = login(world.coordinator).post(world.url(f"questions/{question.pk}/"), data)
    assert response.status_code == 302
    assert membership_of(world, "mentor").answers == {"skills": ["coaching"]}
    assert membership_of(world, "mentee").answers == {}
    entry = AuditEntry.objects.get(action="question.updated")
    assert entry.changes["answers_changed"] == 2


def test_question_edit_cannot_change_the_kind_of_an_answered_question(world: World) -> None:
    question = QuestionFactory(program=world.program, key="goals")
    Membership.objects.filter(user=world.mentee).update(answers={"goals": "Lead a team"})
    with pytest.raises(ServiceError, match="1 person already answered") as refused:
        services.update_question(question, by=world.coordinator, kind=QuestionKind.NUMBER)
    assert refused.value.field == "kind"


def test_question_key_cannot_change(world: World) -> None:
    question = QuestionFactory(program=world.program, key="goals")
    with pytest.raises(ServiceError) as refused:
        services.update_question(question, by=world.coordinator, key="aims")
    assert refused.value.field == "key"


def test_pairing_needs_opposite_audiences_and_compatible_kinds(world: World) -> None:
    offered = choice_question(world.program, "offered", ["SQL"], audience=Audience.MENTORS)
    years = QuestionFactory(
        program=world.program, key="years", kind=QuestionKind.NUMBER, audience=Audience.MENTORS
    )
    by = world.coordinator
    wanted = services.add_question(
        world.program,
        by=by,
        key="wanted",
        label="Skills I want to grow",
        kind=QuestionKind.MULTIPLE_CHOICE,
        audience=Audience.MENTEES,
        choices=["SQL"],
        paired_with=offered,
    )
    assert wanted.paired_with == offered
    with pytest.raises(ServiceError, match="joins a mentee question to a mentor question"):
        services.update_question(wanted, by=by, audience=Audience.MENTORS)
    with pytest.raises(ServiceError, match="cannot be compared") as refused:
        services.update_question(wanted, by=by, paired_with=years)
    assert refused.value.field == "paired_with"


def test_pairing_through_the_form(world: World, login: Any) -> None:
    offered = choice_question(world.program, "skills_offered", ["SQL"], audience="mentors")
    data = question_data(
        key="skills_wanted", audience="mentees", choices="SQL", paired_with=str(offered.pk)
    )
    response = login(world.coordinator).post(world.url("questions/new/"), data)
    assert response.status_code == 302
    assert ProfileQuestion.objects.get(key="skills_wanted").paired_with == offered
    listing = login(world.coordinator).get(world.url("questions/"))
    assert "compared with “Question" in listing.text or "compared with" in listing.text


def test_question_delete_removes_answers_under_its_key(world: World, login: Any) -> None:
    question = QuestionFactory(program=world.program, key="goals")
    Membership.objects.filter(user=world.mentee).update(answers={"goals": "x", "keep": 1})
    response = login(world.coordinator).post(
        world.url(f"questions/{question.pk}/delete/"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="question-table"' in response.text
    assert not ProfileQuestion.objects.exists()
    assert membership_of(world, "mentee").answers == {"keep": 1}
    assert AuditEntry.objects.get(action="question.deleted").changes == {
        "key": "goals",
        "answers_removed": 1,
    }


def test_question_move_up_and_down_with_htmx(world: World, login: Any) -> None:
    first = QuestionFactory(program=world.program, key="a", position=0)
    second = QuestionFactory(program=world.program, key="b", position=1)
    third = QuestionFactory(program=world.program, key="c", position=2)
    client = login(world.coordinator)
    response = client.post(
        world.url(f"questions/{third.pk}/move/"),
        {"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    keys = list(ProfileQuestion.objects.values_list("key", flat=True))
    assert keys == ["a", "c", "b"]
    client.post(world.url(f"questions/{first.pk}/move/"), {"direction": "down"})
    assert list(ProfileQuestion.objects.values_list("key", flat=True)) == ["c", "a", "b"]
    client.post(world.url(f"questions/{second.pk}/move/"), {"direction": "down"})  # already last
    assert list(ProfileQuestion.objects.values_list("key", flat=True)) == ["c", "a", "b"]


def test_question_of_another_program_is_404(world: World, login: Any) -> None:
    other = QuestionFactory(program=world.other_program)
    client = login(world.coordinator)
    assert client.get(world.url(f"questions/{other.pk}/")).status_code == 404
    assert client.post(world.url(f"questions/{other.pk}/delete/")).status_code == 404


def test_question_list_has_no_n_plus_one(world: World, login: Any) -> None:
    client = login(world.coordinator)
    partner = choice_question(world.program, "offered", ["SQL"], audience="mentors")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(world.url("questions/")).status_code == 200
        return len(queries)

    one = count()
    for n in range(2):
        choice_question(
            world.program, f"wanted{n}", ["SQL"], audience="mentees", paired_with=partner
        )
    assert count() == one


# --- the starter set ---------------------------------------------------------------------


def test_create_program_installs_the_essential_starter_questions(world: World) -> None:
    program = create_program(world.organization, by=world.org_admin, name="Autumn")
    keys = list(program.questions.values_list("key", flat=True))
    assert keys == [spec.key for spec in STARTER_QUESTIONS if spec.key in ESSENTIAL_KEYS]
    # every required starter question is essential: a new program can match without the rest
    assert {spec.key for spec in STARTER_QUESTIONS if spec.required} <= ESSENTIAL_KEYS
    wanted = program.questions.get(key="skills_wanted")
    assert wanted.paired_with == program.questions.get(key="skills_offered")
    assert wanted.audience == Audience.MENTEES
    assert program.questions.get(key="skills_offered").choices == list(seed.SKILLS)
    capacity = program.questions.get(key="capacity")
    assert (capacity.label, capacity.min_value, capacity.max_value, capacity.required) == (
        "How many mentees can you take?",
        1,
        10,
        True,
    )
    assert [spec.key for spec in suggested_questions(program)] == [
        spec.key for spec in STARTER_QUESTIONS if spec.key not in ESSENTIAL_KEYS
    ]


def test_the_coordinator_switches_on_suggested_questions(world: World, login: Any) -> None:
    program = create_program(world.organization, by=world.org_admin, name="Autumn")
    MembershipFactory(program=program, user=world.coordinator, role=Role.COORDINATOR)
    client = login(world.coordinator)
    base = f"/o/{program.organization.slug}/p/{program.slug}/questions/"
    page = client.get(base).content.decode()
    assert "Suggested questions" in page
    assert 'Switch on<span class="visually-hidden"> “Industry”' in page

    response = client.post(base + "suggested/", {"key": "industry"}, follow=True)
    assert "Question “Industry” switched on: it is now last." in response.content.decode()
    assert list(program.questions.values_list("key", flat=True))[-1] == "industry"
    assert "industry" not in {spec.key for spec in suggested_questions(program)}

    response = client.post(base + "suggested/", {"key": "no_such_question"}, follow=True)
    assert "“no_such_question” is not one of the suggested questions." in (
        response.content.decode()
    )

    client.post(base + "suggested/", {"all": "1"})
    assert program.questions.count() == len(STARTER_QUESTIONS)
    assert suggested_questions(program) == []
    assert "Suggested questions" not in client.get(base).content.decode()
    for key in ["gender_identity", "first_generation_professional"]:
        question = program.questions.get(key=key)
        assert (question.is_demographic, question.use_in_matching) == (True, False)


def test_only_coordinators_switch_on_suggested_questions(world: World, login: Any) -> None:
    url = world.url("questions/suggested/")
    before = world.program.questions.count()
    assert login(world.mentee).post(url, {"all": "1"}).status_code == 403
    assert login(world.outsider).post(url, {"all": "1"}).status_code == 404
    assert world.program.questions.count() == before


def test_install_starter_questions_is_idempotent(world: World) -> None:
    QuestionFactory(program=world.program, key="goals", label="Our own goals question")
    added = install_starter_questions(world.program, by=world.coordinator)
    assert len(added) == len(STARTER_QUESTIONS) - 1
    assert world.program.questions.get(key="goals").label == "Our own goals question"
    assert install_starter_questions(world.program, by=world.coordinator) == []
    assert world.program.questions.count() == len(STARTER_QUESTIONS)
    assert AuditEntry.objects.filter(action="questions.starter_installed").count() == 1


def test_seeded_people_have_valid_and_complete_answers(world: World) -> None:
    install_starter_questions(world.program, by=None)
    questions = list(world.program.questions.all())
    by_key = {q.key: q for q in questions}
    for person in seed.generate_people(60, seed=3):
        for key, value in person.answers.items():
            assert clean_answer(by_key[key], value) is not None or value == ""
        assert completeness(questions, person.answers, person.role).complete, person.answers


def test_seed_demo_installs_the_starter_questions() -> None:
    report = seed.seed_demo(participants=5)
    questions = list(report.program.questions.all())
    assert len(questions) == len(STARTER_QUESTIONS)
    mentee = Membership.objects.get(program=report.program, user__email=seed.DEMO_LOGINS["mentee"])
    assert completeness(questions, mentee.answers, Role.MENTEE).complete


def test_question_services_audit_every_write(world: World) -> None:
    by = world.coordinator
    question = services.add_question(
        world.program, by=by, key="k", label="K", kind=QuestionKind.TEXT
    )
    services.update_question(question, by=by, label="K2")
    services.move_question(question, by=by, direction="down")  # already last: nothing to log
    QuestionFactory(program=world.program, key="after", position=99)
    services.move_question(question, by=by, direction="down")
    services.delete_question(question, by=by)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "question.added",
        "question.updated",
        "question.moved",
        "question.deleted",
    ]
