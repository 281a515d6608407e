"""One test drives the real ``tandem worker`` process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tests.factories import ProgramFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _database_url() -> str:
    settings = connection.settings_dict
    if str(settings["ENGINE"]).endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_process_sends_queued_notification_email(tmp_path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    recipient = UserFactory(email="worker-test@example.org")
    program = ProgramFactory(name="Worker Program")
    with override_settings(TASKS=DATABASE_TASKS):
        notification = notify(
            recipient,
            kind=NotificationKind.WELCOME,
            program=program,
            context={"role": "Mentee"},
            url="/",
        )
    # Committed (transactional test) and queued in the database, not yet sent.
    assert DBTaskResult.objects.count() == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at is None

    outbox = tmp_path / "mail"
    environment: dict[str, Any] = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "worker-test",
        "EMAIL_URL": f"file://{outbox}",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONPATH": str(ROOT / "src"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "worker", "--batch"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None
    # The worker also enqueued and ran its periodic sweeps; this is the e-mail task.
    task = DBTaskResult.objects.get(task_path__endswith="send_notification_email")
    assert task.status == "SUCCESSFUL"
    messages = list(outbox.iterdir())
    assert len(messages) == 1
    body = messages[0].read_text()
    assert "To: worker-test@example.org" in body
    assert "Welcome to Worker Program" in body
