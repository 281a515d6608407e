"""Moved: ``TenantRequest`` and ``requires`` live in :mod:`tandem.programs.http`, next to the
tenancy they type, and ``AuthedRequest`` in :mod:`tandem.accounts.http`.

This forwarder exists only for ``matches/views/relationships.py``, which the mentoring move
rewrites; delete this file (and its ``ignore_imports`` line in pyproject.toml) when the
mentoring move lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem.programs.http import TenantRequest, requires

__all__ = ["TenantRequest", "requires"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tandem.programs import http

        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
