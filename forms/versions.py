"""The versions lock: a form's version must change whenever its source changes.

ODK Collect and Central cache a form by (form_id, version); a changed form under an old
version never reaches the phones. ``forms/versions.lock`` records, per form, the version
and the sha256 of its source. A source whose hash changed while its version did not is
an error, and ``chips forms lock`` refuses to record it, so the lock cannot be used to
silence the check.
"""

from __future__ import annotations

import json
from pathlib import Path

from forms.catalog import VERSIONS_LOCK, FormInfo
from forms.problems import Problem


def read_lock(path: Path = VERSIONS_LOCK) -> dict[str, dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object form_id -> {{version, sha256}}")
    return data


def _unchanged_version(info: FormInfo, entry: dict[str, str]) -> bool:
    return entry.get("sha256") != info.sha256 and str(entry.get("version")) == info.version


def check_lock(catalog: list[FormInfo], lock: dict[str, dict[str, str]]) -> list[Problem]:
    problems = []
    for info in catalog:
        entry = lock.get(info.form_id)
        if entry is None:
            problems.append(Problem(form=info.form_id, sheet="settings", source=str(info.source),
                                    message="not in forms/versions.lock: run `chips forms lock`"))
        elif _unchanged_version(info, entry):
            problems.append(Problem(
                form=info.form_id, sheet="settings", source=str(info.source),
                message=f"the source changed but its version is still {info.version}: raise `version` "
                        "in the settings sheet (YYYYMMDDNN), then run `chips forms lock`"))
        elif entry.get("sha256") != info.sha256 or str(entry.get("version")) != info.version:
            problems.append(Problem(form=info.form_id, sheet="settings", source=str(info.source),
                                    message=f"version {info.version} is not recorded in forms/versions.lock "
                                            f"(it has {entry.get('version')}): run `chips forms lock`"))
    known = {info.form_id for info in catalog}
    for form_id in sorted(set(lock) - known):
        problems.append(Problem(form=form_id, message="in forms/versions.lock but no such form: run `chips forms lock`"))
    return problems


def updated_lock(catalog: list[FormInfo], lock: dict[str, dict[str, str]]) -> tuple[dict, list[Problem]]:
    """The lock for the current sources, or the problems that forbid writing it."""
    problems = [
        Problem(form=info.form_id, sheet="settings", source=str(info.source),
                message=f"the source changed but its version is still {info.version}: raise `version` first")
        for info in catalog
        if info.form_id in lock and _unchanged_version(info, lock[info.form_id])
    ]
    new = {info.form_id: {"version": info.version, "sha256": info.sha256}
           for info in sorted(catalog, key=lambda i: i.form_id)}
    return new, problems


def write_lock(lock: dict, path: Path = VERSIONS_LOCK) -> None:
    Path(path).write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n", encoding="utf-8")
