"""The forms of the project, as their sources say: id, version, title, entity lists.

Everything here is read from ``forms/xlsform/<form_id>.md`` (the settings sheet, the
entities sheet and the ``select_one_from_file`` questions), so nothing is written twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from forms.problems import FormError, Problem
from forms.source import read_sheets

SOURCE_DIR = Path(__file__).resolve().parent / "xlsform"
VERSIONS_LOCK = Path(__file__).resolve().parent / "versions.lock"


@dataclass(frozen=True)
class FormInfo:
    form_id: str
    version: str
    title: str
    source: Path
    sha256: str
    creates: tuple[str, ...]  # entity lists this form creates entities in
    consumes: tuple[str, ...]  # entity lists / CSV files it reads offline (without ".csv")

    @property
    def attachments(self) -> tuple[str, ...]:
        """Media files a phone needs beside the XForm (the entity lists as CSV)."""
        return tuple(f"{name}.csv" for name in self.consumes)


def read_form_info(source: Path) -> FormInfo:
    source = Path(source)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FormError([Problem(form=source.stem, message=f"cannot read {source}: {exc.strerror}")]) from None
    sheets = read_sheets(data.decode("utf-8", errors="replace"))
    settings_rows = sheets.get("settings", [])
    settings = settings_rows[0].values if settings_rows else {}
    form_id = settings.get("form_id") or settings.get("id_string") or source.stem
    problems = []
    if form_id != source.stem:
        problems.append(Problem(form=form_id, sheet="settings", row=2,
                                line=settings_rows[0].line if settings_rows else None, source=str(source),
                                message=f"form_id {form_id!r} differs from the file name {source.name!r}"))
    if not settings.get("version"):
        problems.append(Problem(form=form_id, sheet="settings", source=str(source),
                                message="the settings sheet has no version"))
    if problems:
        raise FormError(problems)
    creates = tuple(r.values["list_name"] for r in sheets.get("entities", []) if r.values.get("list_name"))
    consumes: list[str] = []
    for r in sheets.get("survey", []):
        kind = (r.values.get("type") or "").split()
        if len(kind) == 2 and kind[0] in ("select_one_from_file", "select_multiple_from_file") \
                and kind[1].endswith(".csv") and kind[1][:-4] not in consumes:
            consumes.append(kind[1][:-4])
    return FormInfo(
        form_id=form_id,
        version=str(settings["version"]),
        title=settings.get("form_title") or form_id,
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        creates=creates,
        consumes=tuple(consumes),
    )


def sources(source_dir: Path | None = None) -> list[Path]:
    return sorted(Path(source_dir or SOURCE_DIR).glob("*.md"))


def load_catalog(source_dir: Path | None = None) -> list[FormInfo]:
    """Every form in ``source_dir`` (default ``forms/xlsform``), sorted by form id."""
    problems: list[Problem] = []
    found: list[FormInfo] = []
    for path in sources(source_dir):
        try:
            found.append(read_form_info(path))
        except FormError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FormError(problems)
    return sorted(found, key=lambda f: f.form_id)


def get_form(form_id: str, source_dir: Path | None = None) -> FormInfo:
    for info in load_catalog(source_dir):
        if info.form_id == form_id:
            return info
    raise KeyError(form_id)


def form_ids(source_dir: Path | None = None) -> list[str]:
    return [f.form_id for f in load_catalog(source_dir)]
