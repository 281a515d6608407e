"""The export: the mentee's own goals, plan, self-assessments, SWOT and journal (and feedback
given and received) — nobody else's private text."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.test import Client

from tandem.growth.models import Goal, Milestone
from tandem.growth.queries.plans import SECTION_FIELDS
from tandem.growth.services import assessments as assessment_services
from tandem.growth.services import feedback as feedback_services
from tandem.growth.services import journal as journal_services
from tandem.growth.services import plans as plan_services
from tandem.growth.services.vocabulary import starter_skills
from tests.conftest import World
from tests.mentoring.factories import Pair, workspace_url


def fill(pair: Pair) -> None:
    goal = Goal.objects.create(
        mentorship=pair.mentorship,
        program=pair.mentorship.program,
        owner=pair.mentee,
        statement="Chair the monthly committee meeting by March",
        measure="Chaired twice",
    )
    Milestone.objects.create(goal=goal, title="Watch the chair prepare an agenda")
    plan_services.save_plan(
        pair.mentorship,
        by=pair.mentee,
        owner=pair.mentee,
        sections={f: f"My {f}" for f in SECTION_FIELDS},
        opened_at=0,
        goal_ids=[goal.pk],
    )
    skills = starter_skills(pair.mentorship.program)
    assessment_services.submit_assessment(
        pair.mentorship,
        by=pair.mentee,
        subject=pair.mentee,
        stage="start",
        scores={skills[0].pk: 2},
    )
    assessment_services.save_swot(pair.mentorship, by=pair.mentee, quadrants={"threats": "Reorg"})
    journal_services.write_entry(pair.mentorship, by=pair.mentee, text="Mentee's own thought")
    journal_services.write_entry(pair.mentorship, by=pair.mentor, text="Mentor's private note")
    shared = journal_services.write_entry(pair.mentorship, by=pair.mentor, text="Mentor shared")
    journal_services.share_entry(shared, by=pair.mentor, shared=True)
    assessment_services.save_swot(pair.mentorship, by=pair.mentor, quadrants={"threats": "Hers"})
    feedback_services.give_feedback(
        pair.mentorship,
        by=pair.mentor,
        recipient=pair.mentee,
        data=feedback_services.FeedbackInput(situation="S1", behaviour="B1", impact="I1"),
    )


def download(client: Client, url: str) -> tuple[str, dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    markdown = archive.read(next(n for n in names if n.endswith(".md"))).decode()
    data = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    return markdown, data


def test_the_mentee_export_holds_their_data_and_nobody_elses(
    world: World, pair: Pair, client: Client
) -> None:
    fill(pair)
    client.force_login(world.mentee)
    markdown, data = download(client, workspace_url(world, pair.mentorship, "export/"))
    assert data["role"] == "mentee"
    assert data["goals"][0]["statement"] == "Chair the monthly committee meeting by March"
    assert data["goals"][0]["milestones"][0]["title"] == "Watch the chair prepare an agenda"
    assert data["plan"]["sections"]["strengths"] == "My strengths"
    assert [v["number"] for v in data["plan"]["versions"]] == [1]
    assert data["assessments"][0]["ratings"] == {"Clarity": 2}
    assert data["swot"]["threats"] == "Reorg"
    assert [e["text"] for e in data["journal"]] == ["Mentee's own thought"]
    assert data["feedback_received"][0]["situation"] == "S1"
    everything = markdown + json.dumps(data)
    for foreign in ("Mentor's private note", "Mentor shared", "Hers"):
        assert foreign not in everything
    assert "## Development plan" in markdown
    assert "[ ] Watch the chair" in markdown


def test_the_mentor_export_holds_their_journal_and_feedback(
    world: World, pair: Pair, client: Client
) -> None:
    fill(pair)
    client.force_login(world.mentor)
    markdown, data = download(client, workspace_url(world, pair.mentorship, "export/"))
    assert data["role"] == "mentor"
    assert {e["text"] for e in data["journal"]} == {"Mentor's private note", "Mentor shared"}
    assert data["feedback_given"][0]["impact"] == "I1"
    assert data["goals"] == []
    assert data["plan"] is None
    assert data["assessments"] == []
    everything = markdown + json.dumps(data)
    for foreign in ("Mentee's own thought", "Reorg", "My strengths"):
        assert foreign not in everything


def test_the_api_export_is_the_same_file(world: World, pair: Pair, client: Client) -> None:
    fill(pair)
    client.force_login(world.mentee)
    url = f"/api/v1/organizations/northwind/programs/spring/mentorships/{pair.mentorship.pk}/export"
    _markdown, data = download(client, url)
    assert data["swot"]["threats"] == "Reorg"
