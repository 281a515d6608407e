"""Helpers the growth tests share."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


def constant_queries(client: Client, url: str, grow: Callable[[int], None]) -> tuple[int, int]:
    """The page's query count with the data grown once and then five times more."""
    grow(1)
    client.get(url)  # warm any per-process caches
    small = queries_for(client, url)
    grow(5)
    large = queries_for(client, url)
    return small, large
