"""The SQLite backend retries a write that found the database locked — a bounded number of
times, and never a statement inside a transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import OperationalError

from tandem.core.sqlite3 import base
from tandem.env import database_config


@pytest.fixture(autouse=True)
def _own_database(django_db_blocker: Any) -> Any:
    """These tests open their own SQLite file, not the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper(path: Path) -> Any:
    config = database_config(f"sqlite:///{path}")
    assert config["ENGINE"] == "tandem.core.sqlite3"
    options = {**config["OPTIONS"], "timeout": 0.01}  # type: ignore[dict-item]
    settings = {**config, "OPTIONS": options, "TIME_ZONE": None, "AUTOCOMMIT": True}
    settings |= {"ATOMIC_REQUESTS": False, "TEST": {}}
    connection = base.DatabaseWrapper(settings, alias="retry-test")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    return connection


def locked_by_another(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_locked_write_is_retried_until_the_lock_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = wrapper(tmp_path / "db.sqlite3")
    other = locked_by_another(tmp_path / "db.sqlite3")
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        other.execute("COMMIT")  # the long write finishes while this one waits

    monkeypatch.setattr(base.time, "sleep", pause)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('saved')")
        cursor.execute("SELECT text FROM note")
        assert cursor.fetchall() == [("saved",)]
    assert pauses == [base.RETRY_PAUSE]
    connection.close()


def test_a_transaction_start_is_retried_and_the_wait_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = wrapper(tmp_path / "db.sqlite3")
    other = locked_by_another(tmp_path / "db.sqlite3")
    pauses: list[float] = []
    monkeypatch.setattr(base.time, "sleep", pauses.append)
    with pytest.raises(OperationalError, match="database is locked"), connection.cursor() as cursor:
        cursor.execute("BEGIN IMMEDIATE")  # what every transaction.atomic() starts with
    assert pauses == [base.RETRY_PAUSE] * base.LOCKED_RETRIES  # then it gives up
    other.execute("COMMIT")
    connection.close()


def test_a_statement_inside_a_transaction_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = wrapper(tmp_path / "db.sqlite3")
    pauses: list[float] = []
    monkeypatch.setattr(base.time, "sleep", pauses.append)
    raw = connection.connection
    raw.execute("BEGIN")  # deferred: reads first, asks for the write lock later
    raw.execute("SELECT * FROM note").fetchall()
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="database is locked"), connection.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('late')")
    assert pauses == []
    other.execute("COMMIT")
    raw.execute("ROLLBACK")
    connection.close()
