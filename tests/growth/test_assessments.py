"""Skills self-assessments: the stage due by the mentorship's dates, submitting (1–5), the
mentor's view on request (the mentee's only), the growth chart (accessible, CSP-clean SVG),
the program's skill growth suppressed below the threshold, and the SWOT worksheet."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.core.charts import accessible, clean_svg, render_svg
from tandem.core.errors import ServiceError
from tandem.growth.enums import AssessmentStage
from tandem.growth.models import Assessment, Skill, Swot
from tandem.growth.queries import assessments as queries
from tandem.growth.services import assessments as services
from tandem.growth.services.vocabulary import starter_skills
from tandem.mentoring.models import Mentorship
from tandem.notifications.models import Notification
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, make_pair, membership_of, workspace_url


def rate_all(pair: Pair, stage: str, score: int, *, by=None, subject=None) -> Assessment:  # type: ignore[no-untyped-def]
    skills = starter_skills(pair.mentorship.program)
    return services.submit_assessment(
        pair.mentorship,
        by=by or pair.mentee,
        subject=subject or pair.mentee,
        stage=stage,
        scores={skill.pk: score for skill in skills},
    )


def test_ensure_starter_skills_is_idempotent(world: World) -> None:
    first = starter_skills(world.program)
    assert [s.name for s in first][:3] == ["Clarity", "Concision", "Writing"]
    assert starter_skills(world.program) == first
    assert Skill.objects.filter(program=world.program).count() == len(first)


@pytest.mark.parametrize(
    ("days_in", "done", "expected"),
    [
        (3, set(), AssessmentStage.START),
        (60, set(), AssessmentStage.START),  # late, but still better than none
        (60, {"start"}, None),
        (80, {"start"}, AssessmentStage.MIDPOINT),
        (170, {"start"}, AssessmentStage.END),
        (200, {"start", "end"}, AssessmentStage.END),
    ],
)
def test_stage_due_follows_the_dates(
    pair: Pair, days_in: int, done: set[str], expected: AssessmentStage | None
) -> None:
    mentorship = pair.mentorship
    start = timezone.now() - dt.timedelta(days=days_in)
    Mentorship.objects.filter(pk=mentorship.pk).update(
        started_at=start, ends_on=(start + dt.timedelta(days=182)).date()
    )
    mentorship.refresh_from_db()
    stage, opens_on = queries.stage_due(mentorship, done)
    assert stage == expected
    assert (opens_on is not None) == (expected is None)


def test_submitting_again_replaces_the_ratings(pair: Pair) -> None:
    rate_all(pair, "start", 2)
    assessment = rate_all(pair, "start", 3)
    assert {r.score for r in assessment.ratings.all()} == {3}
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_a_score_outside_1_5_is_refused_naming_the_skill(pair: Pair, score: int) -> None:
    skill = starter_skills(pair.mentorship.program)[0]
    with pytest.raises(ServiceError) as raised:
        services.submit_assessment(
            pair.mentorship,
            by=pair.mentee,
            subject=pair.mentee,
            stage="start",
            scores={skill.pk: score},
        )
    assert raised.value.field == f"skill_{skill.pk}"


def test_another_programs_skill_is_refused(world: World, pair: Pair) -> None:
    foreign = starter_skills(world.other_program)[0]
    starter_skills(world.program)
    with pytest.raises(ServiceError):
        services.submit_assessment(
            pair.mentorship,
            by=pair.mentee,
            subject=pair.mentee,
            stage="start",
            scores={foreign.pk: 3},
        )


def test_the_mentor_rates_only_when_asked(pair: Pair) -> None:
    with pytest.raises(ServiceError):
        rate_all(pair, "start", 4, by=pair.mentor)
    services.request_mentor_view(pair.mentorship, by=pair.mentee, mentor=pair.mentor, stage="start")
    notification = Notification.objects.get(recipient=pair.mentor.user)
    assert notification.kind == "assessment_requested"
    view = rate_all(pair, "start", 4, by=pair.mentor)
    assert view.role == "mentor"
    assert view.submitted_at is not None


def test_the_mentee_sees_the_chart_and_the_table(world: World, pair: Pair, client: Client) -> None:
    rate_all(pair, "start", 2)
    services.request_mentor_view(pair.mentorship, by=pair.mentee, mentor=pair.mentor, stage="start")
    rate_all(pair, "start", 4, by=pair.mentor)
    client.force_login(world.mentee)
    page = client.get(workspace_url(world, pair.mentorship, "skills/")).content.decode()
    assert "<svg" in page
    assert "<title id=" in page
    assert "<desc id=" in page
    assert 'role="img"' in page
    assert "Your mentor, at the start" in page  # the table's column
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert not re.search(r"\sstyle\s*=", svg)
    assert "<script" not in svg


def test_the_mentor_does_not_see_the_mentees_own_ratings(
    world: World, pair: Pair, client: Client
) -> None:
    rate_all(pair, "start", 2)
    client.force_login(world.mentor)
    page = client.get(workspace_url(world, pair.mentorship, "skills/")).content.decode()
    assert "<svg" not in page
    assert "Nothing asked of you yet." in page


def test_clean_svg_strips_what_csp_blocks() -> None:
    dirty = (
        '<svg><style>x{}</style><rect style="fill:red" onclick="x()" fill="red"/>'
        "<script>1</script></svg>"
    )
    assert clean_svg(dirty) == '<svg><rect fill="red"/></svg>'
    named = accessible('<svg width="1">', key="abc", title="A <b>", description="\\1 d")
    assert '<title id="chart-abc-title">A &lt;b&gt;</title>' in named
    assert "\\1 d" in named


@pytest.mark.django_db
def test_render_svg_is_cached_by_spec() -> None:
    spec = {
        "data": {"values": [{"a": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    first = render_svg(spec, title="T", description="D")
    assert render_svg(spec, title="T", description="D") == first
    assert first.startswith("<svg")


def test_skill_growth_is_suppressed_below_the_threshold(world: World, pair: Pair) -> None:
    rate_all(pair, "start", 2)
    rate_all(pair, "end", 4)
    rows = queries.skill_growth(world.program)
    assert rows
    assert all(row.mean_change is None for row in rows)
    shown = queries.skill_growth(world.program, threshold=1)
    assert {row.mean_change for row in shown} == {2.0}
    assert {row.mentees for row in shown} == {1}


def test_skill_growth_over_five_mentees(world: World) -> None:
    skills = starter_skills(world.program)
    mentor = membership_of(world.mentor, world.program)
    for delta in (1, 1, 2, 0, 1):
        mentee = MembershipFactory(program=world.program, role=Role.MENTEE)
        mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
        for stage, score in (("start", 2), ("end", 2 + delta)):
            services.submit_assessment(
                mentorship, by=mentee, subject=mentee, stage=stage, scores={skills[0].pk: score}
            )
    [first, *rest] = queries.skill_growth(world.program)
    assert (first.mentees, first.mean_change) == (5, 1.0)
    assert all(row.mean_change is None for row in rest)


# --- SWOT ---------------------------------------------------------------------------------


def test_swot_is_private_until_shared_and_unsharing_works(
    world: World, pair: Pair, client: Client
) -> None:
    swot = services.save_swot(
        pair.mentorship, by=pair.mentee, quadrants={"strengths": "Patient", "threats": "Reorg"}
    )
    url = workspace_url(world, pair.mentorship, "swot/")
    client.force_login(world.mentor)
    assert "Reorg" not in client.get(url).content.decode()
    services.share_swot(swot, by=pair.mentee, shared=True)
    assert "Reorg" in client.get(url).content.decode()
    services.share_swot(swot, by=pair.mentee, shared=False)
    assert "Reorg" not in client.get(url).content.decode()
    assert Swot.objects.get().shared_at is None


def test_only_the_owner_shares_a_swot(pair: Pair) -> None:
    swot = services.save_swot(pair.mentorship, by=pair.mentee, quadrants={"strengths": "x"})
    with pytest.raises(ServiceError):
        services.share_swot(swot, by=pair.mentor, shared=True)


def test_swot_share_by_htmx_returns_the_partial(world: World, pair: Pair, client: Client) -> None:
    services.save_swot(pair.mentorship, by=pair.mentee, quadrants={"strengths": "x"})
    client.force_login(world.mentee)
    response = client.post(
        workspace_url(world, pair.mentorship, "swot/share/"),
        {"shared": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="swot-sharing"')
    assert "Make it private again" in body


def test_skills_page_submits_and_keeps_errors_named(
    world: World, pair: Pair, client: Client
) -> None:
    skills = starter_skills(world.program)
    client.force_login(world.mentee)
    url = workspace_url(world, pair.mentorship, "skills/")
    bad = client.post(url + "submit/", {"stage": "start", f"skill_{skills[0].pk}": "9"})
    assert bad.status_code == 422
    ok = client.post(url + "submit/", {"stage": "start", f"skill_{skills[0].pk}": "3"})
    assert ok.status_code == 302
    assert Assessment.objects.get().ratings.get().score == 3


def test_api_score_outside_1_5_is_422_naming_the_field(
    world: World, pair: Pair, client: Client
) -> None:
    skill = starter_skills(world.program)[0]
    program = "/api/v1/organizations/northwind/programs/spring"
    url = f"{program}/mentorships/{pair.mentorship.pk}/assessments"
    client.force_login(world.mentee)
    bad = client.post(
        url,
        {"stage": "start", "ratings": [{"skill_id": skill.pk, "score": 6}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "ratings.0.score"
    wrong_stage = client.post(
        url,
        {"stage": "later", "ratings": [{"skill_id": skill.pk, "score": 3}]},
        content_type="application/json",
    )
    assert wrong_stage.json()["field"] == "stage"
    ok = client.post(
        url,
        {"stage": "start", "ratings": [{"skill_id": skill.pk, "score": 3}]},
        content_type="application/json",
    )
    assert ok.status_code == 201
    body = ok.json()
    assert body["due"] == "start"
    assert body["assessments"][0]["ratings"] == [
        {"skill_id": skill.pk, "skill": "Clarity", "score": 3}
    ]


def test_skill_growth_takes_two_queries(world: World, django_assert_num_queries: Any) -> None:
    starter_skills(world.program)
    with django_assert_num_queries(2):
        queries.skill_growth(world.program)
