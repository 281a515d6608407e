"""The meeting guide: the starter set, coordinators' edits, and the agendas it gives meetings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.mentoring.enums import MeetingStatus, TemplateKind
from tandem.mentoring.models import AgendaItem, Meeting, MeetingTemplate, Mentorship
from tandem.mentoring.services import guides
from tandem.mentoring.services.guides import TemplateInput
from tandem.mentoring.starter_guide import GROUP_GUIDE, PAIR_GUIDE
from tandem.programs.enums import ProgramType, Role
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, make_group
from tests.mentoring.records_support import make_meeting

pytestmark = pytest.mark.django_db


def titles(program: Program) -> list[str]:
    return list(
        MeetingTemplate.objects.filter(program=program)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


# --- the starter guide --------------------------------------------------------------------


def test_starter_guide_has_three_guided_meetings_a_check_in_and_a_closure() -> None:
    for guide in (PAIR_GUIDE, GROUP_GUIDE):
        assert [spec.kind for spec in guide] == [
            TemplateKind.GUIDED,
            TemplateKind.GUIDED,
            TemplateKind.GUIDED,
            TemplateKind.REGULAR,
            TemplateKind.CLOSURE,
        ]
        assert all(spec.preparation for spec in guide[:3])
        assert all(spec.questions for spec in guide)


def test_ensure_guide_gives_a_new_program_the_starter_guide(world: World) -> None:
    templates = guides.ensure_guide(world.program)
    assert [t.title for t in templates] == [spec.title for spec in PAIR_GUIDE]
    assert [t.position for t in templates] == [0, 1, 2, 3, 4]
    assert templates[0].question_list == list(PAIR_GUIDE[0].questions)


def test_ensure_guide_is_idempotent(world: World) -> None:
    guides.ensure_guide(world.program)
    guides.ensure_guide(world.program)
    assert MeetingTemplate.objects.filter(program=world.program).count() == len(PAIR_GUIDE)


def test_ensure_guide_gives_group_programs_the_facilitation_variant(world: World) -> None:
    Program.objects.filter(pk=world.program.pk).update(program_type=ProgramType.GROUP)
    world.program.refresh_from_db()
    templates = guides.ensure_guide(world.program)
    assert [t.purpose for t in templates] == [spec.purpose for spec in GROUP_GUIDE]


def test_ensure_guide_keeps_a_program_s_own_templates(world: World) -> None:
    MeetingTemplate.objects.create(program=world.program, title="Our own", kind="regular")
    assert [t.title for t in guides.ensure_guide(world.program)] == ["Our own"]


# --- assigning agendas --------------------------------------------------------------------


def test_nth_meeting_gets_nth_guided_template_later_ones_the_check_in(pair: Pair) -> None:
    meetings = [make_meeting(pair.mentorship, days=7 * n + 1) for n in range(5)]
    guide = guides.ensure_guide(pair.mentorship.program)
    for meeting in meetings:
        meeting.refresh_from_db()
    assert [m.template_id for m in meetings] == [
        guide[0].pk,
        guide[1].pk,
        guide[2].pk,
        guide[3].pk,
        guide[3].pk,
    ]


def test_cancelled_meetings_do_not_take_a_step(pair: Pair) -> None:
    first = make_meeting(pair.mentorship, days=1)
    second = make_meeting(pair.mentorship, days=8)
    Meeting.objects.filter(pk=first.pk).update(status=MeetingStatus.CANCELLED)
    guides.assign_agendas(pair.mentorship)
    second.refresh_from_db()
    assert second.template_id == guides.ensure_guide(pair.mentorship.program)[0].pk


def test_a_held_meeting_keeps_its_template_when_an_earlier_one_is_logged(pair: Pair) -> None:
    held = make_meeting(pair.mentorship, days=-3)
    Meeting.objects.filter(pk=held.pk).update(status=MeetingStatus.HELD)
    guide = guides.ensure_guide(pair.mentorship.program)
    make_meeting(pair.mentorship, days=-10)
    held.refresh_from_db()
    assert held.template_id == guide[0].pk


def test_the_last_meeting_near_the_end_gets_the_closure_template(pair: Pair) -> None:
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(
        ends_on=timezone.localdate() + dt.timedelta(days=40)
    )
    pair.mentorship.refresh_from_db()
    meetings = [make_meeting(pair.mentorship, days=n * 9 + 1) for n in range(5)]
    guide = guides.ensure_guide(pair.mentorship.program)
    for meeting in meetings:
        meeting.refresh_from_db()
    assert meetings[-1].template_id == guide[4].pk
    assert meetings[3].template_id == guide[3].pk


def test_agenda_lines_are_title_questions_and_added_items(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=1)
    AgendaItem.objects.create(meeting=meeting, author=pair.mentee, text="My promotion case")
    lines = guides.agenda_lines(meeting)
    assert lines[0] == PAIR_GUIDE[0].title
    assert lines[1:-1] == list(PAIR_GUIDE[0].questions)
    assert lines[-1] == "My promotion case"


# --- coordinator edits --------------------------------------------------------------------


def data(**overrides: Any) -> TemplateInput:
    return TemplateInput(
        **{"kind": "guided", "title": "Meeting 4 — Goals", "questions": "One?\nTwo?", **overrides}
    )


def test_add_template_appends_audits_and_updates_upcoming_agendas(world: World, pair: Pair) -> None:
    for n in range(4):
        make_meeting(pair.mentorship, days=n + 1)
    template = guides.add_template(world.program, data(), by=world.coordinator)
    assert titles(world.program)[-1] == "Meeting 4 — Goals"
    fourth = Meeting.objects.filter(mentorship=pair.mentorship).order_by("start")[3]
    assert fourth.template_id == template.pk
    assert AuditEntry.objects.filter(action="meeting_template.added").count() == 1


def test_add_template_without_title_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(ServiceError) as refused:
        guides.add_template(world.program, data(title="  "), by=world.coordinator)
    assert refused.value.field == "title"


def test_add_template_with_unknown_kind_is_refused(world: World) -> None:
    with pytest.raises(ServiceError) as refused:
        guides.add_template(world.program, data(kind="weekly"), by=world.coordinator)
    assert refused.value.field == "kind"


def test_move_template_swaps_with_its_neighbour(world: World) -> None:
    templates = guides.ensure_guide(world.program)
    guides.move_template(templates[1], direction="up", by=world.coordinator)
    assert titles(world.program)[:2] == [templates[1].title, templates[0].title]


def test_move_first_template_up_changes_nothing(world: World) -> None:
    templates = guides.ensure_guide(world.program)
    guides.move_template(templates[0], direction="up", by=world.coordinator)
    assert titles(world.program) == [t.title for t in templates]


def test_remove_template_and_reset_guide(world: World) -> None:
    templates = guides.ensure_guide(world.program)
    guides.remove_template(templates[0], by=world.coordinator)
    assert len(titles(world.program)) == 4
    guides.reset_guide(world.program, by=world.coordinator)
    assert titles(world.program) == [spec.title for spec in PAIR_GUIDE]


# --- the coordinator's page ---------------------------------------------------------------


def guide_url(world: World, suffix: str = "") -> str:
    return world.url("guide/" + suffix)


def test_guide_page_lists_the_templates_for_coordinators(world: World, login: Any) -> None:
    response = login(world.coordinator).get(guide_url(world))
    assert response.status_code == 200
    assert PAIR_GUIDE[0].title in response.content.decode()


def test_program_nav_links_the_guide_for_coordinators(world: World, login: Any) -> None:
    response = login(world.coordinator).get(world.url())
    assert guide_url(world) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("org_admin", 200), ("coordinator", 200), ("mentor", 403), ("mentee", 403), ("outsider", 404)],
)
def test_guide_page_permissions(world: World, client: Client, who: str, status: int) -> None:
    client.force_login(getattr(world, who))
    assert client.get(guide_url(world)).status_code == status


def test_guide_add_saves_and_redirects(world: World, login: Any) -> None:
    response = login(world.coordinator).post(
        guide_url(world, "new/"),
        {"kind": "regular", "title": "Deep dive", "questions": "What next?"},
    )
    assert response.status_code == 302
    assert MeetingTemplate.objects.get(program=world.program, title="Deep dive").kind == "regular"


def test_guide_add_with_bad_input_comes_back_filled(world: World, login: Any) -> None:
    response = login(world.coordinator).post(
        guide_url(world, "new/"), {"kind": "regular", "title": "", "questions": "Kept?"}
    )
    assert response.status_code == 422
    assert "Kept?" in response.content.decode()
    assert not MeetingTemplate.objects.filter(questions="Kept?").exists()


def test_guide_edit_changes_the_template(world: World, login: Any) -> None:
    template = guides.ensure_guide(world.program)[0]
    response = login(world.coordinator).post(
        guide_url(world, f"{template.pk}/"),
        {"kind": "guided", "title": "Hello again", "questions": "A?"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.questions) == ("Hello again", "A?")


def test_guide_move_by_htmx_returns_the_table(world: World, login: Any) -> None:
    templates = guides.ensure_guide(world.program)
    response = login(world.coordinator).post(
        guide_url(world, f"{templates[1].pk}/move/"), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="guide-table"')
    assert body.index(templates[1].title) < body.index(templates[0].title)


def test_guide_remove_and_reset_by_post(world: World, login: Any) -> None:
    templates = guides.ensure_guide(world.program)
    client = login(world.coordinator)
    assert client.post(guide_url(world, f"{templates[0].pk}/remove/")).status_code == 302
    assert len(titles(world.program)) == 4
    assert client.post(guide_url(world, "reset/")).status_code == 302
    assert len(titles(world.program)) == 5


def test_guide_template_of_another_program_is_404(world: World, login: Any) -> None:
    other = guides.ensure_guide(world.other_program)[0]
    response = login(world.coordinator).get(guide_url(world, f"{other.pk}/"))
    assert response.status_code == 404


def test_guide_mutations_are_refused_to_mentors(world: World, login: Any) -> None:
    template = guides.ensure_guide(world.program)[0]
    client = login(world.mentor)
    assert client.post(guide_url(world, f"{template.pk}/remove/")).status_code == 403
    assert client.post(guide_url(world, "reset/")).status_code == 403
    assert MeetingTemplate.objects.filter(pk=template.pk).exists()


def test_group_program_guide_page_mentions_groups(world: World, login: Any) -> None:
    Program.objects.filter(pk=world.program.pk).update(program_type=ProgramType.GROUP)
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    make_group(world.program, facilitators=[facilitator], mentees=[])
    response = login(world.coordinator).get(guide_url(world))
    assert "for groups" in response.content.decode()
