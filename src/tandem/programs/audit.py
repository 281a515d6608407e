"""The audit log as people read it: actions in words, changed values as before → after, and the
people and objects an entry points at named instead of shown as ids.

Services record ``changes`` in a few shapes: ``{"status": [before, after]}`` for a changed value,
``{"name": "Spring"}`` for a value set, ``{"mentee": 12}`` or ``{"mentors": [3, 4]}`` for the
people or objects involved, ``{"fields": ["title", "deadline"]}`` for what was edited. This
module turns each shape into one line; every object named on a page costs one query per kind
of object, however many entries the page shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from tandem.core.models import AuditEntry
from tandem.programs.models import Membership

#: Keys whose values are ids of memberships (a person in a program): shown as the person's name.
MEMBERSHIP_KEYS = frozenset({"mentee", "mentor", "mentees", "mentors", "suggested_by", "owner"})
#: Keys whose values are ids of other objects: shown as the object (its ``str``), by model label.
OBJECT_KEYS: Mapping[str, str] = {
    "mentorship": "mentoring.mentorship",
    "milestone": "growth.milestone",
}
#: Keys whose two-item lists are two things, not a value before and after.
LIST_KEYS = frozenset({"fields", "sections", "goals", "mentees", "mentors", "skills"})
#: Action names recorded by older versions, and the name they mean.
RENAMED_ACTIONS: Mapping[str, str] = {"pair.forbided": "pair.forbidden"}


@dataclass(frozen=True)
class Change:
    """One line of an entry's details."""

    label: str
    value: str = ""
    before: str = ""
    after: str = ""

    @property
    def is_diff(self) -> bool:
        return bool(self.before or self.after) and not self.value


@dataclass(frozen=True)
class ReadableEntry:
    entry: AuditEntry
    action: str
    action_label: str
    changes: tuple[Change, ...]


def action_name(action: str) -> str:
    return RENAMED_ACTIONS.get(action, action)


def action_label(action: str) -> str:
    """``"match_run.published"`` → ``"Match run published"``."""
    words = action_name(action).replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _key_label(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _scalar(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{_key_label(str(k))}: {_scalar(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(item) for item in value) or "—"
    return str(value)


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, list | tuple) else [value]
    return [item for item in items if isinstance(item, int) and not isinstance(item, bool)]


def _names(entries: Iterable[AuditEntry]) -> dict[str, dict[int, str]]:
    """For each model label, the names of the objects the entries' changes point at."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        for key, value in (entry.changes or {}).items():
            if key in MEMBERSHIP_KEYS:
                wanted["programs.membership"].update(_ids(value))
            elif key in OBJECT_KEYS:
                wanted[OBJECT_KEYS[key]].update(_ids(value))
    names: dict[str, dict[int, str]] = {}
    for label, ids in wanted.items():
        if not ids:
            continue
        if label == "programs.membership":
            memberships = Membership.objects.filter(pk__in=ids).select_related("user")
            names[label] = {m.pk: m.user.display_name for m in memberships}
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        names[label] = {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
    return names


def _named(value: Any, names: Mapping[int, str]) -> str:
    items = value if isinstance(value, list | tuple) else [value]
    shown = [
        names.get(item, "(removed)")
        if isinstance(item, int) and not isinstance(item, bool)
        else _scalar(item)
        for item in items
    ]
    return ", ".join(shown) or "—"


def _change(key: str, value: Any, names: Mapping[str, Mapping[int, str]]) -> Change:
    label = _key_label(key)
    if key in MEMBERSHIP_KEYS:
        return Change(label, value=_named(value, names.get("programs.membership", {})))
    if key in OBJECT_KEYS:
        return Change(label, value=_named(value, names.get(OBJECT_KEYS[key], {})))
    if isinstance(value, list) and len(value) == 2 and key not in LIST_KEYS:
        before, after = value
        if not isinstance(before, list | dict) and not isinstance(after, list | dict):
            return Change(label, before=_scalar(before), after=_scalar(after))
    return Change(label, value=_scalar(value))


def readable_entries(entries: Iterable[AuditEntry]) -> list[ReadableEntry]:
    """The entries of one page, ready to show."""
    listed = list(entries)
    names = _names(listed)
    return [
        ReadableEntry(
            entry=entry,
            action=action_name(entry.action),
            action_label=action_label(entry.action),
            changes=tuple(
                _change(str(key), value, names) for key, value in (entry.changes or {}).items()
            ),
        )
        for entry in listed
    ]
