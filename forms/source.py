"""Reading the markdown XLSForm sources: their sheets, rows and where each row is written.

pyxform reads these files itself when it converts them; this module only answers the
questions the catalog and the error messages need (settings, entity lists, which line of
the file a sheet row is on, which survey row defines an XForm node).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The same line grammar pyxform uses for markdown XLSForms
# (pyxform/xls2json_backends.py, _md_table_to_ss_structure): a line starting with `#` is a
# comment, a table row starts with `|`, a non-empty first cell starts a new sheet, and
# `\|` is an escaped pipe inside a cell.
_COMMENT = re.compile(r"^\s*#")
_ROW = re.compile(r"\s*\|(.*)\|\s*")
_SEPARATOR = re.compile(r"^[\|-]+$")
_PIPE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class SheetRow:
    row: int  # spreadsheet row number: the header is row 1
    line: int  # 1-based line in the markdown file
    values: dict[str, str]


def _cells(text: str) -> list[str | None]:
    cells = []
    for cell in _PIPE.split(text):
        cell = cell.strip().replace(r"\|", "|")
        cells.append(cell or None)
    return cells


def read_sheets(text: str) -> dict[str, list[SheetRow]]:
    """Sheets of a markdown XLSForm: lower-case sheet name -> data rows (header excluded)."""
    sheets: dict[str, list[SheetRow]] = {}
    sheet: str | None = None
    header: list[str | None] | None = None
    row_no = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        if _COMMENT.match(line):
            continue
        match = _ROW.match(line)
        if not match or _SEPARATOR.match(match.group(1)):
            continue
        first, *rest = _cells(match.group(1))
        if first is not None:
            sheet, header, row_no = first.lower(), None, 0
            sheets.setdefault(sheet, [])
        if sheet is None or not any(c is not None for c in rest):
            continue
        row_no += 1
        if header is None:
            header = rest
            continue
        values = {h: v for h, v in zip(header, rest) if h and v is not None}
        sheets[sheet].append(SheetRow(row=row_no, line=line_no, values=values))
    return sheets


def line_of(sheets: dict[str, list[SheetRow]], sheet: str, row: int) -> int | None:
    for r in sheets.get(sheet.lower(), []):
        if r.row == row:
            return r.line
    return None


def node_rows(sheets: dict[str, list[SheetRow]], root: str = "data") -> dict[str, SheetRow]:
    """XForm node path (``/data/group/name``) -> the survey row that defines it."""
    paths: dict[str, SheetRow] = {}
    stack = [f"/{root}"]
    for r in sheets.get("survey", []):
        kind = (r.values.get("type") or "").strip()
        name = r.values.get("name")
        if kind in ("end_group", "end group", "end_repeat", "end repeat"):
            if len(stack) > 1:
                stack.pop()
            continue
        if not name:
            continue
        path = f"{stack[-1]}/{name}"
        paths[path] = r
        if kind in ("begin_group", "begin group", "begin_repeat", "begin repeat"):
            stack.append(path)
    return paths
