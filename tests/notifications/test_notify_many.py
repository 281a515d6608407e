from __future__ import annotations

from typing import Any

import pytest

from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification, NotificationPreference
from tandem.notifications.services import Message, notify_many
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_many_renders_stores_and_emails_in_batches(
    mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    program = ProgramFactory(name="Bulk Program")
    people = UserFactory.create_batch(3)
    NotificationPreference.objects.create(
        user=people[1], kind=NotificationKind.WELCOME, email=False
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify_many(
            [Message(person, {"role": "Mentee"}, url="/x/") for person in people],
            kind=NotificationKind.WELCOME,
            program=program,
        )
    assert len(callbacks) == 1  # one e-mail task for the whole batch
    assert [n.recipient for n in created] == people
    assert Notification.objects.filter(title="Welcome to Bulk Program").count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted([people[0].email, people[2].email])
    assert set(
        Notification.objects.filter(emailed_at__isnull=False).values_list("recipient", flat=True)
    ) == {people[0].pk, people[2].pk}


def test_notify_many_query_count_does_not_grow_with_recipients(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    program = ProgramFactory()

    def queries_for(count: int) -> int:
        people = UserFactory.create_batch(count)
        with CaptureQueriesContext(connection) as queries:
            notify_many(
                [Message(person, {"role": "Mentor"}) for person in people],
                kind=NotificationKind.WELCOME,
                program=program,
            )
        return len(queries)

    assert queries_for(1) == queries_for(3)
