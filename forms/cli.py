"""``chips forms``: build, check, list and lock the XLSForms in ``forms/xlsform``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from forms.build import build_all, build_one
from forms.catalog import SOURCE_DIR, VERSIONS_LOCK, load_catalog
from forms.problems import FormError, Problem
from forms.validate import VALIDATE_JAR, ValidatorUnavailable, validate_many
from forms.versions import check_lock, read_lock, updated_lock, write_lock

sources_option = click.option(
    "--sources", "source_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=f"Directory of the markdown XLSForms (default: {SOURCE_DIR}).")


def _fail(problems: list[Problem], headline: str) -> click.ClickException:
    lines = [headline] + [f"  - {p}" for p in problems]
    return click.ClickException("\n".join(lines))


def _catalog(source_dir: Path | None):
    if source_dir is not None and not source_dir.is_dir():
        raise click.ClickException(f"no such directory: {source_dir}")
    try:
        catalog = load_catalog(source_dir)
    except FormError as exc:
        raise _fail(exc.problems, "cannot read the forms:") from None
    if not catalog:
        raise click.ClickException(f"no forms (*.md) in {source_dir or SOURCE_DIR}")
    return catalog


def _validate_version() -> str:
    """The ODK Validate release shipped with pyxform, to show which validator ran."""
    try:
        return json.loads((VALIDATE_JAR.parent / "installed.json").read_text())["tag_name"]
    except (OSError, ValueError, KeyError):
        return "unknown version"


@click.group("forms")
def forms_group() -> None:
    """Build, check and list the XLSForms (pyxform, ODK Validate)."""


@forms_group.command("list")
@sources_option
def list_command(source_dir: Path | None) -> None:
    """Print id, version and title of every form, and the entity lists it uses."""
    catalog = _catalog(source_dir)
    width = max(len(f.form_id) for f in catalog)
    for f in catalog:
        lists = []
        if f.creates:
            lists.append("creates " + ", ".join(f.creates))
        if f.consumes:
            lists.append("reads " + ", ".join(f.consumes))
        extra = f"  [{'; '.join(lists)}]" if lists else ""
        click.echo(f"{f.form_id:<{width}}  {f.version}  {f.title}{extra}")


@forms_group.command("build")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for <form_id>.xml and <form_id>.xlsx (created if missing).")
@click.option("--xlsx/--no-xlsx", default=True, show_default=True, help="Also write the .xlsx spreadsheets.")
@sources_option
def build_command(out_dir: Path, xlsx: bool, source_dir: Path | None) -> None:
    """Convert every XLSForm with pyxform into DIR/<form_id>.xml (and .xlsx)."""
    _catalog(source_dir)
    try:
        built = build_all(out_dir, source_dir, xlsx=xlsx)
    except FormError as exc:
        raise _fail(exc.problems, "pyxform could not convert:") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    for b in built:
        files = [str(b.xml_path)] + ([str(b.xlsx_path)] if b.xlsx_path else [])
        click.echo(f"{b.form_id} {b.version}: {', '.join(files)}")
        for warning in b.warnings:
            click.echo(f"  warning: {warning}")
    click.echo(f"{len(built)} forms built in {out_dir}")


@forms_group.command("check")
@sources_option
@click.option("--lock", "lock_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Versions lock to check against (default: forms/versions.lock for the project's forms, "
                   "none for --sources).")
@click.option("--verbose", "-v", is_flag=True, help="Print ODK Validate's full output for every form.")
def check_command(source_dir: Path | None, lock_path: Path | None, verbose: bool) -> None:
    """Convert every form and run ODK Validate on it; fail with form, sheet and row of each problem."""
    catalog = _catalog(source_dir)
    problems: list[Problem] = []

    if lock_path is None and source_dir is None:
        lock_path = VERSIONS_LOCK
    if lock_path is not None:
        try:
            lock_problems = check_lock(catalog, read_lock(lock_path))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        problems.extend(lock_problems)
        click.echo(f"versions lock {lock_path}: {'ok' if not lock_problems else 'OUT OF DATE'}")

    with tempfile.TemporaryDirectory(prefix="chips-forms-") as tmp:
        built = []
        for info in catalog:
            try:
                built.append(build_one(info.source, Path(tmp), xlsx=False))
            except FormError as exc:
                problems.extend(exc.problems)
                click.echo(f"{info.form_id} {info.version}: pyxform FAILED")
        try:
            results = validate_many([(b.xml_path, b.form_id, b.source) for b in built])
        except ValidatorUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        validator = f"ODK Validate {_validate_version()}"
        for b, result in zip(built, results):
            verdict = "valid" if result.valid else "INVALID"
            click.echo(f"{b.form_id} {b.version}: {validator}: {verdict}")
            for warning in result.warnings:
                click.echo(f"  warning: {warning}")
            if verbose:
                click.echo("    " + result.output.strip().replace("\n", "\n    "))
            problems.extend(result.problems)

    if problems:
        raise _fail(problems, f"{len(problems)} problem(s):")
    click.echo(f"all {len(catalog)} forms are valid")


@forms_group.command("lock")
@sources_option
@click.option("--lock", "lock_path", type=click.Path(dir_okay=False, path_type=Path), default=VERSIONS_LOCK,
              show_default=True, help="Versions lock file to write.")
def lock_command(source_dir: Path | None, lock_path: Path) -> None:
    """Record each form's version and source hash in the versions lock."""
    catalog = _catalog(source_dir)
    try:
        new, problems = updated_lock(catalog, read_lock(lock_path))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if problems:
        raise _fail(problems, "not written:")
    write_lock(new, lock_path)
    for form_id, entry in new.items():
        click.echo(f"{form_id} {entry['version']} {entry['sha256'][:12]}")
    click.echo(f"wrote {lock_path}")


# Publishing talks to ODK Central and KoboToolbox, so it lives with their clients in sync/.
from sync.cli import publish_command  # noqa: E402

forms_group.add_command(publish_command, "publish")
