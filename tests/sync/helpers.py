"""Reading back what a pull stored, and which of its processes still run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from chips.db.schema import attachments, submissions
from tests.reliability.figures import report


def held(engine, source: str) -> dict[str, str]:
    """source_ref -> current instanceID of the submissions a source left current."""
    with engine.connect() as conn:
        rows = conn.execute(select(submissions.c.source_ref, submissions.c.instance_id).where(
            submissions.c.source == source, submissions.c.state == "current")).all()
    out: dict[str, str] = {}
    for ref, iid in rows:
        assert ref not in out, f"two current versions of {ref}"
        out[ref] = iid
    return out


def count_rows(engine, source: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(submissions)
                            .where(submissions.c.source == source)).scalar_one()


def present_files(engine, source: str) -> dict[str, set[str]]:
    """instanceID -> names of the attachments stored with their bytes."""
    with engine.connect() as conn:
        rows = conn.execute(select(submissions.c.instance_id, attachments.c.name)
                            .join(attachments, attachments.c.submission_id == submissions.c.id)
                            .where(submissions.c.source == source, attachments.c.present.is_(True))).all()
    out: dict[str, set[str]] = {}
    for iid, name in rows:
        out.setdefault(iid, set()).add(name)
    return out


def report_pull(test: str, engine, source: str, expected: dict[str, str], *, requests: int, faults: int) -> None:
    """The figures line of a pull under faults (tests/reliability/figures.py): what the
    server holds against what the store holds current, compared submission by submission."""
    got = held(engine, source)
    lost = sum(1 for ref, iid in expected.items() if got.get(ref) != iid)
    unexpected = sum(1 for ref in got if ref not in expected)
    report(test, requests=requests, faults=faults, submissions=len(expected), lost=lost, unexpected=unexpected)


def page_readers(parent: int | None = None) -> set[int]:
    """The page readers (``python -m sync.page_worker``) still running, of ``parent`` when
    given (Linux: read from /proc; a zombie has ended)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue   # ended meanwhile
        if state != "Z" and b"sync.page_worker" in cmdline and (parent is None or int(ppid) == parent):
            found.add(int(entry.name))
    return found
