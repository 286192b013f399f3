"""ODK Validate: the JavaRosa form parser of ODK Collect, run on our built XForms.

The jar ships inside pyxform (``pyxform/validators/odk_validate/bin/ODK_Validate.jar``) and
needs Java. We call it ourselves rather than through ``pyxform.convert(validate=True)`` so
that every form's verdict and output can be shown, problems can be traced back to the
sheet and row of the source, and the forms can be checked in parallel.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyxform

from forms.problems import Problem
from forms.source import node_rows, read_sheets

VALIDATE_JAR = Path(pyxform.__file__).resolve().parent / "validators" / "odk_validate" / "bin" / "ODK_Validate.jar"
TIMEOUT_SECONDS = 120

JAVA_MISSING = (
    "Java was not found, and ODK Validate (the JavaRosa engine of ODK Collect) needs it. "
    "Install Java 17 or newer (Debian/Ubuntu: `apt-get install default-jre-headless`); "
    "`make test` and `make demo` install it when it is missing."
)


class ValidatorUnavailable(Exception):
    """Java or the ODK Validate jar is missing; the message says what to install."""


@dataclass(frozen=True)
class ValidateResult:
    form: str
    xml_path: Path
    valid: bool
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]
    output: str  # what ODK Validate printed, stdout then stderr


def java_path() -> str:
    java = shutil.which("java")
    if java is None:
        raise ValidatorUnavailable(JAVA_MISSING)
    if not VALIDATE_JAR.is_file():
        raise ValidatorUnavailable(f"ODK Validate is missing from pyxform: {VALIDATE_JAR} (reinstall pyxform)")
    return java


# A JavaRosa stack frame, or the "which files failed" summary that follows the error.
_NOISE = re.compile(r"^\s*(at |\.\.\. \d+ more|Caused by: java|The following files failed|Result:|Validating:|>>)")
_EXCEPTION_PREFIX = re.compile(r"^(?:[a-z]+\.)+[A-Za-z]+(?:Exception|Error):\s*")
_NODE = re.compile(r"(/[A-Za-z_][\w.-]*(?:/[A-Za-z_][\w.-]*)+)")


def _messages(stderr: str, xml_path: Path) -> list[str]:
    messages = []
    for line in stderr.splitlines():
        text = line.strip()
        if not text or _NOISE.match(line) or text == str(xml_path):
            continue
        messages.append(_EXCEPTION_PREFIX.sub("", text))
    return messages


def _problem(form: str, message: str, source: Path | None) -> Problem:
    """Attach the sheet and row of the first XForm node the message names."""
    if source is not None and source.is_file():
        rows = node_rows(read_sheets(source.read_text(encoding="utf-8", errors="replace")))
        for path in _NODE.findall(message):
            # a node inside a repeat may be written /data/members[1]/dob
            row = rows.get(re.sub(r"\[\d+\]", "", path))
            if row is not None:
                return Problem(form=form, sheet="survey", row=row.row, line=row.line,
                               source=str(source), message=message)
    return Problem(form=form, message=message, source=str(source) if source else None)


def validate_xform(xml_path: Path, form: str | None = None, source: Path | None = None) -> ValidateResult:
    """Run ODK Validate on one XForm; ValidatorUnavailable when Java is missing."""
    xml_path = Path(xml_path)
    form = form or xml_path.stem
    java = java_path()
    try:
        proc = subprocess.run(
            [java, "-Djava.awt.headless=true", "-jar", str(VALIDATE_JAR), str(xml_path)],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        problem = Problem(form=form, message=f"ODK Validate did not finish within {TIMEOUT_SECONDS} s")
        return ValidateResult(form, xml_path, False, (problem,), (), "")
    output = (proc.stdout or "") + (proc.stderr or "")
    messages = _messages(proc.stderr or "", xml_path)
    if proc.returncode == 0 and "Xform is valid" in (proc.stdout or ""):
        return ValidateResult(form, xml_path, True, (), tuple(messages), output)
    problems = tuple(_problem(form, m, source) for m in messages) or (
        Problem(form=form, message=f"ODK Validate failed (exit status {proc.returncode}) without a message"),)
    return ValidateResult(form, xml_path, False, problems, (), output)


def validate_many(items: list[tuple[Path, str, Path | None]], workers: int = 4) -> list[ValidateResult]:
    """Validate several XForms at once (one JVM each); results in the order given."""
    java_path()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda item: validate_xform(*item), items))
