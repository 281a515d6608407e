"""The privacy matrix over every goal URL and API endpoint: the mentee whose goal it is, the
mentor (the other member), another participant of the program, the coordinator and an
outsider. A mentorship's goals are its members'; everyone else gets the same 404 as for a goal
that does not exist, and nothing is written. The coordinator's alignment page and figures
count goals and show their progress, never a goal's text unless its mentee shared it.

The tables below are checked against the URL patterns and the API router: a new goal URL
without a row here fails ``test_every_goal_url_has_a_matrix_row``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.api.routers import goals as goals_router
from tandem.core.models import AuditEntry
from tandem.growth.enums import ProgressMode
from tandem.growth.models import (
    Celebration,
    Goal,
    GoalComment,
    GoalTemplate,
    Milestone,
    ProgressCheckIn,
    Skill,
)
from tandem.growth.services import goals as services
from tandem.growth.services.goals import GoalInput
from tandem.growth.services.vocabulary import ensure_starter_skills
from tandem.growth.views import coordinator as coordinator_views
from tandem.growth.views import goals as goal_views
from tandem.notifications.models import Notification
from tandem.programs.models import Objective
from tests.api.test_api import NOT_FOUND, Api
from tests.conftest import World
from tests.factories import ObjectiveFactory
from tests.mentoring.factories import Pair

VIEWERS = ("author", "other_member", "other_participant", "coordinator", "outsider")
#: A goal id, milestone id and mentorship id that do not exist.
MISSING = 987654

#: One secret per text field a pair writes: none may reach anyone outside the mentorship.
SECRETS = {
    "statement": "Secret-statement-q1w2",
    "measure": "Secret-measure-e3r4",
    "target": "Secret-target-t5y6",
    "achievable": "Secret-achievable-u7i8",
    "relevant": "Secret-relevant-o9p0",
    "project": "Secret-project-a1s2",
    "milestone": "Secret-milestone-d3f4",
    "comment": "Secret-comment-g5h6",
    "milestone_comment": "Secret-milestone-comment-j7k8",
    "check_in": "Secret-check-in-l9z0",
    "dropped_reason": "Secret-dropped-x1c2",
    "manual_statement": "Secret-manual-goal-v3b4",
    "suggestion": "Secret-suggestion-n5m6",
}


@dataclass
class Scene:
    objective: Objective
    #: The mentee's draft (progress from milestones), with a step and comments.
    goal: Goal
    milestone: Milestone
    #: The mentee's active goal with progress set by hand, and a check-in.
    manual: Goal
    #: A goal the mentee dropped, with a reason.
    dropped: Goal
    skill: Skill
    template: GoalTemplate


def _secret_input(objective: Objective, **overrides: Any) -> GoalInput:
    values: dict[str, Any] = {
        "statement": SECRETS["statement"],
        "measure": SECRETS["measure"],
        "target": SECRETS["target"],
        "achievable": SECRETS["achievable"],
        "relevant": SECRETS["relevant"],
        "project": SECRETS["project"],
        "objective_id": objective.pk,
        **overrides,
    }
    return GoalInput(**values)


@pytest.fixture
def scene(world: World, pair: Pair) -> Scene:
    objective = ObjectiveFactory(program=world.program, statement="Grow the committee's leaders")
    goal = services.create_goal(pair.mentorship, by=pair.mentee, data=_secret_input(objective))
    milestone = services.add_milestone(
        goal, by=pair.mentee, title=SECRETS["milestone"], owner=pair.mentee
    )
    services.comment_on_goal(goal, by=pair.mentor, text=SECRETS["comment"])
    services.comment_on_goal(
        goal, by=pair.mentor, text=SECRETS["milestone_comment"], milestone=milestone
    )
    manual = services.create_goal(
        pair.mentorship,
        by=pair.mentee,
        data=_secret_input(
            objective, statement=SECRETS["manual_statement"], progress_mode=ProgressMode.MANUAL
        ),
        activate=True,
    )
    services.check_in(manual, by=pair.mentee, progress=40, note=SECRETS["check_in"])
    dropped = services.create_goal(
        pair.mentorship, by=pair.mentee, data=_secret_input(objective, objective_id=None)
    )
    services.drop_goal(dropped, by=pair.mentee, reason=SECRETS["dropped_reason"])
    services.suggest_goal(
        pair.mentorship, by=pair.mentor, data=GoalInput(statement=SECRETS["suggestion"])
    )
    ensure_starter_skills(world.program)
    return Scene(
        objective=objective,
        goal=goal,
        milestone=milestone,
        manual=manual,
        dropped=dropped,
        skill=Skill.objects.filter(program=world.program).first(),  # type: ignore[misc]
        template=GoalTemplate.objects.filter(program=world.program).first(),  # type: ignore[misc]
    )


def viewer(world: World, pair: Pair, who: str) -> User:
    return {
        "author": world.mentee,
        "other_member": world.mentor,
        "other_participant": pair.other_mentee,
        "coordinator": world.coordinator,
        "outsider": world.outsider,
    }[who]


def snapshot() -> tuple[Any, ...]:
    """Everything a goal write would change."""
    return (
        list(
            Goal.objects.order_by("pk").values_list(
                "pk",
                "mentorship_id",
                "status",
                "progress",
                "version",
                "statement",
                "shared_with_program",
                "dropped_reason",
            )
        ),
        list(Milestone.objects.order_by("pk").values_list("pk", "title", "done_at", "due_on")),
        GoalComment.objects.count(),
        ProgressCheckIn.objects.count(),
        Celebration.objects.count(),
        Notification.objects.count(),
        list(Skill.objects.order_by("pk").values_list("pk", "name", "assessed")),
        list(GoalTemplate.objects.order_by("pk").values_list("pk", "statement")),
        AuditEntry.objects.count(),
    )


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def _page_body(content: bytes) -> bytes:
    """The page without its per-request CSRF token."""
    return CSRF.sub(b"", content)


# --- the web pages --------------------------------------------------------------------------

MENTORSHIP_URL = "mentorships/{m}/goals/"
GOAL_URL = MENTORSHIP_URL + "{g}/"

#: Member statuses (author, mentor); everyone else: 404.
#: (url name, method, path with {m} {g} {s}, form data, (author, mentor), writes for author)
PAGE_ROWS: list[tuple[str, str, str, Callable[[Scene], dict[str, Any]], tuple[int, int], bool]] = [
    ("goals", "get", MENTORSHIP_URL, lambda s: {}, (200, 200), False),
    (
        "goals",
        "post",
        MENTORSHIP_URL,
        lambda s: {"statement": "Chair a meeting", "progress_mode": "milestones"},
        (302, 302),
        True,
    ),
    (
        "goal_prompts",
        "post",
        MENTORSHIP_URL + "prompts/",
        lambda s: {"statement": "improve"},
        (200, 200),
        False,
    ),
    ("goal_edit", "get", GOAL_URL + "edit/", lambda s: {}, (200, 404), False),
    (
        "goal_edit",
        "post",
        GOAL_URL + "edit/",
        lambda s: {
            "statement": "Chair two meetings",
            "progress_mode": "milestones",
            "version": Goal.objects.get(pk=s.goal.pk).version,
        },
        (302, 404),
        True,
    ),
    (
        "goal_status",
        "post",
        GOAL_URL + "status/",
        lambda s: {"action": "activate"},
        (302, 302),
        True,
    ),
    (
        "milestone_add",
        "post",
        GOAL_URL + "milestones/",
        lambda s: {"title": "Book a room"},
        (302, 302),
        True,
    ),
    (
        "milestone_action",
        "post",
        GOAL_URL + "milestones/{s}/",
        lambda s: {"action": "done"},
        (302, 302),
        True,
    ),
    (
        "goal_comment",
        "post",
        GOAL_URL + "comments/",
        lambda s: {"text": "Well begun"},
        (302, 302),
        True,
    ),
]

#: The check-in is on the goal counted by hand; the mentor's attempt is refused on the form.
CHECK_IN_ROW = (
    "goal_check_in",
    "post",
    "check-in/",
    {"progress": "60", "note": "More"},
    (302, 422),
)

#: The coordinator's goal pages: (url name, method, path, data, statuses for VIEWERS).
COORDINATOR_ROWS: list[tuple[str, str, str, Callable[[Scene], dict[str, Any]], tuple[int, ...]]] = [
    ("goal_alignment", "get", "goals/alignment/", lambda s: {}, (403, 403, 403, 200, 404)),
    ("goal_setup", "get", "goals/setup/", lambda s: {}, (403, 403, 403, 200, 404)),
    (
        "goal_setup",
        "post",
        "goals/setup/",
        lambda s: {"add": "skill", "name": "Budgeting"},
        (403, 403, 403, 302, 404),
    ),
    (
        "skill_action",
        "post",
        "goals/setup/skills/{skill}/",
        lambda s: {"action": "unassess"},
        (403, 403, 403, 302, 404),
    ),
    (
        "template_action",
        "post",
        "goals/setup/templates/{template}/",
        lambda s: {"action": "remove"},
        (403, 403, 403, 302, 404),
    ),
]


def _goal_path(template: str, pair: Pair, goal: int, milestone: int) -> str:
    return template.format(m=pair.mentorship.pk, g=goal, s=milestone)


def test_every_goal_url_has_a_matrix_row() -> None:
    """A goal URL added to the views without a row in this matrix fails here."""
    names = {p.name for p in goal_views.urlpatterns} | {
        p.name for p in coordinator_views.urlpatterns
    }
    covered = (
        {row[0] for row in PAGE_ROWS} | {CHECK_IN_ROW[0]} | {row[0] for row in COORDINATOR_ROWS}
    )
    assert names == covered


def test_every_goal_endpoint_has_a_matrix_row() -> None:
    """An API operation added to the goals router without a row here fails."""
    operations = {
        operation.view_func.__name__
        for path_view in goals_router.router.path_operations.values()
        for operation in path_view.operations
    }
    assert operations == {row[0] for row in API_ROWS} | {row[0] for row in API_COORDINATOR_ROWS}


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "data", "members", "writes"),
    PAGE_ROWS,
    ids=[f"{r[0]}-{r[1]}" for r in PAGE_ROWS],
)
def test_goal_pages(
    world: World,
    pair: Pair,
    scene: Scene,
    client: Client,
    who: str,
    name: str,
    method: str,
    path: str,
    data: Callable[[Scene], dict[str, Any]],
    members: tuple[int, int],
    writes: bool,
) -> None:
    index = VIEWERS.index(who)
    client.force_login(viewer(world, pair, who))
    url = world.url(_goal_path(path, pair, scene.goal.pk, scene.milestone.pk))
    before = snapshot()
    response = getattr(client, method)(url, data(scene))
    status = members[index] if index < 2 else 404
    assert response.status_code == status, response.content[:300]
    if status != 404:
        if who == "author" and writes:
            assert snapshot() != before
        return
    assert snapshot() == before
    assert not any(secret.encode() in response.content for secret in SECRETS.values())
    # The same 404 as for a goal (or a mentorship) that does not exist.
    missing = getattr(client, method)(
        world.url(_goal_path(path, pair, MISSING, MISSING)), data(scene)
    )
    assert missing.status_code == 404
    assert _page_body(missing.content) == _page_body(response.content)
    if who != "other_member":
        nowhere = getattr(client, method)(
            world.url(path.format(m=MISSING, g=MISSING, s=MISSING)), data(scene)
        )
        assert nowhere.status_code == 404
        assert _page_body(nowhere.content) == _page_body(response.content)


@pytest.mark.parametrize("who", VIEWERS)
def test_goal_check_in_page(
    world: World, pair: Pair, scene: Scene, client: Client, who: str
) -> None:
    _name, _method, suffix, data, members = CHECK_IN_ROW
    index = VIEWERS.index(who)
    client.force_login(viewer(world, pair, who))
    url = world.url(GOAL_URL.format(m=pair.mentorship.pk, g=scene.manual.pk) + suffix)
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == (members[index] if index < 2 else 404)
    if who == "author":
        assert Goal.objects.get(pk=scene.manual.pk).progress == 60
        return
    assert snapshot() == before
    assert Goal.objects.get(pk=scene.manual.pk).progress == 40
    if who != "other_member":
        missing = client.post(world.url(GOAL_URL.format(m=pair.mentorship.pk, g=MISSING) + suffix))
        assert _page_body(missing.content) == _page_body(response.content)


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "data", "statuses"),
    COORDINATOR_ROWS,
    ids=[f"{r[0]}-{r[1]}" for r in COORDINATOR_ROWS],
)
def test_coordinator_goal_pages(
    world: World,
    pair: Pair,
    scene: Scene,
    client: Client,
    who: str,
    name: str,
    method: str,
    path: str,
    data: Callable[[Scene], dict[str, Any]],
    statuses: tuple[int, ...],
) -> None:
    """The coordinator's pages: participants can see the program and are told their role
    does not allow this (403, as for every coordinator page); an outsider gets 404."""
    client.force_login(viewer(world, pair, who))
    url = world.url(path.format(skill=scene.skill.pk, template=scene.template.pk))
    before = snapshot()
    response = getattr(client, method)(url, data(scene))
    assert response.status_code == statuses[VIEWERS.index(who)]
    if response.status_code >= 400:
        assert snapshot() == before
    assert not any(secret.encode() in response.content for secret in SECRETS.values())


# --- the API --------------------------------------------------------------------------------

API_MENTORSHIP = "/api/v1/organizations/northwind/programs/spring/mentorships/{m}/goals"
API_GOAL = API_MENTORSHIP + "/{g}"

#: (operation, method, path, body, (author, mentor), writes for author); everyone else: 404.
API_ROWS: list[tuple[str, str, str, Callable[[Scene], dict[str, Any]], tuple[int, int], bool]] = [
    ("goal_list", "get", API_MENTORSHIP, lambda s: {}, (200, 200), False),
    ("goal_create", "post", API_MENTORSHIP, lambda s: {"statement": "Chair one"}, (201, 422), True),
    (
        "goal_suggest",
        "post",
        API_MENTORSHIP + "/suggestions",
        lambda s: {"statement": "Chair"},
        (422, 201),
        False,
    ),
    ("goal_detail", "get", API_GOAL, lambda s: {}, (200, 200), False),
    (
        "goal_update",
        "patch",
        API_GOAL,
        lambda s: {"version": Goal.objects.get(pk=s.goal.pk).version, "statement": "Chair two"},
        (200, 422),
        True,
    ),
    (
        "goal_status",
        "post",
        API_GOAL + "/status",
        lambda s: {"action": "activate"},
        (200, 422),
        True,
    ),
    (
        "goal_check_in",
        "post",
        API_GOAL + "/check-ins",
        lambda s: {"progress": 60},
        (201, 422),
        True,
    ),
    (
        "milestone_create",
        "post",
        API_GOAL + "/milestones",
        lambda s: {"title": "Book a room"},
        (201, 201),
        True,
    ),
    (
        "milestone_update",
        "patch",
        API_GOAL + "/milestones/{s}",
        lambda s: {"done": True},
        (200, 200),
        True,
    ),
    (
        "comment_create",
        "post",
        API_GOAL + "/comments",
        lambda s: {"text": "Well begun"},
        (201, 201),
        True,
    ),
]

API_PROGRAM = "/api/v1/organizations/northwind/programs/spring/goals"
API_COORDINATOR_ROWS = [
    ("goal_figures", API_PROGRAM + "/figures", (403, 403, 403, 200, 404)),
    ("goal_alignment", API_PROGRAM + "/alignment", (403, 403, 403, 200, 404)),
]


def _api_goal(name: str, scene: Scene) -> Goal:
    return scene.manual if name == "goal_check_in" else scene.goal


def _call(client: Api, method: str, path: str, body: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "members", "writes"), API_ROWS, ids=[r[0] for r in API_ROWS]
)
def test_goal_endpoints(
    world: World,
    pair: Pair,
    scene: Scene,
    who: str,
    name: str,
    method: str,
    path: str,
    body: Callable[[Scene], dict[str, Any]],
    members: tuple[int, int],
    writes: bool,
) -> None:
    index = VIEWERS.index(who)
    client = Api(viewer(world, pair, who))
    goal = _api_goal(name, scene)
    before = snapshot()
    response = _call(
        client, method, _goal_path(path, pair, goal.pk, scene.milestone.pk), body(scene)
    )
    status = members[index] if index < 2 else 404
    assert response.status_code == status, response.content[:300]
    if status != 404:
        if who == "author" and writes:
            assert snapshot() != before
        if status >= 400:
            assert snapshot() == before
        return
    assert response.json() == NOT_FOUND
    assert snapshot() == before
    missing = _call(client, method, _goal_path(path, pair, MISSING, MISSING), body(scene))
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    nowhere = _call(client, method, path.format(m=MISSING, g=MISSING, s=MISSING), body(scene))
    assert (nowhere.status_code, nowhere.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize(
    ("name", "path", "statuses"), API_COORDINATOR_ROWS, ids=[r[0] for r in API_COORDINATOR_ROWS]
)
def test_coordinator_goal_endpoints(
    world: World,
    pair: Pair,
    scene: Scene,
    who: str,
    name: str,
    path: str,
    statuses: tuple[int, ...],
) -> None:
    response = Api(viewer(world, pair, who)).get(path)
    assert response.status_code == statuses[VIEWERS.index(who)]
    assert not any(secret.encode() in response.content for secret in SECRETS.values())


def test_the_other_member_of_a_mentorship_cannot_reach_a_goal_of_another(
    world: World, pair: Pair, scene: Scene
) -> None:
    """A goal id of another mentorship under one's own mentorship's URL is 404 too."""
    other_mentee = pair.other.members.get(role="mentee").membership
    theirs = services.create_goal(
        pair.other, by=other_mentee, data=GoalInput(statement="Their own goal zz91")
    )
    client = Api(world.mentee)
    before = snapshot()
    for method, suffix, body in [
        ("get", "", {}),
        ("patch", "", {"version": 1, "statement": "Mine now"}),
        ("post", "/status", {"action": "activate"}),
        ("post", "/milestones", {"title": "x"}),
        ("post", "/comments", {"text": "x"}),
    ]:
        path = API_GOAL.format(m=pair.mentorship.pk, g=theirs.pk) + suffix
        response = _call(client, method, path, body)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), suffix
    assert snapshot() == before
    web = Client()
    web.force_login(world.mentee)
    base = world.url(GOAL_URL.format(m=pair.mentorship.pk, g=theirs.pk))
    assert web.get(base + "edit/").status_code == 404
    assert web.post(base + "comments/", {"text": "x"}).status_code == 404
    assert web.post(base + "status/", {"action": "activate"}).status_code == 404
    assert snapshot() == before


# --- what the coordinator sees --------------------------------------------------------------


def test_the_coordinator_sees_counts_and_progress_for_every_objective_but_no_text(
    world: World, pair: Pair, scene: Scene, login: Any
) -> None:
    second = ObjectiveFactory(program=world.program, statement="Retain new volunteers")
    client = login(world.coordinator)
    html = client.get(world.url("goals/alignment/")).content.decode()
    assert "Grow the committee&#x27;s leaders" in html
    assert "Retain new volunteers" in html
    leaked = [field for field, secret in SECRETS.items() if secret in html]
    assert leaked == []

    body = Api(world.coordinator).get(API_PROGRAM + "/alignment")
    assert body.status_code == 200
    alignment = body.json()
    assert not any(secret in body.content.decode() for secret in SECRETS.values())
    assert [o["id"] for o in alignment["objectives"]] == [scene.objective.pk, second.pk]
    # The draft (0%) and the manual goal (40%) serve the first objective; none the second; the
    # dropped goal and the unanswered suggestion are not counted.
    assert alignment["totals"] == [
        {"objective_id": scene.objective.pk, "goals": 2, "average_progress": 20},
        {"objective_id": second.pk, "goals": 0, "average_progress": None},
        {"objective_id": None, "goals": 0, "average_progress": None},
    ]
    (row,) = [r for r in alignment["rows"] if r["mentorship_id"] == pair.mentorship.pk]
    assert row["cells"] == alignment["totals"]
    assert row["shared_goals"] == []
    figures = Api(world.coordinator).get(API_PROGRAM + "/figures")
    assert not any(secret in figures.content.decode() for secret in SECRETS.values())
    assert (figures.json()["goals_set"], figures.json()["dropped"]) == (2, 1)
    # The coordinator's other pages about the mentorship show no goal text either.
    for suffix in ("", "mentorships/", f"mentorships/{pair.mentorship.pk}/overview/"):
        page = client.get(world.url(suffix))
        assert page.status_code == 200, suffix
        assert [f for f, s in SECRETS.items() if s in page.content.decode()] == [], suffix


def test_a_shared_goal_shows_its_statement_only(
    world: World, pair: Pair, scene: Scene, login: Any
) -> None:
    services.share_goal(scene.goal, by=pair.mentee, shared=True)
    html = login(world.coordinator).get(world.url("goals/alignment/")).content.decode()
    body = Api(world.coordinator).get(API_PROGRAM + "/alignment").content.decode()
    for text in (html, body):
        assert SECRETS["statement"] in text
        assert [f for f, s in SECRETS.items() if s in text and f != "statement"] == []


def test_in_a_group_a_mentee_cannot_change_another_mentees_goal(world: World) -> None:
    from tandem.programs.enums import Role
    from tests.factories import MembershipFactory
    from tests.mentoring.factories import make_group, membership_of

    facilitator = membership_of(world.mentor, world.program)
    first = membership_of(world.mentee, world.program)
    second = MembershipFactory(program=world.program, role=Role.MENTEE)
    group = make_group(world.program, facilitators=[facilitator], mentees=[first, second])
    goal = services.create_goal(group, by=first, data=GoalInput(statement="First's own goal"))
    token = Api(second.user)
    before = snapshot()
    client = Client()
    client.force_login(second.user)
    base = world.url(f"mentorships/{group.pk}/goals/{goal.pk}/")
    assert client.get(base + "edit/").status_code == 404
    assert client.post(base + "edit/", {"statement": "Mine", "version": 1}).status_code == 404
    for action in ("activate", "achieve", "share"):
        assert client.post(base + "status/", {"action": action}).status_code == 302
    assert client.post(base + "check-in/", {"progress": "50"}).status_code == 422
    path = API_GOAL.format(m=group.pk, g=goal.pk)
    assert token.patch(path, {"version": 1, "statement": "Mine"}).status_code == 422
    assert token.post(path + "/status", {"action": "drop", "reason": "x"}).status_code == 422
    assert snapshot() == before
    assert Goal.objects.get().statement == "First's own goal"
