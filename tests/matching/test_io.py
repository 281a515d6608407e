"""PEOPLE.csv / criteria.toml parsing: every bad input names file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.matching import MatchingInputError, read_criteria_toml, read_people_csv
from tandem.matching.io import read_pairs_csv

GOOD_TOML = """
[choices]
bonus = [0.3, 0.2, 0.1]

[[criteria]]
kind = "complement"
mentee_field = "wants"
mentor_field = "offers"
weight = 3

[[criteria]]
kind = "not_same"
field = "team"
hard = true
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_people(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "people.csv",
        "id,role,capacity,choices,team,wants\n"
        "m1,mentor,1-3,,a,\n"
        "m2,mentor,,,b,\n"
        "m3,mentor,2,,b,\n"
        "e1,mentee,,m2;m1,a,x;y\n",
    )
    people = {p.id: p for p in read_people_csv(path, ["team", "wants"])}
    assert (people["m1"].capacity_min, people["m1"].capacity_max) == (1, 3)
    assert (people["m2"].capacity_min, people["m2"].capacity_max) == (1, 1)
    assert (people["m3"].capacity_min, people["m3"].capacity_max) == (1, 2)
    assert people["e1"].choices == ("m2", "m1")
    assert people["e1"].fields["wants"] == "x;y"


def test_reads_criteria(tmp_path: Path) -> None:
    config = read_criteria_toml(write(tmp_path, "c.toml", GOOD_TOML))
    assert [c.kind for c in config.criteria] == ["complement", "not_same"]
    assert config.criteria[0].name == "complement_wants_offers"
    assert config.criteria[1].hard
    assert config.criteria[1].mentor_field == "team"
    assert config.choices.bonus == (0.3, 0.2, 0.1)


@pytest.mark.parametrize(
    ("csv_text", "fields", "row", "column", "value"),
    [
        ("id,role\nm1,mentor\n", ["team"], 1, "team", None),  # unknown column
        ("id,role,capacity\nm1,mentor,-1\n", [], 2, "capacity", "-1"),
        ("id,role,capacity\nm1,mentor,3-1\n", [], 2, "capacity", "3-1"),
        ("id,role,capacity\nm1,mentor,lots\n", [], 2, "capacity", "lots"),
        ("id,role,choices\nm1,mentor,\ne1,mentee,m9\n", [], 3, "choices", "m9"),
        ("id,role\nm1,mentor\nm1,mentee\n", [], 3, "id", "m1"),
        ("id,role\nm1,boss\n", [], 2, "role", "boss"),
        ("id\nm1\n", [], 1, "role", None),
    ],
)
def test_bad_people(
    tmp_path: Path, csv_text: str, fields: list[str], row: int, column: str, value: str | None
) -> None:
    path = write(tmp_path, "people.csv", csv_text)
    with pytest.raises(MatchingInputError) as error:
        read_people_csv(path, fields)
    assert (error.value.file, error.value.row, error.value.column, error.value.value) == (
        str(path),
        row,
        column,
        value,
    )
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("extra", "column", "value"),
    [
        ('kind = "telepathy"\nfield = "x"\nweight = 1\n', "kind", "telepathy"),
        ('kind = "same"\nfield = "x"\nweight = "heavy"\n', "weight", "heavy"),
        ('kind = "same"\nfield = "x"\nweight = -2\n', "weight", -2),
        ('kind = "same"\nweight = 1\n', "mentee_field", None),
        ('kind = "same"\nfield = "x"\nweight = 1\nscale_km = 5\n', "scale_km", 5),
        ('kind = "gap"\nfield = "x"\nweight = 1\ntarget = "soon"\n', "target", "soon"),
    ],
)
def test_bad_criteria(tmp_path: Path, extra: str, column: str, value: object) -> None:
    path = write(tmp_path, "c.toml", GOOD_TOML + "\n[[criteria]]\n" + extra)
    with pytest.raises(MatchingInputError) as error:
        read_criteria_toml(path)
    header_line = GOOD_TOML.count("\n") + 2  # line of the third [[criteria]] header
    assert (error.value.file, error.value.row, error.value.column, error.value.value) == (
        str(path),
        header_line,
        column,
        value,
    )


def test_bad_toml_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", "[[criteria]\nkind=")
    with pytest.raises(MatchingInputError) as error:
        read_criteria_toml(path)
    assert error.value.file == str(path)


def test_bad_choices_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "c.toml", '[choices]\nmode = "random"\n' + GOOD_TOML.split("\n", 3)[3])
    with pytest.raises(MatchingInputError) as error:
        read_criteria_toml(path)
    assert (error.value.column, error.value.value) == ("mode", "random")


def test_pairs_csv_names_unknown_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "locks.csv", "mentee_id,mentor_id\ne1,m1\ne2,m1\n")
    assert read_pairs_csv(path, {"e1", "e2"}, {"m1"}) == [("e1", "m1"), ("e2", "m1")]
    with pytest.raises(MatchingInputError) as error:
        read_pairs_csv(path, {"e1"}, {"m1"})
    assert (error.value.row, error.value.column, error.value.value) == (3, "mentee_id", "e2")
