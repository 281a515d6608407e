"""The agreement, training and the funnel: pages, services and API, allowed and denied roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.models import (
    Agreement,
    AgreementAcceptance,
    TrainingCompletion,
    TrainingModule,
)
from tandem.enrolment.rules.onboarding import can_get_ready, can_manage_onboarding
from tandem.enrolment.services import onboarding as services
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.access import resolve_access
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.enrolment.factories_onboarding import (
    QUIZ,
    AgreementFactory,
    ProfileQuestionFactory,
    TrainingModuleFactory,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

COORDINATOR_PAGES = ["agreement/edit/", "training/manage/", "training/manage/new/", "funnel/"]
PARTICIPANT_PAGES = ["agreement/", "training/", "getting-ready/"]


def membership_of(world: World, user: User) -> Membership:
    return Membership.objects.get(program=world.program, user=user)


# --- rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "manage", "get_ready"),
    [
        ("coordinator", True, False),
        ("org_admin", True, False),
        ("mentor", False, True),
        ("mentee", False, True),
        ("applicant", False, True),
    ],
)
def test_rules_onboarding_by_role(world: World, who: str, manage: bool, get_ready: bool) -> None:
    access = resolve_access(getattr(world, who), "northwind", "spring")
    assert can_manage_onboarding(access) is manage
    assert can_get_ready(access) is get_ready


# --- pages: allowed and denied --------------------------------------------------------------------


@pytest.mark.parametrize("page", COORDINATOR_PAGES)
@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_coordinator_pages_open_for_coordinators(
    world: World, login: Any, page: str, who: str
) -> None:
    assert login(getattr(world, who)).get(world.url(page)).status_code == 200


@pytest.mark.parametrize("page", COORDINATOR_PAGES)
def test_coordinator_pages_are_403_for_participants_and_404_for_outsiders(
    world: World, login: Any, page: str
) -> None:
    assert login(world.mentor).get(world.url(page)).status_code == 403
    assert login(world.outsider).get(world.url(page)).status_code == 404


@pytest.mark.parametrize("page", PARTICIPANT_PAGES)
@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_participant_pages_open_for_participants(
    world: World, login: Any, page: str, who: str
) -> None:
    AgreementFactory(program=world.program)
    assert login(getattr(world, who)).get(world.url(page)).status_code == 200


@pytest.mark.parametrize("page", PARTICIPANT_PAGES)
def test_participant_pages_are_403_for_coordinators_and_404_for_outsiders(
    world: World, login: Any, page: str
) -> None:
    assert login(world.coordinator).get(world.url(page)).status_code == 403
    assert login(world.outsider).get(world.url(page)).status_code == 404


def test_module_pages_are_allowed_and_denied_by_role(world: World, login: Any) -> None:
    module = TrainingModuleFactory(program=world.program)
    assert login(world.mentee).get(world.url(f"training/{module.pk}/")).status_code == 200
    assert login(world.coordinator).get(world.url(f"training/{module.pk}/")).status_code == 403
    edit = world.url(f"training/manage/{module.pk}/")
    assert login(world.coordinator).get(edit).status_code == 200
    assert login(world.mentee).get(edit).status_code == 403
    for action in ("delete/", "move/"):
        assert login(world.mentee).post(edit + action).status_code == 403
    assert (
        login(world.mentee).post(world.url("funnel/nudge/"), {"step": "approved"}).status_code
        == 403
    )
    assert TrainingModule.objects.filter(pk=module.pk).exists()


# --- the agreement --------------------------------------------------------------------------------


def test_agreement_edit_offers_the_default_text_until_one_is_published(
    world: World, login: Any
) -> None:
    response = login(world.coordinator).get(world.url("agreement/edit/"))
    assert response.context["form"].initial["text"] == services.DEFAULT_AGREEMENT_TEXT
    for topic in ("Confidentiality", "Respect", "Time commitment", "Raising concerns", "No-fault"):
        assert topic in response.text
    assert not Agreement.objects.exists()


def test_agreement_publishing_creates_versions_and_asks_earlier_acceptors_again(
    world: World, login: Any
) -> None:
    client = login(world.coordinator)
    response = client.post(world.url("agreement/edit/"), {"text": "Version one."})
    assert response.status_code == 302
    first = Agreement.objects.get()
    assert (first.version, first.text, first.published_by) == (1, "Version one.", world.coordinator)
    mentor = membership_of(world, world.mentor)
    services.accept_agreement(mentor, by=world.mentor)

    client.post(world.url("agreement/edit/"), {"text": "Version one."})  # unchanged: no version
    assert Agreement.objects.count() == 1
    client.post(world.url("agreement/edit/"), {"text": "Version two."})

    assert list(Agreement.objects.values_list("version", "text")) == [
        (2, "Version two."),
        (1, "Version one."),
    ]
    first.refresh_from_db()
    assert first.text == "Version one."  # an old version is never edited
    changed = Notification.objects.get(kind=NotificationKind.AGREEMENT_CHANGED)
    assert changed.recipient == world.mentor  # only who had accepted an older version
    assert changed.url == world.url("agreement/")
    assert "version 2" in changed.body
    page = login(world.mentor).get(world.url("agreement/"))
    assert "The coordinators updated the agreement" in page.text
    assert page.context["acceptance"] is None


def test_agreement_publish_refuses_an_empty_text(world: World, login: Any) -> None:
    response = login(world.coordinator).post(world.url("agreement/edit/"), {"text": "  "})
    assert response.status_code == 422
    assert not Agreement.objects.exists()


def test_agreement_participant_accepts_with_the_checkbox(world: World, login: Any) -> None:
    AgreementFactory(program=world.program, version=1)
    current = AgreementFactory(program=world.program, version=2, text="Keep it confidential.")
    client = login(world.mentee)
    page = client.get(world.url("agreement/"))
    assert "Keep it confidential." in page.text
    assert "I have read and accept" in page.text

    refused = client.post(world.url("agreement/"), {"version": 2})
    assert refused.status_code == 422
    assert "Tick the box to accept the agreement." in refused.text

    response = client.post(world.url("agreement/"), {"version": 2, "accept": "on"})
    assert response.status_code == 302
    acceptance = AgreementAcceptance.objects.get()
    assert acceptance.agreement == current
    assert acceptance.membership == membership_of(world, world.mentee)
    assert acceptance.accepted_at is not None
    assert AuditEntry.objects.filter(action="agreement.accepted").count() == 1


def test_agreement_accepting_a_replaced_version_is_refused(world: World) -> None:
    AgreementFactory(program=world.program, version=1)
    AgreementFactory(program=world.program, version=2)
    with pytest.raises(ServiceError, match="Version 1 is no longer current"):
        services.accept_agreement(membership_of(world, world.mentee), by=world.mentee, version=1)


def test_agreement_page_without_agreement_says_nothing_is_needed(world: World, login: Any) -> None:
    response = login(world.mentee).get(world.url("agreement/"))
    assert "has no confidentiality agreement" in response.text


# --- training: managing ---------------------------------------------------------------------------


def module_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Confidentiality basics",
        "body": "Read **this**.",
        "required_for": ["mentor", "mentee"],
        "pass_mark": "50",
        "quiz-TOTAL_FORMS": "2",
        "quiz-INITIAL_FORMS": "0",
        "quiz-MIN_NUM_FORMS": "0",
        "quiz-MAX_NUM_FORMS": "30",
        "quiz-0-question": "What stays between the pair?",
        "quiz-0-options": "* Everything\nNothing",
        "quiz-1-question": "",
        "quiz-1-options": "",
    }
    data.update(overrides)
    return data


def test_training_coordinator_creates_a_module_with_a_quiz(world: World, login: Any) -> None:
    response = login(world.coordinator).post(world.url("training/manage/new/"), module_post())
    assert response.status_code == 302
    module = TrainingModule.objects.get()
    assert module.title == "Confidentiality basics"
    assert module.required_for == ["mentor", "mentee"]
    assert module.pass_mark == 50
    assert module.quiz == [
        {
            "question": "What stays between the pair?",
            "options": ["Everything", "Nothing"],
            "answer": 0,
        }
    ]
    edit = login(world.coordinator).get(world.url(f"training/manage/{module.pk}/"))
    assert "* Everything" in edit.text


def test_training_quiz_editor_names_the_question_at_fault(world: World, login: Any) -> None:
    response = login(world.coordinator).post(
        world.url("training/manage/new/"), module_post(**{"quiz-0-options": "Everything\nNothing"})
    )
    assert response.status_code == 422
    assert "Mark exactly one option as right" in response.text
    assert "What stays between the pair?" in response.text  # the form comes back filled
    assert not TrainingModule.objects.exists()


def test_training_coordinator_edits_reorders_and_deletes(world: World, login: Any) -> None:
    first = TrainingModuleFactory(program=world.program, title="First", position=0)
    second = TrainingModuleFactory(program=world.program, title="Second", position=1)
    client = login(world.coordinator)
    client.post(
        world.url(f"training/manage/{first.pk}/"),
        module_post(title="First, renamed", **{"quiz-0-question": "", "quiz-0-options": ""}),
    )
    first.refresh_from_db()
    assert (first.title, first.quiz) == ("First, renamed", [])

    client.post(world.url(f"training/manage/{second.pk}/move/"), {"direction": "up"})
    assert list(TrainingModule.objects.values_list("title", flat=True)) == [
        "Second",
        "First, renamed",
    ]
    response = client.post(
        world.url(f"training/manage/{second.pk}/delete/"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="module-list"' in response.text
    assert list(TrainingModule.objects.values_list("title", flat=True)) == ["First, renamed"]


def test_training_markdown_is_sanitised() -> None:
    html = services.render_markdown(
        "# Title\n\n<script>alert(1)</script>\n\n"
        '<img src="x.png" onerror="alert(2)">\n\n[site](https://example.org) '
        "[bad](javascript:alert(3))"
    )
    assert "<h1>Title</h1>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html


def test_training_module_page_shows_sanitised_markdown(world: World, login: Any) -> None:
    module = TrainingModuleFactory(
        program=world.program, body="**Bold** <script>alert(1)</script><b onclick=x()>b</b>"
    )
    response = login(world.mentee).get(world.url(f"training/{module.pk}/"))
    assert "<strong>Bold</strong>" in response.text
    assert "alert(1)" not in response.text
    assert "onclick" not in response.text


# --- training: taking it --------------------------------------------------------------------------


def test_training_list_shows_progress_for_the_role(world: World, login: Any) -> None:
    done = TrainingModuleFactory(program=world.program, title="Done one")
    TrainingModuleFactory(program=world.program, title="Left one", required_for=["mentee"])
    TrainingModuleFactory(program=world.program, title="For mentors", required_for=["mentor"])
    TrainingModuleFactory(program=world.program, title="Optional extra", required_for=[])
    TrainingCompletion.objects.create(membership=membership_of(world, world.mentee), module=done)
    response = login(world.mentee).get(world.url("training/"))
    assert "1 of 2 done" in response.text
    assert "Optional extra" in response.text
    assert "For mentors" not in response.text


def test_training_acknowledge_completes_a_module_without_quiz(world: World, login: Any) -> None:
    module = TrainingModuleFactory(program=world.program)
    response = login(world.mentor).post(world.url(f"training/{module.pk}/"))
    assert response.status_code == 302
    completion = TrainingCompletion.objects.get()
    assert (completion.module, completion.score) == (module, None)


def test_training_quiz_fail_shows_score_and_wrong_questions_then_pass(
    world: World, login: Any
) -> None:
    module = TrainingModuleFactory(program=world.program, quiz=QUIZ, pass_mark=100)
    client = login(world.mentee)
    failed = client.post(
        world.url(f"training/{module.pk}/"), {"question_1": "0", "question_2": "0"}
    )
    assert failed.status_code == 200
    assert "You scored 50%; 100% is needed to pass." in failed.text
    assert "Not right yet: question 2." in failed.text
    assert "Either person" in failed.text  # the options are shown again to retry…
    assert failed.context["result"].wrong == (2,)  # …but not which one is right
    assert not TrainingCompletion.objects.exists()

    passed = client.post(
        world.url(f"training/{module.pk}/"), {"question_1": "0", "question_2": "1"}
    )
    assert passed.status_code == 302
    assert TrainingCompletion.objects.get().score == 100


def test_training_quiz_refuses_an_option_outside_the_allowed_ones(world: World, login: Any) -> None:
    module = TrainingModuleFactory(program=world.program, quiz=QUIZ)
    response = login(world.mentee).post(
        world.url(f"training/{module.pk}/"), {"question_1": "7", "question_2": "1"}
    )
    assert response.status_code == 422
    assert (
        "Question 1: “7” is not one of the allowed options: “Everything”, “Nothing”."
        in (response.context["quiz_form"].errors["question_1"][0])
    )
    assert not TrainingCompletion.objects.exists()


def test_training_quiz_scoring_by_text_or_index() -> None:
    assert services._option_index(["A", "B"], "b") == 1
    assert services._option_index(["A", "B"], 0) == 0
    assert services._option_index(["A", "B"], "1") == 1
    assert services._option_index(["A", "B"], 2) is None
    assert services._option_index(["A", "B"], True) is None


def test_training_module_quiz_must_be_sound(world: World) -> None:
    with pytest.raises(ServiceError, match="Question 1 needs at least two options"):
        services.create_module(
            world.program,
            by=world.coordinator,
            title="T",
            body="B",
            quiz=[{"question": "Q", "options": ["only"], "answer": 0}],
        )
    with pytest.raises(ServiceError, match="the right answer must be one of its 2 options"):
        services.create_module(
            world.program,
            by=world.coordinator,
            title="T",
            body="B",
            quiz=[{"question": "Q", "options": ["a", "b"], "answer": 2}],
        )
    with pytest.raises(ServiceError, match="“coordinator” is not a role that takes training"):
        services.create_module(
            world.program, by=world.coordinator, title="T", body="B", required_for=["coordinator"]
        )


# --- checklist ------------------------------------------------------------------------------------


def test_getting_ready_lists_each_step_with_a_link(world: World, login: Any) -> None:
    ProfileQuestionFactory(program=world.program, key="goals", label="Your goals")
    AgreementFactory(program=world.program)
    TrainingModuleFactory(program=world.program, title="Mentoring 101")
    response = login(world.mentee).get(world.url("getting-ready/"))
    assert "1 of 4 steps done" in response.text
    for text in ("Profile: Your goals", "Accept the confidentiality agreement", "Mentoring 101"):
        assert text in response.text
    for link in ("profile/", "agreement/", "training/"):
        assert f'href="{world.url(link)}"' in response.text
    assert "You are ready to be matched" not in response.text


def test_getting_ready_says_ready_when_everything_is_done(world: World, login: Any) -> None:
    response = login(world.mentee).get(world.url("getting-ready/"))
    assert "You are ready to be matched" in response.text


# --- funnel and reminders -------------------------------------------------------------------------


def test_funnel_page_filters_by_step_and_shows_what_is_missing(world: World, login: Any) -> None:
    TrainingModuleFactory(program=world.program, title="Mentoring 101")
    client = login(world.coordinator)
    page = client.get(world.url("funnel/"))
    assert "Invitations sent and not withdrawn" in page.text
    stuck = client.get(
        world.url("funnel/?step=trained"),
        headers={"HX-Request": "true", "HX-Target": "funnel-people"},
    )
    assert stuck.status_code == 200
    assert stuck.text.lstrip().startswith('<section id="funnel-people"')
    stuck = client.get(world.url("funnel/?step=agreement"))
    names = {person.membership.user for person in stuck.context["people"]}
    assert names == {world.mentor, world.mentee}
    assert "Training: Mentoring 101" in stuck.text
    missing = client.get(world.url("funnel/?missing=trained"))
    assert {p.membership.user for p in missing.context["people"]} == {world.mentor, world.mentee}


def test_nudge_sends_one_reminder_per_person_with_something_left(world: World, login: Any) -> None:
    TrainingModuleFactory(program=world.program, title="Mentoring 101", required_for=["mentor"])
    ready_mentee = membership_of(world, world.mentee)  # nothing required of mentees: ready
    extra_mentor = MembershipFactory(program=world.program, role=Role.MENTOR)
    client = login(world.coordinator)

    response = client.post(world.url("funnel/nudge/"), {"step": FunnelStep.AGREEMENT})
    assert response.status_code == 302
    reminders = Notification.objects.filter(kind=NotificationKind.ENROLMENT_REMINDER)
    assert sorted(n.recipient_id for n in reminders) == sorted(
        [world.mentor.pk, extra_mentor.user_id]
    )
    assert "Training: Mentoring 101" in reminders[0].body
    assert reminders[0].url == world.url("getting-ready/")
    assert not reminders.filter(recipient=ready_mentee.user).exists()

    client.post(world.url("funnel/nudge/"), {"membership": extra_mentor.pk})
    assert reminders.filter(recipient=extra_mentor.user).count() == 2
    assert reminders.all().count() == 3


def test_nudge_skips_people_with_nothing_left_to_do_themselves(world: World) -> None:
    # The applicant only waits for approval (nothing required of them): no reminder.
    sent = services.send_enrolment_reminders(
        world.program, by=world.coordinator, step=FunnelStep.APPLIED
    )
    assert sent == 0
    assert not Notification.objects.exists()


# --- API ------------------------------------------------------------------------------------------

BASE = "/api/v1/organizations/northwind/programs/spring"


class Api:
    def __init__(self, user: User) -> None:
        _, raw = create_api_token(user, by=user, name="tests")
        self.client = Client(headers={"authorization": f"Bearer {raw}"})

    def get(self, path: str) -> Any:
        return self.client.get(BASE + path)

    def send(self, method: str, path: str, data: Any = None) -> Any:
        return getattr(self.client, method)(
            BASE + path, json.dumps(data or {}), content_type="application/json"
        )


def test_api_agreement_publish_get_and_accept(world: World) -> None:
    coordinator, mentee = Api(world.coordinator), Api(world.mentee)
    assert coordinator.get("/agreement").json()["version"] is None
    assert mentee.send("put", "/agreement", {"text": "Hi"}).status_code == 403
    published = coordinator.send("put", "/agreement", {"text": "Stay discreet."})
    assert published.status_code == 200
    assert published.json()["version"] == 1
    mine = mentee.get("/agreement").json()
    assert (mine["version"], mine["text"], mine["accepted"]) == (1, "Stay discreet.", False)
    assert coordinator.send("post", "/agreement/accept", {}).status_code == 403
    accepted = mentee.send("post", "/agreement/accept", {"version": 1})
    assert accepted.status_code == 200
    assert accepted.json()["version"] == 1
    assert mentee.get("/agreement").json()["accepted"] is True
    assert Api(world.outsider).get("/agreement").status_code == 404


def test_api_training_crud_is_for_coordinators(world: World) -> None:
    coordinator, mentor = Api(world.coordinator), Api(world.mentor)
    data = {"title": "Basics", "body": "Text", "required_for": ["mentor"], "quiz": QUIZ}
    assert mentor.send("post", "/training/modules", data).status_code == 403
    created = coordinator.send("post", "/training/modules", data)
    assert created.status_code == 201
    module_id = created.json()["id"]
    other = coordinator.send("post", "/training/modules", {"title": "More", "body": "x"}).json()
    assert mentor.get("/training/modules").status_code == 403
    assert [m["title"] for m in coordinator.get("/training/modules").json()] == ["Basics", "More"]
    reordered = coordinator.send(
        "put", "/training/modules/order", {"order": [other["id"], module_id]}
    )
    assert [m["title"] for m in reordered.json()] == ["More", "Basics"]
    updated = coordinator.send("put", f"/training/modules/{module_id}", {**data, "title": "B2"})
    assert updated.json()["title"] == "B2"
    bad = coordinator.send(
        "post",
        "/training/modules",
        {**data, "quiz": [{"question": "Q", "options": ["a"], "answer": 0}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == "Question 1 needs at least two options."
    assert mentor.send("delete", f"/training/modules/{module_id}").status_code == 403
    assert coordinator.send("delete", f"/training/modules/{module_id}").status_code == 204
    assert TrainingModule.objects.count() == 1


def test_api_my_modules_and_quiz_answers(world: World) -> None:
    module = TrainingModuleFactory(program=world.program, quiz=QUIZ, pass_mark=100)
    reading = TrainingModuleFactory(program=world.program, body="<script>x</script>Hello")
    mentee = Api(world.mentee)
    mine = mentee.get("/training/my-modules").json()
    assert [m["id"] for m in mine] == [module.pk, reading.pk]
    assert "answer" not in mine[0]["quiz"][0]
    assert "<script>" not in mine[1]["body_html"]
    assert Api(world.coordinator).get("/training/my-modules").status_code == 403

    refused = mentee.send(
        "post", f"/training/modules/{module.pk}/complete", {"answers": ["Maybe", 1]}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "Question 1: “Maybe” is not one of the allowed options: “Everything”, “Nothing”."
    )
    failed = mentee.send("post", f"/training/modules/{module.pk}/complete", {"answers": [0, 0]})
    assert failed.json() == {
        "completed": False,
        "score": 50,
        "passed": False,
        "wrong_questions": [2],
    }
    passed = mentee.send(
        "post",
        f"/training/modules/{module.pk}/complete",
        {"answers": ["everything", "Either person"]},
    )
    assert passed.json()["completed"] is True
    assert mentee.send("post", f"/training/modules/{reading.pk}/complete", {}).json() == {
        "completed": True,
        "score": None,
        "passed": None,
        "wrong_questions": [],
    }
    assert TrainingCompletion.objects.count() == 2


def test_api_readiness_and_funnel(world: World) -> None:
    TrainingModuleFactory(program=world.program, title="Mentoring 101", required_for=["mentor"])
    readiness = Api(world.mentor).get("/readiness").json()
    assert readiness["ready"] is False
    assert readiness["stage"] == "agreement"
    assert readiness["todo"] == ["Training: Mentoring 101"]
    assert Api(world.mentee).get("/readiness").json()["ready"] is True
    assert Api(world.coordinator).get("/readiness").status_code == 403

    assert Api(world.mentor).get("/funnel").status_code == 403
    funnel = Api(world.coordinator).get("/funnel").json()
    steps = {step["step"]: step for step in funnel["steps"]}
    assert steps["ready"]["count"] == 1
    assert steps["ready"]["stuck"] == [membership_of(world, world.mentee).pk]
    assert steps["agreement"]["stuck"] == [membership_of(world, world.mentor).pk]
    assert steps["applied"]["stuck"] == [membership_of(world, world.applicant).pk]
    assert steps["applied"]["meaning"].startswith("Mentors and mentees who applied")


def test_api_participants_who_left_cannot_get_ready(world: World) -> None:
    Membership.objects.filter(user=world.mentee).update(status=MembershipStatus.WITHDRAWN)
    assert Api(world.mentee).get("/readiness").status_code == 404


def test_funnel_page_lists_at_most_a_page_of_people_but_counts_everyone(
    world: World, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tandem.enrolment.views import onboarding as views

    monkeypatch.setattr(views, "PEOPLE_SHOWN", 2)
    response = login(world.coordinator).get(world.url("funnel/"))
    assert len(response.context["people"]) == 2
    assert response.context["people_total"] == 3
    assert "Showing the first 2 of 3" in response.text
