"""The privacy matrix over every plan, self-assessment, SWOT, journal, feedback and export URL
and API endpoint: the author, the other member, another participant, the coordinator and an
outsider. Content is its members' (and within the mentorship, its author's unless shared);
everyone else gets the same 404 as for something that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tandem.growth.models import DevelopmentPlan, Feedback, JournalEntry, Swot
from tandem.growth.queries.plans import SECTION_FIELDS
from tandem.growth.services import assessments as assessment_services
from tandem.growth.services import feedback as feedback_services
from tandem.growth.services import journal as journal_services
from tandem.growth.services import plans as plan_services
from tandem.growth.services.vocabulary import starter_skills
from tests.conftest import World
from tests.mentoring.factories import Pair

VIEWERS = ("author", "other_member", "other_participant", "coordinator", "outsider")
SECRET = "Only-for-us-7f3a"


@dataclass
class Scene:
    entry: JournalEntry
    swot: Swot


@pytest.fixture
def scene(pair: Pair) -> Scene:
    plan_services.save_plan(
        pair.mentorship,
        by=pair.mentee,
        owner=pair.mentee,
        sections={f: f"{SECRET} {f}" for f in SECTION_FIELDS},
        opened_at=0,
    )
    skills = starter_skills(pair.mentorship.program)
    assessment_services.submit_assessment(
        pair.mentorship,
        by=pair.mentee,
        subject=pair.mentee,
        stage="start",
        scores={skills[0].pk: 2},
    )
    swot = assessment_services.save_swot(
        pair.mentorship, by=pair.mentee, quadrants={"threats": SECRET}
    )
    entry = journal_services.write_entry(pair.mentorship, by=pair.mentee, text=SECRET)
    feedback_services.give_feedback(
        pair.mentorship,
        by=pair.mentee,
        recipient=pair.mentor,
        data=feedback_services.FeedbackInput(situation=SECRET, behaviour="b", impact="i"),
    )
    return Scene(entry=entry, swot=swot)


def viewer(world: World, pair: Pair, who: str) -> Any:
    return {
        "author": world.mentee,
        "other_member": world.mentor,
        "other_participant": pair.other_mentee,
        "coordinator": world.coordinator,
        "outsider": world.outsider,
    }[who]


def page(world: World, pair: Pair, suffix: str) -> str:
    return world.url(f"mentorships/{pair.mentorship.pk}/{suffix}")


def api(pair: Pair, suffix: str) -> str:
    return (
        f"/api/v1/organizations/northwind/programs/spring/mentorships/{pair.mentorship.pk}/{suffix}"
    )


#: (what, URL maker, status for each viewer in VIEWERS order).
MEMBERS = (200, 200, 404, 404, 404)
AUTHOR_ONLY = (200, 404, 404, 404, 404)

PAGES = [
    ("plan", lambda s: "plan/", MEMBERS),
    ("skills", lambda s: "skills/", MEMBERS),
    ("swot", lambda s: "swot/", MEMBERS),
    ("journal", lambda s: "journal/", MEMBERS),
    ("journal entry", lambda s: f"journal/{s.entry.pk}/", AUTHOR_ONLY),
    ("feedback", lambda s: "feedback/", MEMBERS),
    ("export", lambda s: "export/", MEMBERS),
]

ENDPOINTS = [
    ("plan", lambda s: "plan", MEMBERS),
    ("plan versions", lambda s: "plan/versions", MEMBERS),
    ("plan comments", lambda s: "plan/comments", MEMBERS),
    ("assessments", lambda s: "assessments", MEMBERS),
    ("swot", lambda s: "swot", MEMBERS),
    ("journal", lambda s: "journal", MEMBERS),
    ("journal entry", lambda s: f"journal/{s.entry.pk}", AUTHOR_ONLY),
    ("feedback", lambda s: "feedback", MEMBERS),
    ("feedback requests", lambda s: "feedback/requests", MEMBERS),
    ("export", lambda s: "export", MEMBERS),
]


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(("what", "url", "statuses"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(
    world: World,
    pair: Pair,
    scene: Scene,
    client: Client,
    who: str,
    what: str,
    url: Any,
    statuses: tuple[int, ...],
) -> None:
    client.force_login(viewer(world, pair, who))
    response = client.get(page(world, pair, url(scene)))
    assert response.status_code == statuses[VIEWERS.index(who)]
    if response.status_code != 200:
        assert SECRET.encode() not in response.content


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(("what", "url", "statuses"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_endpoints(
    world: World,
    pair: Pair,
    scene: Scene,
    client: Client,
    who: str,
    what: str,
    url: Any,
    statuses: tuple[int, ...],
) -> None:
    client.force_login(viewer(world, pair, who))
    response = client.get(api(pair, url(scene)))
    assert response.status_code == statuses[VIEWERS.index(who)]
    if response.status_code != 200:
        assert SECRET.encode() not in response.content


def test_what_the_other_member_reads_of_unshared_things(
    world: World, pair: Pair, scene: Scene, client: Client
) -> None:
    """The mentor reads the plan (by design) and the feedback to them — never the unshared
    journal entry, the unshared SWOT or the mentee's own ratings."""
    client.force_login(world.mentor)
    for suffix in ("journal/", "swot/", "skills/"):
        assert SECRET not in client.get(page(world, pair, suffix)).content.decode()
    assert client.get(api(pair, "journal")).json() == []
    assert client.get(api(pair, "swot")).json()["shared_with_me"] == []
    assert client.get(api(pair, "assessments")).json()["assessments"] == []
    assert SECRET in client.get(page(world, pair, "plan/")).content.decode()
    assert SECRET in client.get(page(world, pair, "feedback/")).content.decode()


def test_the_mentors_view_is_shown_to_the_mentee_only(
    world: World, pair: Pair, client: Client
) -> None:
    skills = starter_skills(pair.mentorship.program)
    assessment_services.request_mentor_view(
        pair.mentorship, by=pair.mentee, mentor=pair.mentor, stage="start"
    )
    assessment_services.submit_assessment(
        pair.mentorship,
        by=pair.mentor,
        subject=pair.mentee,
        stage="start",
        scores={skills[0].pk: 5},
    )
    client.force_login(world.mentee)
    roles = [a["role"] for a in client.get(api(pair, "assessments")).json()["assessments"]]
    assert roles == ["mentor"]
    for outsider in (world.coordinator, pair.other_mentee):
        client.force_login(outsider)
        assert client.get(api(pair, "assessments")).status_code == 404


WRITES = [
    ("post", "plan/save/", {"version": "1", "strengths": "x"}),
    ("post", "plan/review/", {"version": "1"}),
    ("post", "plan/comment/", {"text": "x"}),
    ("post", "skills/submit/", {"stage": "start"}),
    ("post", "skills/request/", {"stage": "start"}),
    ("post", "swot/save/", {"strengths": "x"}),
    ("post", "swot/share/", {"shared": "1"}),
    ("post", "journal/add/", {"text": "x"}),
    ("post", "feedback/give/", {"situation": "x"}),
    ("post", "feedback/ask/", {"topic": "x"}),
]


@pytest.mark.parametrize("who", ["other_participant", "coordinator", "outsider"])
def test_non_members_cannot_write(
    world: World, pair: Pair, scene: Scene, client: Client, who: str
) -> None:
    client.force_login(viewer(world, pair, who))
    for _method, suffix, data in WRITES:
        assert client.post(page(world, pair, suffix), data).status_code == 404, suffix
    entry = scene.entry.pk
    for suffix in ("edit/", "share/", "delete/"):
        response = client.post(page(world, pair, f"journal/{entry}/{suffix}"), {"text": "x"})
        assert response.status_code == 404
    for method, suffix, body in [
        ("put", "plan", {"version": 1}),
        ("post", "journal", {"text": "x"}),
        ("put", "swot", {}),
        ("post", "feedback/requests", {"recipient": pair.mentee.pk, "topic": "x"}),
    ]:
        response = getattr(client, method)(api(pair, suffix), body, content_type="application/json")
        assert response.status_code == 404
    assert DevelopmentPlan.objects.get().version == 1
    assert JournalEntry.objects.count() == 1
    assert Feedback.objects.count() == 1


def test_the_other_member_cannot_change_the_authors_entry(
    world: World, pair: Pair, scene: Scene, client: Client
) -> None:
    client.force_login(world.mentor)
    entry = scene.entry.pk
    for suffix in ("edit/", "share/", "delete/"):
        assert (
            client.post(page(world, pair, f"journal/{entry}/{suffix}"), {"text": "x"}).status_code
            == 404
        )
    for method in ("patch", "delete"):
        response = getattr(client, method)(
            api(pair, f"journal/{entry}"), {"text": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
    assert (
        client.post(
            api(pair, f"journal/{entry}/share"), {"shared": True}, content_type="application/json"
        ).status_code
        == 404
    )
    assert JournalEntry.objects.get().text == SECRET
    assert JournalEntry.objects.get().shared_at is None
