"""``tandem expire_requests``: the safety net for mentor requests' deadlines.

Each asked request already has a task enqueued for its deadline; this catches up on any the
worker missed (it was down, the queue was flushed). Run it from cron, e.g. every 15 minutes::

    */15 * * * *  tandem expire_requests
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tandem.matches.requests import expire_overdue_requests


class Command(BaseCommand):
    help = "Pass on every mentor request whose answer deadline has passed (run from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = expire_overdue_requests()
        self.stdout.write(f"{expired} overdue request{'s' if expired != 1 else ''} passed on.")
