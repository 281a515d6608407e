"""``tandem match`` end to end on a small CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tandem.matching.cli import main

PEOPLE = """id,role,capacity,choices,name,industry,team,skills_wanted,skills_offered,tz,languages
m1,mentor,0-2,,Ada,healthcare,red,,negotiation;public speaking;writing,2,en
m2,mentor,1,,Bo,tech,blue,,python;sql,0,en;fr
e1,mentee,,m1,Cem,healthcare,blue,negotiation;public speaking,,1,en
e2,mentee,,,Dia,tech,green,python,,0,fr
e3,mentee,,m2,Eli,tech,blue,sql,,-5,de
"""

CRITERIA = """
[choices]
bonus = [0.3, 0.2, 0.1]

[[criteria]]
kind = "complement"
mentee_field = "skills_wanted"
mentor_field = "skills_offered"
weight = 3

[[criteria]]
kind = "same"
field = "industry"
weight = 1

[[criteria]]
kind = "timezone"
field = "tz"
weight = 1

[[criteria]]
kind = "not_same"
field = "team"
hard = true

[[criteria]]
kind = "shares_language"
field = "languages"
hard = true
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    criteria = tmp_path / "criteria.toml"
    criteria.write_text(CRITERIA, encoding="utf-8")
    return people, criteria, tmp_path / "matches.csv"


def test_match_writes_csv_and_summary(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by_mentee = {r["mentee_id"]: r for r in rows}
    assert by_mentee["e1"]["mentor_id"] == "m1"
    assert by_mentee["e2"]["mentor_id"] == "m2"
    assert by_mentee["e3"]["mentor_id"] == ""
    assert "no mentor passes" in by_mentee["e3"]["reason"]
    e1 = by_mentee["e1"]
    parts = sum(
        float(e1[c])
        for c in (
            "complement_skills_wanted_skills_offered",
            "same_industry",
            "timezone_tz",
            "not_same_team",
            "shares_language_languages",
        )
    )
    assert float(e1["score"]) == pytest.approx(parts + float(e1["choice_bonus"]), abs=2e-4)
    assert e1["explanation"].endswith("Cem's 1st choice")
    printed = capsys.readouterr().out
    assert "matched" in printed
    assert "2 (66.7%)" in printed
    assert "certificate gap" in printed
    assert "certified optimal" in printed


def test_json_output(files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    people, criteria, out = files
    code = main(
        [str(people), "--criteria", str(criteria), "-o", str(out), "--json", "--mode", "stable"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "stable"
    assert data["stats"]["blocking_pairs"] == 0


def test_bad_input_writes_nothing(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    people.write_text(PEOPLE.replace("m2,mentor,1,", "m2,mentor,-3,"), encoding="utf-8")
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(people) in err
    assert "row 3" in err
    assert "'capacity'" in err
    assert "'-3'" in err
    assert not out.exists()
    assert list(out.parent.glob(".matches.csv*")) == []


def test_bad_profile_value_names_the_row(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    people.write_text(PEOPLE.replace(",-5,de", ",nowhere,de"), encoding="utf-8")
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "row 6" in err
    assert "'tz'" in err
    assert "'nowhere'" in err
    assert not out.exists()


def test_unknown_criterion_column(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    criteria.write_text(CRITERIA + '\n[[criteria]]\nkind = "same"\nfield = "city"\nweight = 1\n')
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(people) in err
    assert "'city'" in err
    assert "unknown column" in err


def test_locks_and_infeasible_lock(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    locks = out.parent / "locks.csv"
    locks.write_text("mentee_id,mentor_id\ne3,m2\n", encoding="utf-8")
    assert (
        main([str(people), "--criteria", str(criteria), "-o", str(out), "--locked", str(locks)])
        == 2
    )
    err = capsys.readouterr().err
    assert "e3 -> m2" in err
    assert "not_same_team" in err
    assert not out.exists()
    locks.write_text("mentee_id,mentor_id\ne2,m1\n", encoding="utf-8")
    people.write_text(
        PEOPLE.replace(
            "healthcare,red,,negotiation;public speaking;writing,2,en",
            "healthcare,red,,negotiation;public speaking;writing,2,en;fr",
        )
    )
    assert (
        main([str(people), "--criteria", str(criteria), "-o", str(out), "--locked", str(locks)])
        == 0
    )
    rows = {r["mentee_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["e2"]["mentor_id"] == "m1"
    assert rows["e2"]["locked"] == "yes"


def test_groups_mode(files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    people, criteria, out = files
    assert (
        main(
            [str(people), "--criteria", str(criteria), "-o", str(out), "--mode", "groups", "--json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {g["mentor_id"] for g in data["groups"]} == {"m1", "m2"}


def test_progress_bar_on_long_runs(
    files: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tandem.matching.cli as cli

    people, criteria, out = files
    monkeypatch.setattr(cli, "PROGRESS_PAIRS", 0)
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 0
    assert "scoring" in capsys.readouterr().err
    monkeypatch.setattr(cli, "PROGRESS_PAIRS", 10**9)
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 0
    assert "scoring" not in capsys.readouterr().err


def test_empty_side_is_reported(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    people, criteria, out = files
    people.write_text("\n".join(PEOPLE.splitlines()[:3]) + "\n", encoding="utf-8")  # mentors only
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 0
    assert "no mentees" in capsys.readouterr().out


def test_matches_csv_neutralises_ids_that_start_a_formula(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "id,role,capacity,industry\n=m1,mentor,1,x\n@e1,mentee,,x\n", encoding="utf-8"
    )
    criteria = tmp_path / "criteria.toml"
    criteria.write_text(
        '[[criteria]]\nkind = "same"\nfield = "industry"\nweight = 1\n', encoding="utf-8"
    )
    out = tmp_path / "matches.csv"
    assert main([str(people), "--criteria", str(criteria), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (rows[0]["mentee_id"], rows[0]["mentor_id"]) == ("'@e1", "'=m1")
