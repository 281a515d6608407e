from __future__ import annotations


class ServiceError(Exception):
    """A write was refused. ``field`` names the input at fault, where there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
