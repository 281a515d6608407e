"""Notification e-mails are recorded pending, claimed with a lease, and handed out again by
the sweep when their worker died."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tandem.core import leases
from tandem.core.models import WorkerHeartbeat
from tandem.notifications import services, tasks
from tandem.notifications.enums import EmailStatus, NotificationKind
from tandem.notifications.models import Notification
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending() -> Notification:
    return services.notify(
        UserFactory(), kind=NotificationKind.WELCOME, program=ProgramFactory(), context={}
    )


def test_recorded_pending_with_the_notification(pending: Notification) -> None:
    assert pending.email_status == EmailStatus.PENDING
    assert pending.email_queued_at is not None


def test_sent_once_with_a_stable_message_id(pending: Notification) -> None:
    assert tasks.send_notification_email.call(pending.pk) is True
    assert tasks.send_notification_email.call(pending.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == tasks.message_id(pending)
    assert tasks.message_id(pending).startswith(f"<notification-{pending.pk}@")
    pending.refresh_from_db()
    assert (pending.email_status, pending.emailed_at is not None) == (EmailStatus.SENT, True)


def test_a_live_claim_is_respected_and_a_dead_one_taken_over(pending: Notification) -> None:
    Notification.objects.filter(pk=pending.pk).update(email_claimed_at=timezone.now())
    assert tasks.send_notification_email.call(pending.pk) is False
    Notification.objects.filter(pk=pending.pk).update(
        email_claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert tasks.send_notification_email.call(pending.pk) is True
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back(
    pending: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise OSError("the mail server is away")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError, match="mail server is away"):
        tasks.send_notification_email.call(pending.pk)
    pending.refresh_from_db()
    assert (pending.email_status, pending.email_claimed_at) == (EmailStatus.PENDING, None)


def test_sweep_hands_out_only_what_a_dead_worker_left(
    pending: Notification, django_capture_on_commit_callbacks: Any
) -> None:
    assert services.hand_out_pending_emails() == 0  # just queued: its task will send it
    later = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.hand_out_pending_emails(later) == 1
    assert len(mail.outbox) == 1  # the immediate backend ran the batch
    assert services.hand_out_pending_emails(later + dt.timedelta(hours=1)) == 0  # sent


def test_orphaned_task_rows_of_dead_registered_workers_fail() -> None:
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="dead", heartbeat_at=now - dt.timedelta(hours=1))
    WorkerHeartbeat.objects.create(worker_id="alive", heartbeat_at=now)

    def row(worker: str) -> Any:
        return DBTaskResult.objects.create(
            status="RUNNING",
            args_kwargs={"args": [], "kwargs": {}},
            task_path="tandem.notifications.tasks.send_notification_emails",
            backend_name="default",
            run_after=now,
            worker_ids=[worker],
            started_at=now - dt.timedelta(hours=1),
        )

    dead, alive, unknown = row("dead"), row("alive"), row("manage-py-db-worker")
    assert leases.fail_orphaned_tasks() == 1
    statuses = {r.pk: r.status for r in DBTaskResult.objects.all()}
    assert statuses == {dead.pk: "FAILED", alive.pk: "RUNNING", unknown.pk: "RUNNING"}


def test_heartbeat_renews_until_stopped() -> None:
    beats: list[int] = []
    with leases.Heartbeat(lambda: beats.append(1), every=0.01):
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while len(beats) < 3 and timezone.now() < deadline:
            pass
    count = len(beats)
    assert count >= 3
    assert len(beats) == count  # stopped
