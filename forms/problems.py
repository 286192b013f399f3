"""What goes wrong with a form, said so a person can find it in the source.

pyxform and ODK Validate report spreadsheet coordinates (sheet and row, the header being
row 1) or XForm node paths; the sources are markdown tables, so each problem also carries
the line of the ``.md`` file where that row is written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    form: str  # form_id, or the source file name when the id cannot be read
    message: str
    sheet: str | None = None
    row: int | None = None
    line: int | None = None  # line in the markdown source
    source: str | None = None  # path of the source, for the reader

    def where(self) -> str:
        parts = [self.form]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.line and self.source:
            parts.append(f"{self.source}:{self.line}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class FormError(Exception):
    """One or more problems that stop a form from being built or accepted."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
