"""Exports never hand a spreadsheet program a live formula."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tandem.core.spreadsheets import FORMULA_TRIGGERS, neutralise, restore, write_csv, write_xlsx
from tandem.matching import io as matching_io

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1 555", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_text_that_starts_a_formula_gets_a_leading_quote(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


def test_numbers_and_plain_text_are_written_as_they_are() -> None:
    assert [neutralise(v) for v in [-3, 2.5, "O'Neill", "", None, True]] == [
        "-3",
        "2.5",
        "O'Neill",
        "",
        "",
        "yes",
    ]
    assert restore("'quoted'") == "'quoted'"


def test_csv_cells_are_neutralised() -> None:
    rows = list(csv.reader(io.StringIO(write_csv([["name"], ["=1+1"]]).decode("utf-8-sig"))))
    assert rows == [["name"], ["'=1+1"]]


def test_xlsx_cells_are_strings_never_formulas() -> None:
    content = write_xlsx([["name", "years"], ["=1+1", 3]], title="People")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [(cell.value, cell.data_type) for cell in cells] == [
        ("name", "s"),
        ("years", "s"),
        ("'=1+1", "s"),
        ("3", "s"),
    ]


def test_the_matching_engine_uses_the_same_triggers() -> None:
    """The engine imports nothing of Tandem, so it keeps its own copy: the two must agree."""
    assert matching_io.FORMULA_TRIGGERS == FORMULA_TRIGGERS
