"""The development plan: versions, the diff since the mentor's review (escaped), stale saves
refused with the other person's changes and one's own text kept, the review and comments."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.core.errors import ServiceError
from tandem.growth.models import DevelopmentPlan, PlanComment, PlanVersion
from tandem.growth.queries import plans as queries
from tandem.growth.services import plans as services
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.mentoring.factories import Pair, workspace_url


def sections(**text: str) -> dict[str, str]:
    return {field: text.get(field, "") for field in queries.SECTION_FIELDS}


def save(pair: Pair, by: Any, opened_at: int, **text: str) -> DevelopmentPlan:
    return services.save_plan(
        pair.mentorship, by=by, owner=pair.mentee, sections=sections(**text), opened_at=opened_at
    )


def test_every_save_writes_a_version_and_bumps_it(pair: Pair) -> None:
    plan = save(pair, pair.mentee, 0, strengths="I listen well.")
    assert plan.version == 1
    plan = save(pair, pair.mentor, 1, strengths="I listen well.", areas="Saying no.")
    assert plan.version == 2
    numbers = list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True))
    assert numbers == [2, 1]
    assert PlanVersion.objects.get(plan=plan, number=1).sections["areas"] == ""
    assert plan.updated_by == pair.mentor


def test_an_unchanged_save_writes_no_version(pair: Pair) -> None:
    save(pair, pair.mentee, 0, strengths="Same")
    plan = save(pair, pair.mentee, 1, strengths="Same")
    assert plan.version == 1
    assert PlanVersion.objects.count() == 1


def test_two_forms_opened_at_the_same_version_the_second_is_refused(pair: Pair) -> None:
    save(pair, pair.mentee, 0, strengths="Calm under pressure.")
    save(pair, pair.mentor, 1, strengths="Calm under pressure and clear.")
    with pytest.raises(services.StalePlan) as raised:
        save(pair, pair.mentee, 1, strengths="Calm, and kind.")
    stale = raised.value
    assert stale.plan.version == 2
    assert stale.field == "version"
    assert "saved the plan while you were editing it" in stale.message
    [change] = stale.changes
    assert change.field == "strengths"
    assert change.html == "Calm under pressure<ins> and clear</ins>."
    plan = DevelopmentPlan.objects.get()
    assert plan.strengths == "Calm under pressure and clear."  # nothing overwritten


def test_the_stale_form_comes_back_with_the_diff_and_its_own_text(
    world: World, pair: Pair, client: Client
) -> None:
    save(pair, pair.mentee, 0, areas="Delegation")
    save(pair, pair.mentor, 1, areas="Delegation and saying no")
    client.force_login(world.mentee)
    response = client.post(
        workspace_url(world, pair.mentorship, "plan/save/"),
        {"version": "1", **sections(areas="Delegating the weekly report")},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: the plan changed while you were editing" in page
    assert "Delegating the weekly report" in page  # her own text, kept in the form
    assert "<ins> and saying no</ins>" in page
    assert 'name="version" value="2"' in page  # saving again after merging is accepted
    assert DevelopmentPlan.objects.get().areas == "Delegation and saying no"


def test_the_diff_escapes_html(pair: Pair) -> None:
    html = queries.diff_text("a <b>", "a <script>alert(1)</script>")
    assert "<script" not in html
    assert html == "a &lt;<del>b</del><ins>script</ins>&gt;<ins>alert(1)&lt;/script&gt;</ins>"
    assert "<b>" not in queries.diff_text("", "<b>bold</b>")


def test_what_changed_since_the_review(pair: Pair) -> None:
    plan = save(pair, pair.mentee, 0, strengths="One", tracking="Monthly")
    assert [c.field for c in queries.changes_since_review(plan)] == ["strengths", "tracking"]
    plan = services.review_plan(plan, by=pair.mentor, comments={"strengths": "Good start"})
    assert queries.changes_since_review(plan) == []
    plan = save(pair, pair.mentee, 1, strengths="One and two", tracking="Monthly")
    [change] = queries.changes_since_review(plan)
    assert change.field == "strengths"
    assert "<ins>" in change.html


def test_review_marks_the_version_and_notifies_the_mentee(pair: Pair) -> None:
    plan = save(pair, pair.mentee, 0, strengths="One")
    plan = services.review_plan(
        plan, by=pair.mentor, comments={"": "Well done", "areas": "Add one more area"}
    )
    assert (plan.reviewed_version, plan.reviewed_by) == (1, pair.mentor)
    comments = {c.section: c.text for c in PlanComment.objects.all()}
    assert comments == {"": "Well done", "areas": "Add one more area"}
    notification = Notification.objects.get(recipient=pair.mentee.user)
    assert notification.kind == "plan_reviewed"
    assert notification.url.endswith("/plan/")


def test_only_the_mentor_reviews(pair: Pair) -> None:
    plan = save(pair, pair.mentee, 0, strengths="One")
    with pytest.raises(ServiceError):
        services.review_plan(plan, by=pair.mentee)


def test_a_review_of_a_version_not_seen_is_refused(pair: Pair) -> None:
    plan = save(pair, pair.mentee, 0, strengths="One")
    save(pair, pair.mentee, 1, strengths="Two")
    with pytest.raises(services.StalePlan):
        services.review_plan(plan, by=pair.mentor, opened_at=1)


def test_markdown_with_script_is_sanitised_on_the_page(
    world: World, pair: Pair, client: Client
) -> None:
    save(pair, pair.mentee, 0, strengths="**Bold** <script>alert(1)</script>")
    client.force_login(world.mentor)
    page = client.get(workspace_url(world, pair.mentorship, "plan/")).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_someone_outside_cannot_save(pair: Pair) -> None:
    stranger = pair.other.members.get(role="mentee").membership
    with pytest.raises(ServiceError):
        services.save_plan(
            pair.mentorship, by=stranger, owner=pair.mentee, sections=sections(), opened_at=0
        )


def test_a_section_too_long_is_refused_naming_the_field(pair: Pair) -> None:
    with pytest.raises(ServiceError) as raised:
        save(pair, pair.mentee, 0, actions="x" * (services.SECTION_MAX + 1))
    assert raised.value.field == "actions"


def test_the_plan_page_saves_and_shows_versions(world: World, pair: Pair, client: Client) -> None:
    client.force_login(world.mentee)
    url = workspace_url(world, pair.mentorship, "plan/")
    response = client.post(url + "save/", {"version": "0", **sections(strengths="Listening")})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Version 1" in page
    assert "Listening" in page
    client.force_login(world.mentor)
    reviewed = client.post(url + "review/", {"version": "1", "comment_strengths": "Yes!"})
    assert reviewed.status_code == 302
    assert DevelopmentPlan.objects.get().reviewed_version == 1


API = "/api/v1/organizations/northwind/programs/spring/mentorships/{}/plan"


def test_api_save_and_409_when_stale(world: World, pair: Pair, client: Client) -> None:
    url = API.format(pair.mentorship.pk)
    client.force_login(world.mentee)
    first = client.put(url, {"version": 0, "strengths": "Calm"}, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["version"] == 1
    client.force_login(world.mentor)
    assert (
        client.put(
            url, {"version": 1, "strengths": "Calm and clear"}, content_type="application/json"
        ).status_code
        == 200
    )
    client.force_login(world.mentee)
    stale = client.put(
        url, {"version": 1, "strengths": "Calm, kind"}, content_type="application/json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["field"] == "version"
    assert body["current"]["version"] == 2
    assert body["current"]["strengths"] == "Calm and clear"
    assert body["changes"][0]["section"] == "strengths"
    assert "<ins> and clear</ins>" in body["changes"][0]["html"]
    too_long = client.put(
        url,
        {"version": 2, "areas": "x" * (services.SECTION_MAX + 1)},
        content_type="application/json",
    )
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "areas"


def test_api_review_and_comments(world: World, pair: Pair, client: Client) -> None:
    save(pair, pair.mentee, 0, strengths="One")
    url = API.format(pair.mentorship.pk)
    client.force_login(world.mentor)
    reviewed = client.post(
        url + "/review",
        {"version": 1, "comments": {"general": "Good", "areas": "More"}},
        content_type="application/json",
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["reviewed_version"] == 1
    bad = client.post(
        url + "/review", {"version": 1, "comments": {"nope": "x"}}, content_type="application/json"
    )
    assert bad.status_code == 422
    client.force_login(world.mentee)
    added = client.post(
        url + "/comments", {"text": "Thanks <script>x</script>"}, content_type="application/json"
    )
    assert added.status_code == 201
    assert "<script>" not in added.json()["text_html"]
    assert [c["section"] for c in client.get(url + "/comments").json()] == ["", "areas", ""]
    assert [v["number"] for v in client.get(url + "/versions").json()] == [1]


def test_the_starter_guides_meeting_3_assignment_opens_the_plan(
    world: World, pair: Pair, client: Client
) -> None:
    from tandem.mentoring.models import Assignment, MeetingTemplate
    from tandem.mentoring.services import records
    from tandem.mentoring.services.guides import ensure_guide
    from tandem.mentoring.services.records import RecordInput
    from tests.mentoring.records_support import make_meeting

    templates = ensure_guide(world.program)
    assert [t.opens_tool for t in templates[:3]] == ["", "", "plan"]
    first = make_meeting(pair.mentorship, days=-1)
    MeetingTemplate.objects.filter(pk=first.template_id).update(opens_tool="plan")
    make_meeting(pair.mentorship, days=13)
    records.save_record(
        first, RecordInput(next_meeting_set=True, action_items_defined=True), by=pair.mentor
    )
    assert Assignment.objects.get().template.opens_tool == "plan"
    client.force_login(world.mentee)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Write it in your development plan" in page
    assert f'href="/o/northwind/p/spring/mentorships/{pair.mentorship.pk}/plan/"' in page


def test_the_workspace_panel_says_what_is_true(world: World, pair: Pair, client: Client) -> None:
    client.force_login(world.mentee)
    url = workspace_url(world, pair.mentorship)
    page = client.get(url).content.decode()
    assert "Your growth" in page
    assert "You have not written your development plan yet." in page
    assert "Your start self-assessment is due." in page
    plan = save(pair, pair.mentee, 0, strengths="One")
    services.review_plan(plan, by=pair.mentor)
    save(pair, pair.mentee, 1, strengths="Two")
    assert (
        "Your plan was changed since your mentor&#x27;s review." in client.get(url).content.decode()
    )
    client.force_login(world.mentor)
    page = client.get(url).content.decode()
    assert "Your mentee&#x27;s plan has changes for you to review." in page


def test_in_a_group_each_mentee_has_their_own_plan(world: World, client: Client) -> None:
    from tandem.programs.enums import Role
    from tests.factories import MembershipFactory
    from tests.mentoring.factories import make_group, membership_of

    facilitator = membership_of(world.mentor, world.program)
    first = membership_of(world.mentee, world.program)
    second = MembershipFactory(program=world.program, role=Role.MENTEE)
    group = make_group(world.program, facilitators=[facilitator], mentees=[first, second])
    services.save_plan(
        group, by=first, owner=first, sections=sections(strengths="First's own words"), opened_at=0
    )
    with pytest.raises(ServiceError):
        services.save_plan(group, by=second, owner=first, sections=sections(), opened_at=1)
    url = workspace_url(world, group, "plan/")
    client.force_login(second.user)
    assert "First&#x27;s own words" not in client.get(url).content.decode()
    assert client.get(url + f"?mentee={first.pk}").status_code == 200  # their own plan, still
    assert "First&#x27;s own words" not in client.get(url + f"?mentee={first.pk}").content.decode()
    client.force_login(world.mentor)
    page = client.get(url + f"?mentee={first.pk}").content.decode()
    assert "First&#x27;s own words" in page
    assert f'href="?mentee={second.pk}"' in page
    reviewed = client.post(url + "review/", {"version": "1", "mentee": str(first.pk)})
    assert reviewed.status_code == 302
    assert DevelopmentPlan.objects.get(owner=first).reviewed_version == 1
