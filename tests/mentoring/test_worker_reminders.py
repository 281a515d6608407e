"""Two real ``tandem worker`` processes at once: the invitation is e-mailed once, and the
scheduler's reminder sweep sends each reminder once, whichever worker wins."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from tandem.mentoring.models import Meeting, Reminder
from tandem.mentoring.services import meetings
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.core.test_worker import DATABASE_TASKS, ROOT, _database_url
from tests.mentoring.factories import Pair


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_real_workers_send_the_invitation_and_each_reminder_once(
    world: World, pair: Pair, tmp_path: Path
) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        meeting = meetings.schedule(
            pair.mentorship,
            meetings.Plan(
                start=timezone.now().replace(microsecond=0) + dt.timedelta(hours=30),
                duration_minutes=60,
                timezone="Europe/Berlin",
            ),
            by=pair.mentor,
        )
    # Due for its "tomorrow" reminder now: it was arranged a week ago for 20 hours from now.
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() + dt.timedelta(hours=20),
        created_at=timezone.now() - dt.timedelta(days=7),
    )
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
    command = [sys.executable, "-m", "tandem.cli", "worker", "--batch"]
    # Two batches each (the second drains what the first run's sweep enqueued).
    for _ in range(2):
        workers = [
            subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for worker in workers:
            _out, errors = worker.communicate(timeout=180)
            assert worker.returncode == 0, errors
    bodies = [path.read_text() for path in outbox.iterdir()]
    invitations = [b for b in bodies if "METHOD:REQUEST" in b]
    assert len(invitations) == 2  # one per attendee, not one per worker
    reminders = Reminder.objects.filter(meeting=meeting, kind="day_before")
    assert reminders.count() == 2
    assert all(r.sent_at is not None for r in reminders)
    assert Notification.objects.filter(kind="meeting_reminder").count() == 2
    reminder_mails = [b for b in bodies if "Tomorrow in Spring" in b]
    assert len(reminder_mails) == 2
