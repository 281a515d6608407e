"""Time zones people pick from: the canonical ones, grouped by region, the likely one first.

``zoneinfo.available_timezones()`` holds ~600 names, a third of them backward-compatible aliases
("Africa/Timbuktu", "US/Pacific", "GB", "Etc/GMT+5"). The picker offers the zones tzdata itself
lists per country (``zone.tab`` and ``zone1970.tab``), plus UTC; where those tables cannot be
found, a filter drops the alias families instead.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

#: Django's shape of choices: ``(value, label)`` or ``(group label, [(value, label), …])``.
Choices = list[tuple[str, Any]]

#: The one zone with no region, offered first.
UTC = "UTC"
#: Prefixes and names that are only ever aliases (used when tzdata's tables are missing).
_ALIAS_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
_TABLES = ("zone1970.tab", "zone.tab")


def _table_texts() -> list[str]:
    texts: list[str] = []
    try:
        folder = resources.files("tzdata").joinpath("zoneinfo")
        texts = [folder.joinpath(name).read_text() for name in _TABLES]
    except (ModuleNotFoundError, FileNotFoundError):
        for directory in zoneinfo.TZPATH:
            paths = [Path(directory) / name for name in _TABLES]
            if all(path.is_file() for path in paths):
                texts = [path.read_text() for path in paths]
                break
    return texts


def zones_from_tables(texts: list[str]) -> set[str]:
    """The zone names (third column) of tzdata's ``zone*.tab`` tables."""
    names: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            columns = line.split("\t")
            if len(columns) >= 3:
                names.add(columns[2].strip())
    return names


def _filtered(available: set[str]) -> set[str]:
    return {
        name
        for name in available
        if name.split("/", 1)[0] in _REGIONS and not name.startswith(_ALIAS_PREFIXES)
    }


@cache
def canonical_time_zones() -> tuple[str, ...]:
    """UTC, then every canonical zone in alphabetical order."""
    available = zoneinfo.available_timezones()
    listed = zones_from_tables(_table_texts()) & available
    zones = listed or _filtered(available)
    return (UTC, *sorted(zones - {UTC}))


def is_canonical(name: str) -> bool:
    return name in canonical_time_zones()


def zone_label(name: str) -> str:
    """``"America/Argentina/Buenos_Aires"`` → ``"Argentina / Buenos Aires"`` (within its
    region's group)."""
    _, _, place = name.partition("/")
    return (place or name).replace("_", " ").replace("/", " / ")


def time_zone_choices(*, likely: list[str] | None = None, blank: bool = False) -> Choices:
    """Choices for a Django field: the likely zones first, then UTC, then one group per region
    (``<optgroup>``), so that typing a city's first letters in the list finds it."""
    choices: Choices = [("", "—")] if blank else []
    first = [name for name in dict.fromkeys(likely or []) if name and name != UTC]
    if first:
        choices.append(("Likely", [(name, name.replace("_", " ")) for name in first]))
    choices.append((UTC, "UTC (coordinated universal time)"))
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in canonical_time_zones()[1:]:
        groups.setdefault(name.split("/", 1)[0], []).append((name, zone_label(name)))
    choices.extend(groups.items())
    return choices
