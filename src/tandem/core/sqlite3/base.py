"""Django's SQLite backend, with a bounded retry when the database is locked.

SQLite has one writer at a time: a write waits for the lock up to the busy timeout (the
``timeout`` option, 20 s) and then fails with "database is locked". A statement that starts a
write transaction (``BEGIN IMMEDIATE``, every ``transaction.atomic()``) or writes in
autocommit mode has done nothing when it fails that way, so it is safe to try again: this
backend does, up to :data:`LOCKED_RETRIES` more times, so that a web write waits a bounded
time (about three busy timeouts) rather than failing while a long write finishes. A statement
inside a transaction is never retried (the transaction already holds the lock, or must fail).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from django.db.backends.sqlite3 import base

#: Further attempts after the first busy timeout expired.
LOCKED_RETRIES = 2
#: Pause between attempts (seconds), so that the writer holding the lock gets it back once.
RETRY_PAUSE = 0.05


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(error)


class RetryingCursorWrapper(base.SQLiteCursorWrapper):
    def _retrying(self, run: Any) -> Any:
        attempt = 0
        while True:
            try:
                return run()
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or self.connection.in_transaction:
                    raise
                if attempt >= LOCKED_RETRIES:
                    raise
                attempt += 1
                time.sleep(RETRY_PAUSE)

    def execute(self, query: str, params: Any = None) -> Any:
        return self._retrying(lambda: super(RetryingCursorWrapper, self).execute(query, params))

    def executemany(self, query: str, param_list: Any) -> Any:
        return self._retrying(
            lambda: super(RetryingCursorWrapper, self).executemany(query, param_list)
        )


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=RetryingCursorWrapper)
