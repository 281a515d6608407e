"""Spreadsheets Tandem hands out: CSV and XLSX writers that never produce a live formula.

A value people wrote ("=HYPERLINK(…)", "+1 555", "@SUM(…)") would be run as a formula by the
spreadsheet program that opens an export. Every export goes through :func:`write_csv` or
:func:`write_xlsx`: a text value starting with ``= + - @``, a tab or a carriage return gets a
leading single quote, and every XLSX cell is written as a string (``data_type 's'``), so no
cell is ever a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

#: What makes Excel, LibreOffice and Google Sheets read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell's text, with a leading ``'`` when it would otherwise start a formula.

    Numbers are written as they are (``-3`` is a number, not a formula); any text is checked.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_row(row: Iterable[Any]) -> list[str]:
    return [neutralise(value) for value in row]


def write_csv(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    """CSV (UTF-8, with a BOM so that Excel reads the accents right by default)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_xlsx(rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """One worksheet; every cell a string, never a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    for row in rows:
        cells = []
        for text in safe_row(row):
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def restore(text: str) -> str:
    """The value an export neutralised, read back: ``'=SUM(A1)`` → ``=SUM(A1)``.

    Imports call this, so a file exported by Tandem imports back unchanged.
    """
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
