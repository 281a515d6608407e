"""Benchmark: the coordinator's mentorships page (and a long-lived workspace) on a
10,000-mentorship program.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/mentorships_pages.py [--mentorships 10000]

In a fresh SQLite database under a temporary directory it builds one program with
``--mentorships`` pairs (20,000 people, bulk rows) and their history — about five meetings
each (some cancelled, most with a record), two action items each, a message or two — then
computes the stored activity figures with ``refresh_activity_many``. It measures, with Django's
test client logged in as the coordinator, warm, ``--requests`` requests each (median and 95th
percentile of the server time, and the number of queries):

* the mentorships page: the first page, a page sorted by last meeting, a filtered page
  ("behind the cadence"), a search by name, and the last page;
* the CSV export of every mentorship (once: it is a download, not a page);
* the alternative the stored figures replace: the same first page sorted by last meeting
  with every figure computed on read (annotations over meetings, records, action items and
  messages), both the query alone and the stored-figure query alone;
* the workspace (URL name ``mentoring:workspace``) of one mentorship with 1,000 meetings and
  1,000 messages, when that page exists on the branch (skipped, and said so, otherwise).

Target: under 150 ms per page, the query count independent of the program's size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0


def _timed(run: Callable[[], Any], requests: int) -> tuple[float, float, Any]:
    run()  # warm
    seconds = []
    result = None
    for _ in range(requests):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * len(seconds)) - 1)]
    return statistics.median(seconds) * 1000, p95 * 1000, result


def build(mentorships: int) -> dict[str, Any]:
    import datetime as dt
    import random

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.demo.history import _own_timestamps
    from tandem.mentoring.enums import MeetingStatus
    from tandem.mentoring.models import ActionItem, Meeting, MeetingRecord, Mentorship, Message
    from tandem.mentoring.services.activity import refresh_activity_many
    from tandem.mentoring.services.mentorships import PairSpec, create_pairs
    from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
    from tandem.programs.models import Membership, Organization, Program

    rng = random.Random(13)
    now = timezone.now()
    today = timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    organization = Organization.objects.create(name="Bench", slug="bench")
    program = Program.objects.create(
        organization=organization,
        name="Big program",
        slug="big",
        status=ProgramStatus.ACTIVE,
        starts_on=today - dt.timedelta(days=84),
        ends_on=today + dt.timedelta(days=98),
    )
    password = make_password("bench-password")
    coordinator = User.objects.create(email="coordinator@bench.test", password=password)
    Membership.objects.create(
        program=program, user=coordinator, role=Role.COORDINATOR, status=MembershipStatus.APPROVED
    )
    first_names = (
        "Ana Ben Chen Dalia Emeka Farah Grace Hamid Ines Jamal Kofi Laila Mei Noah".split()
    )
    last_names = "Abebe Bauer Costa Dubois Garcia Haddad Ito Kaur Lopez Mensah Novak Park".split()
    users = User.objects.bulk_create(
        [
            User(
                email=f"person{i}@bench.test",
                full_name=f"{rng.choice(first_names)} {rng.choice(last_names)}",
                password=password,
            )
            for i in range(2 * mentorships)
        ],
        batch_size=2000,
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                program=program,
                user=user,
                role=Role.MENTOR if i % 2 == 0 else Role.MENTEE,
                status=MembershipStatus.APPROVED,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    relationships = create_pairs(
        program,
        [
            PairSpec(
                mentor_id=memberships[2 * i].pk,
                mentee_id=memberships[2 * i + 1].pk,
                source="manual",
            )
            for i in range(mentorships)
        ],
        started_at=now - dt.timedelta(days=84),
    )
    timings["people and mentorships"] = time.perf_counter() - started

    started = time.perf_counter()
    meetings: list[Meeting] = []
    for relationship in relationships:
        count = rng.randint(3, 7)
        for n in range(count):
            start = now - dt.timedelta(days=80 - 14 * n + rng.randint(-2, 2))
            status = (
                MeetingStatus.CANCELLED
                if rng.random() < 0.08
                else MeetingStatus.HELD
                if start < now
                else MeetingStatus.SCHEDULED
            )
            meetings.append(
                Meeting(
                    mentorship_id=relationship.mentorship_id,
                    start=start,
                    duration_minutes=60,
                    timezone="Europe/Berlin",
                    status=status,
                    logged=status == MeetingStatus.HELD,
                    created_at=start - dt.timedelta(days=7),
                    updated_at=start - dt.timedelta(days=7),
                )
            )
    with _own_timestamps(Meeting, MeetingRecord, ActionItem, Message):
        meetings = Meeting.objects.bulk_create(meetings, batch_size=2000)
        MeetingRecord.objects.bulk_create(
            [
                MeetingRecord(
                    meeting=meeting,
                    notes="Private notes",
                    created_at=meeting.start + dt.timedelta(hours=3),
                    updated_at=meeting.start + dt.timedelta(hours=3),
                )
                for meeting in meetings
                if meeting.status == MeetingStatus.HELD and rng.random() < 0.85
            ],
            batch_size=2000,
        )
        ActionItem.objects.bulk_create(
            [
                ActionItem(
                    mentorship_id=r.mentorship_id,
                    owner_id=r.mentee_id,
                    text="Draft the plan",
                    due_on=today + dt.timedelta(days=rng.randint(-30, 14)),
                    done_at=now - dt.timedelta(days=rng.randint(1, 30))
                    if rng.random() < 0.5
                    else None,
                    created_at=now - dt.timedelta(days=rng.randint(30, 70)),
                )
                for r in relationships
                for _ in range(2)
            ],
            batch_size=2000,
        )
        Message.objects.bulk_create(
            [
                Message(
                    mentorship_id=r.mentorship_id,
                    author_id=r.mentee_id,
                    body="Thanks for today",
                    created_at=now - dt.timedelta(days=rng.randint(1, 80)),
                )
                for r in relationships
                for _ in range(rng.randint(0, 3))
            ],
            batch_size=2000,
        )
    timings["history rows"] = time.perf_counter() - started
    ids = [r.mentorship_id for r in relationships if r.mentorship_id is not None]
    started = time.perf_counter()
    refresh_activity_many(ids)
    timings["refresh_activity_many (all figures, every mentorship)"] = time.perf_counter() - started
    return {
        "program": program,
        "coordinator": coordinator,
        "meetings": len(meetings),
        "timings": timings,
        "mentorship_ids": ids,
        "Mentorship": Mentorship,
    }


def _page(client: Any, url: str) -> Callable[[], tuple[int, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries), len(response.content)

    return run


def _workspace(world: dict[str, Any], requests: int) -> tuple[str, float, float, int] | None:
    """The workspace of one mentorship with 1,000 meetings and 1,000 messages, if it exists."""
    import datetime as dt

    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from tandem.demo.history import _own_timestamps
    from tandem.mentoring.models import Meeting, Mentorship, MentorshipMember, Message

    program = world["program"]
    mentorship = Mentorship.objects.get(pk=world["mentorship_ids"][0])
    try:
        url = reverse(
            "mentoring:workspace",
            kwargs={
                "org_slug": program.organization.slug,
                "program_slug": program.slug,
                "mentorship_id": mentorship.pk,
            },
        )
    except NoReverseMatch:
        return None
    now = timezone.now()
    mentee = MentorshipMember.objects.filter(mentorship=mentorship, role="mentee").first()
    assert mentee is not None
    with _own_timestamps(Meeting, Message):
        Meeting.objects.bulk_create(
            [
                Meeting(
                    mentorship=mentorship,
                    start=now + dt.timedelta(days=n - 900),
                    duration_minutes=60,
                    timezone="UTC",
                    status="held" if n < 900 else "scheduled",
                    created_at=now,
                    updated_at=now,
                )
                for n in range(1000)
            ]
        )
        Message.objects.bulk_create(
            [
                Message(
                    mentorship=mentorship,
                    author=mentee.membership,
                    body=f"Message {n}",
                    created_at=now - dt.timedelta(minutes=n),
                )
                for n in range(1000)
            ]
        )
    client = Client()
    client.force_login(mentee.membership.user)
    median, p95, (queries, _size) = _timed(_page(client, url), requests)
    return url, median, p95, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentorships", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-mentorships-bench-") as temporary:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "ALLOWED_HOSTS": "testserver",
            }
        )
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        # Pages render without `collectstatic` (the manifest is a deployment step).
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

        call_command("migrate", "--no-input", verbosity=0)
        from django.test import Client
        from django.utils import timezone

        from tandem.mentoring.models import Mentorship
        from tandem.mentoring.services.activity import figure_expressions

        world = build(options.mentorships)
        program = world["program"]
        client = Client()
        client.force_login(world["coordinator"])
        base = program.get_absolute_url() + "mentorships/"
        last_page = (options.mentorships + 49) // 50
        pages = [
            ("first page (default: latest activity first)", base),
            ("sorted by last meeting", base + "?sort=-last_met_at"),
            ("filtered: behind the cadence", base + "?show=behind"),
            (
                "filtered: no meeting in 30 days, by records missing",
                base + "?show=quiet&sort=-records_missing",
            ),
            ("search by name (“ana”)", base + "?q=ana"),
            (f"last page (page {last_page})", base + f"?page={last_page}"),
        ]
        print(f"{options.mentorships:,} mentorships, {world['meetings']:,} meetings")
        for label, seconds in world["timings"].items():
            print(f"  build: {label}: {seconds:.2f} s")
        print()
        print("| page | median ms | p95 ms | queries |")
        print("| --- | ---: | ---: | ---: |")
        for label, url in pages:
            median, p95, (queries, _size) = _timed(_page(client, url), options.requests)
            flag = "" if p95 < TARGET_MS else " (over target)"
            print(f"| {label} | {median:.1f} | {p95:.1f}{flag} | {queries} |")

        median, p95, (queries, size) = _timed(
            _page(client, program.get_absolute_url() + "mentorships.csv"), 3
        )
        print(
            f"| CSV export, every mentorship ({size / 1e6:.1f} MB; 3 runs) | {median:.1f} | "
            f"{p95:.1f} | {queries} |"
        )

        # The alternative: figures computed on read instead of stored.
        def stored() -> int:
            rows = list(
                Mentorship.objects.filter(program=program).order_by("-last_met_at", "-id")[:50]
            )
            return len(rows)

        def computed() -> int:
            expressions = figure_expressions(timezone.now())
            rows = list(
                Mentorship.objects.filter(program=program)
                .annotate(**{f"read_{k}": v for k, v in expressions.items()})
                .order_by("-read_last_met_at", "-id")[:50]
            )
            return len(rows)

        print()
        print("| sorting 50 rows by last meeting, query alone | median ms | p95 ms | ÷ stored |")
        print("| --- | ---: | ---: | ---: |")
        stored_median, stored_p95, _ = _timed(stored, options.requests)
        computed_median, computed_p95, _ = _timed(computed, 5)
        print(f"| stored figures (this page) | {stored_median:.1f} | {stored_p95:.1f} | 1.0 |")
        print(
            f"| computed on read (annotations, 5 runs) | {computed_median:.1f} | "
            f"{computed_p95:.1f} | {computed_median / stored_median:.0f} |"
        )

        print()
        workspace = _workspace(world, options.requests)
        if workspace is None:
            print(
                "workspace: the URL name mentoring:workspace does not resolve on this branch; "
                "not measured."
            )
        else:
            url, median, p95, queries = workspace
            print(
                f"| workspace, 1,000 meetings + 1,000 messages | {median:.1f} | {p95:.1f} | "
                f"{queries} |"
            )
        print()
        print(
            f"Python {platform.python_version()}, SQLite, {os.cpu_count()} cores, "
            f"{platform.machine()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
