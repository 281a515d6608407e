"""Benchmark: a person's calendar feed with 1,000 meetings, and the reminder sweep for 10,000
meetings due — each against the naive way, on SQLite and (with DATABASE_URL) PostgreSQL.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/meetings.py
    DATABASE_URL=postgres://tandem:tandem@127.0.0.1:5432/tandem \\
        PYTHONPATH=src .venv/bin/python benchmarks/meetings.py

Each database is fresh (SQLite in a temporary directory; PostgreSQL in a scratch database
``<name>_meetings_bench`` created beside the one named and dropped afterwards).

* **feed** — the calendar feed URL fetched through Django's test client (middleware, view,
  queries, ``icalendar``) for a person with 1,000 meetings across 20 mentorships; median and
  p95 of 20 requests. *Naive*: the same feed built from model instances with each meeting's
  members and title loaded per meeting.
* **sweep** — 10,000 meetings starting within 24 hours, two attendees each: ``sweep()`` records
  20,000 reminders under unique keys and enqueues their delivery on the database task backend
  (what the issue's "enqueued" means). Then the queued batches run, and a second sweep runs:
  every reminder must be sent exactly once. *Naive*: ``get_or_create`` per reminder and one
  task per reminder.

``BENCH_FEED_ONLY=1`` measures the feed only.

Targets (issue #13): feed under 100 ms, sweep enqueued under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _postgres import scratch_database  # sibling module: benchmarks run as scripts

ROOT = Path(__file__).resolve().parent.parent


def _world(people: int) -> tuple[Any, list[Any]]:
    """A program with ``people`` mentors and as many mentees (bulk rows, no e-mails)."""
    from tandem.accounts.models import User
    from tandem.programs.enums import MembershipStatus, Role
    from tandem.programs.models import Membership, Organization, Program

    organization = Organization.objects.create(name="Bench", slug="bench")
    today = dt.date.today()
    program = Program.objects.create(
        organization=organization,
        name="Bench",
        slug="bench",
        status="active",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.test", full_name=f"Person {i}", password="!")  # noqa: S106  (unusable)
        for i in range(2 * people)
    )
    users = list(User.objects.order_by("id"))
    memberships = Membership.objects.bulk_create(
        Membership(
            program=program,
            user=user,
            role=Role.MENTOR if i % 2 == 0 else Role.MENTEE,
            status=MembershipStatus.APPROVED,
        )
        for i, user in enumerate(users)
    )
    memberships = list(Membership.objects.filter(program=program).order_by("id"))
    return program, memberships


def _mentorships(program: Any, memberships: list[Any], pairs: int) -> list[Any]:
    from tandem.mentoring.models import Mentorship, MentorshipMember

    Mentorship.objects.bulk_create(
        Mentorship(program=program, kind="pair", status="active") for _ in range(pairs)
    )
    mentorships = list(Mentorship.objects.filter(program=program).order_by("id"))
    MentorshipMember.objects.bulk_create(
        MentorshipMember(mentorship=m, membership=memberships[2 * i + side], role=role)
        for i, m in enumerate(mentorships)
        for side, role in ((0, "mentor"), (1, "mentee"))
    )
    return mentorships


def _meetings(mentorships: list[Any], per: int, start: dt.datetime, step: dt.timedelta) -> None:
    from tandem.mentoring.models import Meeting, MeetingAttendee, MentorshipMember

    rows = [
        Meeting(
            mentorship=m,
            start=start + step * (i * per + k),
            duration_minutes=60,
            timezone="Europe/Berlin",
        )
        for i, m in enumerate(mentorships)
        for k in range(per)
    ]
    Meeting.objects.bulk_create(rows, batch_size=2000)
    members = {}
    for mentorship_id, membership_id in MentorshipMember.objects.filter(
        mentorship__in=mentorships
    ).values_list("mentorship_id", "membership_id"):
        members.setdefault(mentorship_id, []).append(membership_id)
    MeetingAttendee.objects.bulk_create(
        (
            MeetingAttendee(meeting_id=meeting_id, membership_id=membership_id)
            for meeting_id, mentorship_id in Meeting.objects.filter(
                mentorship__in=mentorships
            ).values_list("id", "mentorship_id")
            for membership_id in members[mentorship_id]
        ),
        batch_size=5000,
    )


def _naive_feed(user: Any) -> str:
    from tandem.mentoring.models import Meeting
    from tandem.mentoring.services import calendars
    from tandem.mentoring.services.meetings import summary_of

    specs = []
    for meeting in Meeting.objects.filter(mentorship__members__membership__user=user):
        mentorship = meeting.mentorship
        specs.append(
            calendars.EventSpec(
                uid=f"meeting-{meeting.pk}@tandem",
                sequence=meeting.sequence,
                start=meeting.start,
                duration_minutes=meeting.duration_minutes,
                summary=summary_of(mentorship),
                status=meeting.status,
            )
        )
    return calendars.feed(specs, name="Tandem meetings")


def _timings(run: Any, repeat: int) -> tuple[float, float]:
    run()  # warm
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - began)
    seconds.sort()
    return statistics.median(seconds), seconds[int(0.95 * (len(seconds) - 1))]


def bench_feed(label: str) -> list[list[str]]:
    from django.test import Client
    from django.utils import timezone

    from tandem.mentoring.models import CalendarFeed, MentorshipMember

    program, memberships = _world(20)
    mentorships = _mentorships(program, memberships, 20)
    # One person mentors all 20 mentorships: 50 meetings each = 1,000 meetings.
    person = memberships[0]
    MentorshipMember.objects.filter(role="mentor").update(membership=person)
    _meetings(mentorships, 50, timezone.now() - dt.timedelta(days=60), dt.timedelta(hours=5))
    feed = CalendarFeed.objects.create(user=person.user, token="bench-token")  # noqa: S106
    client = Client()
    count = client.get(f"/calendar/{feed.token}.ics").content.count(b"BEGIN:VEVENT")
    from django.core.cache import cache

    def cold() -> None:
        cache.clear()
        client.get(f"/calendar/{feed.token}.ics")

    from tandem.mentoring.models import Meeting

    some = list(Meeting.objects.order_by("id").values_list("id", flat=True)[:20])
    turn = {"n": 0}

    def one_changed() -> None:
        turn["n"] += 1
        Meeting.objects.filter(pk=some[turn["n"] % len(some)]).update(sequence=turn["n"])
        client.get(f"/calendar/{feed.token}.ics")

    median, p95 = _timings(lambda: client.get(f"/calendar/{feed.token}.ics"), 20)
    changed_median, changed_p95 = _timings(one_changed, 20)
    cold_median, cold_p95 = _timings(cold, 10)
    naive_median, _naive_p95 = _timings(lambda: _naive_feed(person.user), 5)
    naive = f"{naive_median * 1000:.1f}"
    return [
        [
            label,
            f"feed, unchanged ({count} meetings)",
            f"{median * 1000:.1f}",
            f"{p95 * 1000:.1f}",
            naive,
        ],
        [
            label,
            f"feed, one meeting changed ({count} meetings)",
            f"{changed_median * 1000:.1f}",
            f"{changed_p95 * 1000:.1f}",
            naive,
        ],
        [
            label,
            f"feed, rebuilt ({count} meetings)",
            f"{cold_median * 1000:.1f}",
            f"{cold_p95 * 1000:.1f}",
            naive,
        ],
    ]


def _naive_sweep(now: dt.datetime) -> int:
    from tandem.mentoring.models import MeetingAttendee, Reminder
    from tandem.mentoring.tasks import deliver_reminders

    made = 0
    for attendee in MeetingAttendee.objects.select_related("meeting").filter(
        meeting__start__gt=now, meeting__start__lte=now + dt.timedelta(hours=24)
    ):
        reminder, created = Reminder.objects.get_or_create(
            key=f"naive:{attendee.meeting_id}:{attendee.membership_id}",
            defaults={
                "kind": "day_before",
                "meeting_id": attendee.meeting_id,
                "membership_id": attendee.membership_id,
                "due_at": attendee.meeting.start - dt.timedelta(hours=24),
            },
        )
        if created:
            deliver_reminders.enqueue([reminder.pk])
            made += 1
    return made


def bench_sweep(label: str) -> list[list[str]]:
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from tandem.mentoring.models import Meeting
    from tandem.mentoring.services import reminders
    from tandem.notifications.models import Notification

    program, memberships = _world(10_000)
    mentorships = _mentorships(program, memberships, 10_000)
    now = timezone.now()
    _meetings(mentorships, 1, now + dt.timedelta(hours=1), dt.timedelta(seconds=8))
    Meeting.objects.update(created_at=now - dt.timedelta(days=7))
    began = time.perf_counter()
    with transaction.atomic():
        enqueued = reminders.sweep(now)
    sweep_seconds = time.perf_counter() - began
    queued = DBTaskResult.objects.count()
    began = time.perf_counter()
    with transaction.atomic():
        again = reminders.sweep(now)
    second_sweep = time.perf_counter() - began
    # Deliver: run the queued batches (two "workers" each take every batch).
    batches = [r.args_kwargs["args"][0] for r in DBTaskResult.objects.order_by("id")]
    DBTaskResult.objects.all().delete()
    began = time.perf_counter()
    sent = sum(reminders.deliver(batch) for batch in batches)
    sent += sum(reminders.deliver(batch) for batch in batches)  # the second worker
    deliver_seconds = time.perf_counter() - began
    notifications = Notification.objects.filter(kind="meeting_reminder").count()
    assert enqueued == 20_000 == sent == notifications, (enqueued, sent, notifications)
    # The naive alternative on the same meetings (its own keys).
    DBTaskResult.objects.all().delete()
    began = time.perf_counter()
    with transaction.atomic():
        naive = _naive_sweep(now)
    naive_seconds = time.perf_counter() - began
    assert naive == 20_000
    return [
        [
            label,
            "sweep: record + enqueue 20,000 reminders",
            f"{sweep_seconds * 1000:.0f}",
            f"{queued} tasks",
            f"{naive_seconds * 1000:.0f}",
        ],
        [label, "second sweep (nothing new)", f"{second_sweep * 1000:.0f}", f"{again} pending", ""],
        [
            label,
            "deliver 20,000 twice (2 workers)",
            f"{deliver_seconds * 1000:.0f}",
            f"{sent} sent",
            "",
        ],
    ]


def run_backend(label: str) -> list[list[str]]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "--verbosity", "0")
    rows = bench_feed(label)
    if os.environ.get("BENCH_FEED_ONLY"):
        return rows
    call_command("flush", "--no-input", "--verbosity", "0")
    rows += bench_sweep(label)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.backend:
        with open(options.results, "w", newline="") as handle:
            csv.writer(handle).writerows(run_backend(options.backend))
        return 0
    database_url = os.environ.get("DATABASE_URL", "")
    results: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tandem-meetings-bench-") as temporary:
        backends: list[tuple[str, str, Any]] = [
            ("SQLite", f"sqlite:///{temporary}/bench.sqlite3", None)
        ]
        if database_url.startswith(("postgres://", "postgresql://")):
            scratch_url, drop = scratch_database(database_url, "meetings_bench")
            backends.append(("PostgreSQL", scratch_url, drop))
        for label, url, drop in backends:
            results_file = Path(temporary) / f"{label}.csv"
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "EMAIL_URL": "dummy://",
                "ALLOWED_HOSTS": "testserver",
                "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
                ),
            }
            print(f"{label}…", flush=True)
            try:
                subprocess.run(
                    [sys.executable, __file__, "--backend", label, "--results", str(results_file)],
                    env=environment,
                    check=True,
                )
            finally:
                if drop is not None:
                    drop()
            with open(results_file, newline="") as handle:
                results += list(csv.reader(handle))
    print()
    print(f"{'database':<11} {'what':<44} {'ms (median)':>12} {'p95 / detail':>14} {'naive ms':>9}")
    print("-" * 94)
    for database, what, median, detail, naive in results:
        print(f"{database:<11} {what:<44} {median:>12} {detail:>14} {naive:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
