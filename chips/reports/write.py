"""Write a header and rows as CSV or XLSX, streaming (openpyxl's write-only mode)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import IO, Iterable, Sequence

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    return value


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence]) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, (date, datetime)) else v) for v in row])
        n += 1
    return n


def write_xlsx(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence], sheet: str = "data",
               notes: Sequence[tuple[str, str]] = ()) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append(list(header))
    n = 0
    for row in rows:
        ws.append([_cell(v) for v in row])
        n += 1
    if notes:
        about = wb.create_sheet("about")
        for key, value in notes:
            about.append([key, value])
    wb.save(out)
    return n


def render(fmt: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = "data",
           notes: Sequence[tuple[str, str]] = ()) -> bytes:
    """The whole file as bytes (for a download or ``--out``)."""
    if fmt == "csv":
        buf = io.StringIO()
        write_csv(buf, header, rows)
        # a BOM so that Excel opens the Indonesian text as UTF-8
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        buf = io.BytesIO()
        write_xlsx(buf, header, rows, sheet, notes)
        return buf.getvalue()
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
