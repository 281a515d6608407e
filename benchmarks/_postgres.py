"""A throw-away PostgreSQL database next to the one a benchmark was pointed at."""

from __future__ import annotations

from collections.abc import Callable


def scratch_database(url: str, suffix: str) -> tuple[str, Callable[[], None]]:
    """Create ``<name>_<suffix>`` beside the database of ``url`` (dropping a stale one first);
    return its URL and a function that drops it."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    scratch = f"{name.split('?')[0]}_{suffix}"
    admin_url = f"{base}/postgres"

    def execute(statement: sql.Composed) -> None:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(statement)

    def drop() -> None:
        execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))

    drop()
    execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    return f"{base}/{scratch}", drop
