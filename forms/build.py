"""Building the XLSForm sources into XForms (pyxform) and spreadsheets (.xlsx).

``build_all(out_dir)`` writes ``<form_id>.xml`` and ``<form_id>.xlsx`` for every source and
needs no Java: ODK Validate runs separately (``forms.validate``), so the server can build
the forms at start-up on a machine without Java.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import md_table_to_workbook
from pyxform.xls2xform import convert

from forms.catalog import FormInfo, read_form_info, sources
from forms.problems import FormError, Problem
from forms.source import line_of, read_sheets


@dataclass(frozen=True)
class BuiltForm:
    form_id: str
    version: str
    title: str
    source: Path
    xml_path: Path
    xlsx_path: Path | None
    warnings: tuple[str, ...]
    info: FormInfo


# pyxform's messages start with "[row : 12] On the 'survey' sheet, …" (pyxform/errors.py)
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_SHEET = re.compile(r"[Oo]n the '([A-Za-z_]+)' sheet")


def problem_from_pyxform(form: str, source: Path, message: str) -> Problem:
    row_match, sheet_match = _ROW.search(message), _SHEET.search(message)
    row = int(row_match.group(1)) if row_match else None
    sheet = sheet_match.group(1) if sheet_match else None
    line = None
    if row and sheet:
        line = line_of(read_sheets(source.read_text(encoding="utf-8", errors="replace")), sheet, row)
    return Problem(form=form, sheet=sheet, row=row, line=line, source=str(source), message=message.strip())


def convert_source(source: Path) -> tuple[str, list[str]]:
    """The XForm text of one source and pyxform's warnings; FormError when it is broken."""
    source = Path(source)
    try:
        result = convert(xlsform=str(source), validate=False, pretty_print=True)
    except PyXFormError as exc:
        raise FormError([problem_from_pyxform(source.stem, source, str(exc))]) from None
    except Exception as exc:  # noqa: BLE001 - pyxform fails on some inputs with plain errors
        raise FormError([Problem(form=source.stem, source=str(source),
                                 message=f"pyxform could not read the form ({type(exc).__name__}: {exc})")]) from None
    return result.xform, list(result.warnings or [])


def write_xlsx(source: Path, path: Path) -> None:
    """The same XLSForm as a spreadsheet, for people who upload to Central or Kobo by hand."""
    workbook = md_table_to_workbook(Path(source).read_text(encoding="utf-8"))
    workbook.save(str(path))


def build_one(source: Path, out_dir: Path, *, xlsx: bool = True) -> BuiltForm:
    source, out_dir = Path(source), Path(out_dir)
    info = read_form_info(source)
    xform, warnings = convert_source(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    xml_path = out_dir / f"{info.form_id}.xml"
    tmp = xml_path.with_suffix(".xml.tmp")
    tmp.write_text(xform, encoding="utf-8")
    tmp.replace(xml_path)  # readers (the server) never see half a form
    xlsx_path = None
    if xlsx:
        xlsx_path = out_dir / f"{info.form_id}.xlsx"
        write_xlsx(source, xlsx_path)
    return BuiltForm(form_id=info.form_id, version=info.version, title=info.title, source=source,
                     xml_path=xml_path, xlsx_path=xlsx_path, warnings=tuple(warnings), info=info)


def build_all(out_dir: Path, source_dir: Path | None = None, *, xlsx: bool = True) -> list[BuiltForm]:
    """Build every form; FormError lists the problems of all broken forms at once."""
    built: list[BuiltForm] = []
    problems: list[Problem] = []
    for source in sources(source_dir):
        try:
            built.append(build_one(source, out_dir, xlsx=xlsx))
        except FormError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FormError(problems)
    return built
