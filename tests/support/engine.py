"""Fill a built XForm with ODK's web-forms engine and get the submission it would send.

``fill(xform_path, answers, attachments)`` runs ``tests/engine/fill.mjs`` under Node with
``@getodk/xforms-engine`` (the engine of ODK Web Forms / Central's web forms), sets the
answers in order, and returns the serialized submission XML and every computed value, so
that tests check the forms' own calculations rather than a Python copy of them.

Answer paths are relative to the form's root, as in ``forms/README.md``:
``"location/village"``, ``"/data/location/village"`` works too. A repeat instance is
``"members[2]/dob"`` (1-based; instances are created as they are first named). Values
are XForm strings: ``"2026-11-24"``, ``"2026-11-24T09:30:00.000+07:00"``, geopoints
``"lat lon alt acc"``, select_multiple answers space-separated. Order matters: a question
only accepts an answer once the answers before it make it relevant. For an image question
the value is a local file path; the file is attached to the submission and comes back in
``EngineResult.files``.

``attachments`` are the form's media files, e.g. the entity lists a follow-up form reads:
``{"households.csv": b"name,label,village\\n…"}`` (bytes, or a path to read).
``fill_many`` runs several fills in one Node process (one start-up, each form parsed once).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

ENGINE_DIR = Path(__file__).resolve().parents[1] / "engine"
SCRIPT = ENGINE_DIR / "fill.mjs"
TIMEOUT_SECONDS = 300

Answers = Mapping[str, str] | Sequence[tuple[str, str]]


class EngineUnavailable(RuntimeError):
    """Node or the engine's node_modules are missing; the message says how to install them."""


class EngineError(RuntimeError):
    """The engine could not load the form, or an answer could not be set."""


@dataclass(frozen=True)
class Violation:
    path: str
    condition: str  # "required" or "constraint"
    message: str


@dataclass(frozen=True)
class EngineResult:
    xml: bytes  # the submission XML as the engine serializes it
    values: dict[str, str]  # every relevant leaf: path -> value (repeats as name[n]/…)
    valid: bool  # no required answer missing and no constraint violated
    violations: tuple[Violation, ...] = ()
    files: dict[str, bytes] = field(default_factory=dict)  # submission attachments

    def __getitem__(self, path: str) -> str:
        return self.values[path]


@dataclass(frozen=True)
class FillJob:
    xform_path: Path | str
    answers: Answers
    attachments: Mapping[str, Path | str | bytes] | None = None


MIN_NODE = (20, 19)  # @getodk/xforms-engine 0.22.0 declares node ^20.19.3 || ^22.12 || ^24.11


@functools.cache
def _check_version(node: str) -> None:
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    parts = tuple(int(x) for x in version.lstrip("v").split(".")[:2] if x.isdigit())
    if parts < MIN_NODE:
        raise EngineUnavailable(f"Node {version} is too old for @getodk/xforms-engine: install Node 20.19 or newer")


def _node(engine_dir: Path | None = None) -> str:
    engine_dir = engine_dir or ENGINE_DIR
    node = shutil.which("node")
    if node is None:
        raise EngineUnavailable("Node.js is not installed; `make test` installs it (scripts/ensure-runtime.sh --tests)")
    _check_version(node)
    if not (engine_dir / "node_modules" / "@getodk" / "xforms-engine").is_dir():
        raise EngineUnavailable(
            f"the XForm engine is not installed in {engine_dir}/node_modules: run "
            f"`cd {engine_dir} && npm ci` (`make test` does it via scripts/ensure-runtime.sh --tests)")
    return node


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _read(value: Path | str | bytes) -> bytes:
    return value if isinstance(value, bytes) else Path(value).read_bytes()


def _job(job: FillJob) -> dict:
    answers = list(job.answers.items()) if isinstance(job.answers, Mapping) else [tuple(a) for a in job.answers]
    files: dict[str, str] = {}
    for _, value in answers:
        # an image answer is a path to a local file
        if isinstance(value, str) and os.sep in value and Path(value).is_file():
            files[value] = _b64(Path(value).read_bytes())
    return {
        "form": str(Path(job.xform_path).resolve()),
        "answers": [[str(p), "" if v is None else str(v)] for p, v in answers],
        "attachments": {name: _b64(_read(v)) for name, v in (job.attachments or {}).items()},
        "files": files,
        "preload": {"deviceID": "chips-test-engine", "username": "chips-tests"},
    }


def fill_many(jobs: Iterable[FillJob]) -> list[EngineResult]:
    jobs = list(jobs)
    if not jobs:
        return []
    node = _node()
    payload = json.dumps([_job(j) for j in jobs])
    try:
        proc = subprocess.run([node, str(SCRIPT)], input=payload, capture_output=True, text=True,
                              cwd=ENGINE_DIR, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise EngineError(f"the XForm engine did not finish {len(jobs)} fill(s) within {TIMEOUT_SECONDS} s") from None
    if proc.returncode != 0:
        raise EngineError(f"the XForm engine failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    try:
        raw = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise EngineError(f"the XForm engine printed no JSON: {proc.stdout[:500]!r} {proc.stderr[-1000:]!r}") from None
    results = []
    for job, item in zip(jobs, raw):
        if not item.get("ok"):
            raise EngineError(f"{Path(job.xform_path).name}: {item.get('error')}")
        results.append(EngineResult(
            xml=item["xml"].encode("utf-8"),
            values=dict(item["values"]),
            valid=bool(item["valid"]),
            violations=tuple(Violation(**v) for v in item["violations"]),
            files={name: base64.b64decode(data) for name, data in item["files"].items()},
        ))
    return results


def fill(xform_path: Path | str, answers: Answers,
         attachments: Mapping[str, Path | str | bytes] | None = None) -> EngineResult:
    """Fill one form; see the module docstring for paths, values and attachments."""
    return fill_many([FillJob(xform_path, answers, attachments)])[0]
