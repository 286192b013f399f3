"""Each reliability test prints one line of figures, so a CI log shows what was tried."""

from __future__ import annotations


def report(test: str, **figures) -> None:
    parts = " ".join(f"{k.replace('_', ' ')}: {v}" for k, v in figures.items())
    print(f"\n[reliability] {test}: {parts}", flush=True)
