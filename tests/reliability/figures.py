"""Each reliability test reports one line of figures, so a CI log shows what was tried.

pytest captures what a passing test prints, so the lines are also kept here and written
at the end of the run, in a section of pytest's own summary (``tests/conftest.py``,
``pytest_terminal_summary``): the log of every run ends with what was tried and lost.
"""

from __future__ import annotations

LINES: list[str] = []


def report(test: str, **figures) -> None:
    parts = " ".join(f"{k.replace('_', ' ')}: {v}" for k, v in figures.items())
    line = f"{test}: {parts}"
    LINES.append(line)
    print(f"\n[reliability] {line}", flush=True)
