"""Notifications: the notify service, the e-mail task, the pages and e-mail preferences."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.accounts.models import User
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification, NotificationPreference
from tandem.notifications.services import notify, set_email_preferences, wants_email
from tandem.notifications.tasks import send_notification_email
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def context_for(kind: NotificationKind, world: World) -> dict[str, Any]:
    """A realistic context for each kind, as the services that send it pass."""
    known = {
        NotificationKind.WELCOME: {"role": "Mentee"},
        NotificationKind.MEMBERSHIP_CHANGED: {"role": "Mentor", "status": "Approved"},
        NotificationKind.PROGRAM_STATUS: {"status": "Active", "role": "Mentee"},
        NotificationKind.INVITATION_ACCEPTED: {"person": world.mentee, "role": "Mentee"},
        NotificationKind.MATCH_INTRODUCTION: {
            "partner": world.mentor,
            "partner_role": "mentor",
            "partner_first_name": world.mentor.get_short_name(),
            "why": "You both care about negotiation.",
            "common_ground": [],
            "highlights": [],
        },
    }
    return known.get(kind, {"person": world.mentee, "role": "Mentee", "status": "Approved"})


def has_template_pair(kind: NotificationKind) -> bool:
    try:
        for part in ("title", "body"):
            get_template(f"notifications/kinds/{kind}.{part}.txt")
    except TemplateDoesNotExist:
        return False
    return True


def every_kind() -> list[Any]:
    """Every kind; one still without its template pair is an expected (strict) failure."""
    return [
        pytest.param(
            kind,
            marks=pytest.mark.xfail(
                not has_template_pair(kind),
                reason=f"no notifications/kinds/{kind}.title.txt/.body.txt yet",
                raises=TemplateDoesNotExist,
                strict=True,
            ),
        )
        for kind in NotificationKind
    ]


def notify_mentee(world: World, kind: NotificationKind = NotificationKind.WELCOME) -> Notification:
    return notify(
        world.mentee,
        kind=kind,
        program=world.program,
        context=context_for(kind, world),
        url=world.program.get_absolute_url(),
    )


# --- notify() ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", every_kind())
def test_notify_renders_every_kind_with_the_program_name(
    world: World, kind: NotificationKind
) -> None:
    notification = notify_mentee(world, kind)
    notification.refresh_from_db()
    assert notification.recipient == world.mentee
    assert notification.kind == kind
    assert notification.program == world.program
    assert notification.url == "/o/northwind/p/spring/"
    assert notification.read_at is None
    assert "Spring" in notification.title
    assert notification.title == notification.title.strip()
    assert notification.body.strip()
    assert "\n" not in notification.title
    for text in (notification.title, notification.body):
        assert "{" not in text
        assert "None" not in text


def test_notify_welcome_reads_well(world: World) -> None:
    notification = notify_mentee(world, NotificationKind.WELCOME)
    assert notification.title == "Welcome to Spring"
    assert notification.body.startswith("You now take part in Spring as mentee.")


def test_notify_invitation_accepted_names_the_person(world: World) -> None:
    notification = notify_mentee(world, NotificationKind.INVITATION_ACCEPTED)
    assert notification.title == f"{world.mentee.display_name} joined Spring"
    assert world.mentee.email in notification.body


def test_notify_title_fits_its_column_with_long_names(world: World) -> None:
    program = ProgramFactory(organization=world.organization, name="P" * 120, slug="long")
    person = UserFactory(full_name="N" * 150)
    notification = notify(
        world.coordinator,
        kind=NotificationKind.INVITATION_ACCEPTED,
        program=program,
        context={"person": person, "role": "Mentor"},
    )
    notification.refresh_from_db()
    assert len(notification.title) <= Notification._meta.get_field("title").max_length
    assert notification.title.startswith("N" * 150)


def test_notify_sends_the_email_on_commit(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify_mentee(world)
        assert mailoutbox == []  # not before the transaction commits
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [world.mentee.email]
    assert message.subject == "[Tandem] Welcome to Spring"
    assert "You now take part in Spring as mentee." in message.body
    assert "http://testserver/o/northwind/p/spring/" in message.body
    assert "http://testserver/me/notifications/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="http://testserver/o/northwind/p/spring/"' in html
    assert "You now take part in Spring as mentee." in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_notify_html_email_escapes_user_text(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    person = UserFactory(full_name="<script>alert(1)</script>")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            world.coordinator,
            kind=NotificationKind.INVITATION_ACCEPTED,
            program=world.program,
            context={"person": person, "role": "Mentor"},
        )
    [(html, _)] = mailoutbox[0].alternatives
    assert "<script>" not in html


def test_notify_without_email_preference_sends_nothing(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    set_email_preferences(world.mentee, by=world.mentee, email_kinds=set())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify_mentee(world)
    assert callbacks == []
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None  # still shown in the app
    assert Notification.objects.filter(recipient=world.mentee).count() == 1


def test_notify_preference_is_per_kind(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    set_email_preferences(
        world.mentee, by=world.mentee, email_kinds={NotificationKind.PROGRAM_STATUS.value}
    )
    assert not wants_email(world.mentee, NotificationKind.WELCOME)
    assert wants_email(world.mentee, NotificationKind.PROGRAM_STATUS)
    with django_capture_on_commit_callbacks(execute=True):
        notify_mentee(world, NotificationKind.WELCOME)
        notify_mentee(world, NotificationKind.PROGRAM_STATUS)
    assert [m.subject for m in mailoutbox] == ["[Tandem] Spring is now active"]


def test_notify_inactive_recipient_gets_no_email(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=world.mentee.pk).update(is_active=False)
    world.mentee.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify_mentee(world)
    assert mailoutbox == []


def test_send_notification_email_is_idempotent(world: World, mailoutbox: list[Any]) -> None:
    notification = notify_mentee(world)  # on-commit callback never runs here
    assert send_notification_email.call(notification.pk) is True
    assert send_notification_email.call(notification.pk) is False
    assert len(mailoutbox) == 1


def test_send_notification_email_of_missing_notification_sends_nothing(
    db: Any, mailoutbox: list[Any]
) -> None:
    assert send_notification_email.call(987654) is False
    assert mailoutbox == []


def test_send_notification_email_without_url_has_no_button(
    world: World, mailoutbox: list[Any]
) -> None:
    notification = notify(
        world.mentee, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    send_notification_email.call(notification.pk)
    [(html, _)] = mailoutbox[0].alternatives
    assert "Open in Tandem" not in html
    assert "Open it in Tandem" not in mailoutbox[0].body


def test_set_email_preferences_writes_one_row_per_kind(user: User) -> None:
    set_email_preferences(user, by=user, email_kinds={NotificationKind.WELCOME.value})
    set_email_preferences(user, by=user, email_kinds=set())
    rows = NotificationPreference.objects.filter(user=user)
    assert rows.count() == len(NotificationKind)
    assert not rows.filter(email=True).exists()


# --- pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/badge/"])
def test_notification_page_anonymous_is_redirected_to_login(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", ["/notifications/read-all/", "/notifications/1/open/"])
def test_notification_action_anonymous_is_redirected_to_login(db: Any, path: str) -> None:
    response = Client().post(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_notification_list_shows_only_my_notifications(world: World, login: Any) -> None:
    mine = notify_mentee(world)
    theirs = notify(
        world.mentor,
        kind=NotificationKind.MEMBERSHIP_CHANGED,
        program=world.program,
        context={"role": "Mentor", "status": "Approved"},
    )
    response = login(world.mentee).get("/notifications/")
    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [mine.pk]
    page = response.content.decode()
    assert mine.title in page
    assert theirs.title not in page
    assert f"/notifications/{theirs.pk}/open/" not in page


def test_notification_list_when_empty_says_so(world: World, login: Any) -> None:
    response = login(world.mentee).get("/notifications/")
    assert "Nothing yet." in response.content.decode()


def test_notification_open_marks_read_and_redirects(world: World, login: Any) -> None:
    notification = notify_mentee(world)
    response = login(world.mentee).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response.url == "/o/northwind/p/spring/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_notification_open_without_url_goes_to_the_list(world: World, login: Any) -> None:
    notification = notify(
        world.mentee, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    response = login(world.mentee).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response.url == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_notification_open_never_redirects_off_site(world: World, login: Any) -> None:
    notification = notify_mentee(world)
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    response = login(world.mentee).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response.url == "/notifications/"


def test_notification_open_of_someone_elses_is_404(world: World, login: Any) -> None:
    notification = notify_mentee(world)
    response = login(world.mentor).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_open_by_get_is_refused(world: World, login: Any) -> None:
    notification = notify_mentee(world)
    assert login(world.mentee).get(f"/notifications/{notification.pk}/open/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_read_all_marks_only_mine(world: World, login: Any) -> None:
    mine = [notify_mentee(world), notify_mentee(world, NotificationKind.PROGRAM_STATUS)]
    theirs = notify(
        world.mentor, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    response = login(world.mentee).post("/notifications/read-all/")
    assert response.status_code == 302
    assert response.url == "/notifications/"
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine]).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_badge_shows_the_unread_count(world: World, login: Any) -> None:
    first = notify_mentee(world)
    notify_mentee(world, NotificationKind.PROGRAM_STATUS)
    notify_mentee(world, NotificationKind.MEMBERSHIP_CHANGED)
    notify(world.mentor, kind=NotificationKind.WELCOME, program=world.program, context={})
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    client = login(world.mentee)
    response = client.get("/notifications/badge/")
    assert response.status_code == 200
    badge = response.content.decode().strip()
    assert badge.startswith('<span id="unread-badge" class="badge"')
    assert ">2<" in badge
    assert "<html" not in badge
    client.post("/notifications/read-all/")
    badge = client.get("/notifications/badge/").content.decode()
    assert 'class="badge hidden"' in badge
    assert ">2<" not in badge


def test_notification_list_query_count_does_not_grow(
    world: World, login: Any, django_assert_num_queries: Any
) -> None:
    client = login(world.mentee)
    notify_mentee(world)
    client.get("/notifications/")  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/notifications/").status_code == 200
    with_one = len(queries)
    other = ProgramFactory(organization=world.organization, slug="autumn")
    for program in [world.program, other]:
        notify(
            world.mentee,
            kind=NotificationKind.PROGRAM_STATUS,
            program=Program.objects.get(pk=program.pk),
            context={"status": "Active"},
            url=program.get_absolute_url(),
        )
    with django_assert_num_queries(with_one):
        response = client.get("/notifications/")
    assert len(response.context["page"]) == 3
