"""Reading PEOPLE.csv / criteria.toml and writing matches.csv (atomically)."""

from __future__ import annotations

import csv
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MatchingInputError
from .kinds import KIND_PARAMS, KINDS
from .model import ChoicePolicy, Criterion, GroupPolicy, MatchResult, Person, validate_criterion

REQUIRED_COLUMNS = ("id", "role")
SPECIAL_COLUMNS = ("id", "role", "capacity", "choices")
CRITERION_KEYS = frozenset(
    {"kind", "weight", "hard", "field", "mentee_field", "mentor_field", "threshold", "label"}
)
_CAPACITY = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?$")


@dataclass(frozen=True)
class CriteriaConfig:
    """What criteria.toml holds."""

    criteria: tuple[Criterion, ...]
    choices: ChoicePolicy = field(default_factory=ChoicePolicy)
    groups: GroupPolicy = field(default_factory=GroupPolicy)
    # line of each [[criteria]] header, to point errors at the file
    lines: tuple[int, ...] = field(default=())


def _capacity(text: str, where: dict[str, object]) -> tuple[int, int]:
    if not text.strip():
        return 1, 1
    match = _CAPACITY.match(text)
    if not match:
        raise MatchingInputError("capacity must be 'N' or 'MIN-MAX'", **where)  # type: ignore[arg-type]
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else None
    if low < 0 or (high is not None and high < 0):
        raise MatchingInputError("capacity below zero", **where)  # type: ignore[arg-type]
    if high is None:
        return min(1, low), low
    if low > high:
        raise MatchingInputError("capacity minimum above maximum", **where)  # type: ignore[arg-type]
    return low, high


def read_people_csv(path: Path | str, fields: Sequence[str] | None = None) -> list[Person]:
    """Read PEOPLE.csv. ``fields``: profile columns the criteria use (an unknown one is an
    error naming the criterion's field). Raises :class:`MatchingInputError`."""
    file = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as error:
        raise MatchingInputError(f"cannot read: {error.strerror}", file=file) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise MatchingInputError("the file is empty", file=file) from None
        header = [h.strip() for h in header]
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise MatchingInputError("missing column", file=file, row=1, column=column)
        seen_columns: set[str] = set()
        for column in header:
            if not column:
                raise MatchingInputError("empty column name", file=file, row=1, column=column)
            if column in seen_columns:
                raise MatchingInputError("duplicated column", file=file, row=1, column=column)
            seen_columns.add(column)
        for name in fields or ():
            if name not in header:
                raise MatchingInputError(
                    "unknown column (a criterion uses it but the file has no such column)",
                    file=file,
                    row=1,
                    column=name,
                )
        raw_rows: list[tuple[int, dict[str, str]]] = []
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise MatchingInputError(
                    f"expected {len(header)} values, found {len(values)}", file=file, row=line
                )
            raw_rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
    people: list[Person] = []
    row_of: dict[str, int] = {}
    for line, row in raw_rows:
        person_id = row["id"]
        if not person_id:
            raise MatchingInputError("empty id", file=file, row=line, column="id", value="")
        if person_id in row_of:
            raise MatchingInputError(
                f"duplicated id (first on row {row_of[person_id]})",
                file=file,
                row=line,
                column="id",
                value=person_id,
            )
        row_of[person_id] = line
        role = row["role"].casefold()
        if role not in ("mentor", "mentee"):
            raise MatchingInputError(
                "role must be 'mentor' or 'mentee'",
                file=file,
                row=line,
                column="role",
                value=row["role"],
            )
        capacity = row.get("capacity", "")
        where: dict[str, object] = {
            "file": file,
            "row": line,
            "column": "capacity",
            "value": capacity,
        }
        cap_min, cap_max = _capacity(capacity, where) if role == "mentor" else (0, 0)
        choices = tuple(c.strip() for c in row.get("choices", "").split(";") if c.strip())
        profile = {k: v for k, v in row.items() if k not in SPECIAL_COLUMNS}
        people.append(
            Person(
                id=person_id,
                role="mentor" if role == "mentor" else "mentee",
                fields=profile,
                capacity_min=cap_min,
                capacity_max=cap_max,
                choices=choices,
            )
        )
    roles = {p.id: p.role for p in people}
    for person, (line, _) in zip(people, raw_rows, strict=True):
        wanted = "mentee" if person.role == "mentor" else "mentor"
        for choice in person.choices:
            if roles.get(choice) != wanted:
                raise MatchingInputError(
                    f"choice names no {wanted}",
                    file=file,
                    row=line,
                    column="choices",
                    value=choice,
                )
    return people


def people_rows(path: Path | str) -> dict[str, int]:
    """id -> row number, to point profile-value errors at the file."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if "id" not in header:
            return {}
        index = header.index("id")
        return {
            values[index].strip(): line
            for line, values in enumerate(reader, start=2)
            if len(values) > index
        }


def _header_lines(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip().startswith("[[criteria]]")
    ]


def read_criteria_toml(path: Path | str) -> CriteriaConfig:
    """Read criteria.toml. Raises :class:`MatchingInputError` naming file, row, key, value
    (row = line of the ``[[criteria]]`` header)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise MatchingInputError(f"cannot read: {error.strerror}", file=file) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        raise MatchingInputError(f"not valid TOML: {error}", file=file, row=line) from None
    return criteria_from_mapping(data, file=file, lines=_header_lines(text))


def criteria_from_mapping(
    data: Mapping[str, object], *, file: str | None = None, lines: Sequence[int] = ()
) -> CriteriaConfig:
    """The same structure as criteria.toml, from a dict (what the web app passes)."""
    for key in data:
        if key not in ("criteria", "choices", "groups"):
            raise MatchingInputError("unknown top-level key", file=file, column=key)
    tables = data.get("criteria", [])
    if not isinstance(tables, list) or not tables:
        raise MatchingInputError("no [[criteria]] tables", file=file, column="criteria")
    criteria: list[Criterion] = []
    for index, table in enumerate(tables, start=1):
        row = lines[index - 1] if index - 1 < len(lines) else index
        if not isinstance(table, dict):
            raise MatchingInputError("a criterion must be a table", file=file, row=row)
        criteria.append(_criterion(table, file, row))
    choices = _choices(data.get("choices", {}), file)
    groups = _groups(data.get("groups", {}), file)
    names = [c.name for c in criteria]
    for name in names:
        if names.count(name) > 1:
            raise MatchingInputError(
                "two criteria have the same name; give one a 'label'", file=file, value=name
            )
    return CriteriaConfig(tuple(criteria), choices, groups, tuple(lines))


def _criterion(table: Mapping[str, object], file: str | None, row: int) -> Criterion:
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise MatchingInputError(
            f"unknown criterion kind (known: {', '.join(KINDS)})",
            file=file,
            row=row,
            column="kind",
            value=kind,
        )
    params: dict[str, object] = {}
    for key, value in table.items():
        if key in CRITERION_KEYS:
            continue
        if key not in KIND_PARAMS[kind]:
            allowed = sorted(CRITERION_KEYS | KIND_PARAMS[kind])
            raise MatchingInputError(
                f"unknown key for kind {kind!r} (allowed: {', '.join(allowed)})",
                file=file,
                row=row,
                column=key,
                value=value,
            )
        params[key] = value
    weight = table.get("weight", 0.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        raise MatchingInputError(
            "weight is not a number", file=file, row=row, column="weight", value=weight
        )
    hard = table.get("hard", False)
    if not isinstance(hard, bool):
        raise MatchingInputError(
            "hard must be true or false", file=file, row=row, column="hard", value=hard
        )
    field_name = table.get("field")
    mentee_field = table.get("mentee_field", field_name)
    mentor_field = table.get("mentor_field", field_name)
    for key, value in (("mentee_field", mentee_field), ("mentor_field", mentor_field)):
        if not isinstance(value, str) or not value:
            raise MatchingInputError(
                "a criterion needs 'field' or both 'mentee_field' and 'mentor_field'",
                file=file,
                row=row,
                column=key,
                value=value,
            )
    threshold = table.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float))
    ):
        raise MatchingInputError(
            "threshold is not a number", file=file, row=row, column="threshold", value=threshold
        )
    label = table.get("label", "")
    criterion = Criterion(
        kind=kind,
        mentee_field=str(mentee_field),
        mentor_field=str(mentor_field),
        weight=float(weight),
        hard=hard or threshold is not None,
        threshold=None if threshold is None else float(threshold),
        params=params,
        label=str(label),
    )
    validate_criterion(criterion, row, file)
    return criterion


def _choices(table: object, file: str | None) -> ChoicePolicy:
    if not isinstance(table, dict):
        raise MatchingInputError("[choices] must be a table", file=file, column="choices")
    for key in table:
        if key not in ("bonus", "mode"):
            raise MatchingInputError("unknown key in [choices]", file=file, column=key)
    bonus = table.get("bonus", [])
    if not isinstance(bonus, list) or not all(
        isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) and b >= 0
        for b in bonus
    ):
        raise MatchingInputError(
            "bonus must be a list of numbers >= 0", file=file, column="bonus", value=bonus
        )
    mode = table.get("mode", "bonus")
    if mode not in ("bonus", "honour_first"):
        raise MatchingInputError(
            "mode must be 'bonus' or 'honour_first'", file=file, column="mode", value=mode
        )
    return ChoicePolicy(bonus=tuple(float(b) for b in bonus), honour_first=mode == "honour_first")


def _groups(table: object, file: str | None) -> GroupPolicy:
    if not isinstance(table, dict):
        raise MatchingInputError("[groups] must be a table", file=file, column="groups")
    for key in table:
        if key not in ("diversity", "fit_loss_budget", "max_rounds"):
            raise MatchingInputError("unknown key in [groups]", file=file, column=key)
    diversity = table.get("diversity", [])
    if not isinstance(diversity, list) or not all(isinstance(d, str) for d in diversity):
        raise MatchingInputError(
            "diversity must be a list of column names",
            file=file,
            column="diversity",
            value=diversity,
        )
    budget = table.get("fit_loss_budget", 0.02)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0:
        raise MatchingInputError(
            "fit_loss_budget must be a number >= 0",
            file=file,
            column="fit_loss_budget",
            value=budget,
        )
    rounds = table.get("max_rounds", 20)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise MatchingInputError(
            "max_rounds must be an integer >= 0", file=file, column="max_rounds", value=rounds
        )
    return GroupPolicy(tuple(diversity), float(budget), rounds)


def read_pairs_csv(
    path: Path | str,
    mentee_ids: set[str] | None = None,
    mentor_ids: set[str] | None = None,
) -> list[tuple[str, str]]:
    """A CSV of pairs with columns ``mentee_id`` and ``mentor_id`` (locks, forbids, past);
    with ``mentee_ids``/``mentor_ids``, an id naming nobody is an error."""
    file = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as error:
        raise MatchingInputError(f"cannot read: {error.strerror}", file=file) from None
    with handle:
        reader = csv.DictReader(handle)
        for column in ("mentee_id", "mentor_id"):
            if column not in (reader.fieldnames or []):
                raise MatchingInputError("missing column", file=file, row=1, column=column)
        pairs = []
        for line, row in enumerate(reader, start=2):
            mentee, mentor = (
                (row.get("mentee_id") or "").strip(),
                (row.get("mentor_id") or "").strip(),
            )
            if not mentee or not mentor:
                raise MatchingInputError("empty id", file=file, row=line)
            if mentee_ids is not None and mentee not in mentee_ids:
                raise MatchingInputError(
                    "names no mentee", file=file, row=line, column="mentee_id", value=mentee
                )
            if mentor_ids is not None and mentor not in mentor_ids:
                raise MatchingInputError(
                    "names no mentor", file=file, row=line, column="mentor_id", value=mentor
                )
            pairs.append((mentee, mentor))
    return pairs


#: Cell starts that spreadsheet programs run as a formula. The engine imports nothing of Tandem,
#: so this mirrors tandem.core.spreadsheets (a test checks the two agree).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Text that would start a formula gets a leading single quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_matches_csv(result: MatchResult, path: Path | str) -> None:
    """matches.csv: mentee_id, mentor_id, score, one column per criterion (its contribution),
    choice_bonus, locked, reason, explanation. Unmatched mentees have an empty mentor_id and a
    reason. Written to a temporary file and renamed, so a failed run leaves nothing behind."""
    target = Path(path)
    header = [
        "mentee_id",
        "mentor_id",
        "score",
        *result.criteria,
        "choice_bonus",
        "choice_rank",
        "locked",
        "reason",
        "explanation",
    ]
    directory = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([_cell(name) for name in header])
            for match in result.matches:
                contributions = {c.criterion: c.contribution for c in match.contributions}
                bonus = match.score - sum(contributions.values())
                writer.writerow(
                    [_cell(match.mentee_id), _cell(match.mentor_id), f"{match.score:.4f}"]
                    + [f"{contributions.get(name, 0.0):.4f}" for name in result.criteria]
                    + [
                        f"{max(bonus, 0.0):.4f}",
                        match.choice_rank or "",
                        "yes" if match.locked else "",
                        "",
                        _cell(match.explanation),
                    ]
                )
            for unmatched in result.unmatched:
                if unmatched.role != "mentee":
                    continue
                writer.writerow(
                    [_cell(unmatched.person_id), "", ""]
                    + [""] * len(result.criteria)
                    + ["", "", "", _cell(unmatched.reason), ""]
                )
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
