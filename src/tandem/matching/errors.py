"""Errors raised by the matching engine."""

from __future__ import annotations


class MatchingError(Exception):
    """Base class of every error the matching engine raises on purpose."""


class MatchingInputError(MatchingError, ValueError):
    """Bad input: names the file, row, column and value when they are known.

    ``row`` is the 1-based line number in the file (the header is line 1), or for a TOML file
    the 1-based index of the ``[[criteria]]`` table.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        person_id: str | None = None,
    ) -> None:
        self.message = message
        self.person_id = person_id
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self.describe())

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        where: list[str] = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InfeasibleLockError(MatchingError):
    """A locked pair cannot be honoured; ``lock`` is the ``(mentee_id, mentor_id)`` pair."""

    def __init__(self, lock: tuple[str, str], reason: str) -> None:
        self.lock = lock
        self.reason = reason
        super().__init__(f"locked pair {lock[0]} -> {lock[1]} is infeasible: {reason}")


class EmptyProblemError(MatchingError):
    """Nothing can be matched: a side is empty (the message says which)."""
