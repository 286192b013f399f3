"""Load the demo into a database: forms, sample area layers, the programme, logins.

Everything the programme holds goes in through ``chips.ingest.ingest`` as submissions of
the published forms (never into the domain tables directly), in a few large transactions.
The demo's "now" and seed are kept in ``<instance>/demo.json`` so that a second run makes
the very same submissions, which ingest then recognises as duplicates: nothing doubles.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from chips import formdefs
from chips.db import schema
from chips.demo.generate import DEFAULT_SEED, WIB, Programme, generate
from chips.demo.submissions import FormTemplate, placeholder_photo, programme_submissions
from chips.ingest import IngestError, ingest_many
from chips.submission import AttachmentIn, Submission

SOURCE = "demo"
BATCH = 600  # submissions per transaction: few commits (fsyncs), short enough locks
STATE_FILE = "demo.json"
USERS = (("demo", "planner"), ("admin", "admin"))


class DemoError(RuntimeError):
    """The demo cannot be loaded here; the message says why and what to do."""


@dataclass
class LoadResult:
    seed: int
    now: datetime
    statuses: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    users: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, role, password (None: unchanged)
    counts: dict[str, int] = field(default_factory=dict)
    area_classes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    layers_loaded: bool = False
    followup_steps: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # resolved follow-ups by outcome

    @property
    def created(self) -> int:
        return self.statuses.get("created", 0)


# --- state ------------------------------------------------------------------------------------


def _state_path(settings: Any) -> Path:
    return Path(settings.instance_dir) / STATE_FILE


def read_state(settings: Any) -> dict[str, Any]:
    path = _state_path(settings)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoError(f"cannot read {path}: {exc}; delete it to start a new demo") from None


def write_state(settings: Any, state: dict[str, Any]) -> None:
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # it holds the demo passwords: readable by the owner only
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=2)
    tmp.replace(path)


def _demo_submissions(conn) -> int:
    return conn.execute(select(func.count()).select_from(schema.submissions).where(schema.submissions.c.source == SOURCE)).scalar_one()


def resolve_run(settings: Any, conn, seed: int | None, now: datetime | None) -> tuple[int, datetime, dict[str, Any]]:
    """The seed and "now" of this run: those of the demo already loaded, if any."""
    state = read_state(settings)
    loaded = _demo_submissions(conn)
    if state:
        old_seed, old_now = int(state["seed"]), datetime.fromisoformat(state["now"])
        if loaded and ((seed is not None and seed != old_seed) or (now is not None and now != old_now)):
            raise DemoError(
                f"this database already holds the demo made with seed {old_seed} as of {old_now:%Y-%m-%d %H:%M %Z}; "
                f"run `chips demo` without --seed/--now to check it, or use a new CHIPS_INSTANCE_DIR for another one"
            )
        if loaded or (seed in (None, old_seed) and now is None):
            return old_seed, old_now, state
    elif loaded:
        raise DemoError(
            f"this database already holds {loaded} demo submissions but {_state_path(settings)} is missing, so the "
            "demo cannot be checked again; use a new CHIPS_INSTANCE_DIR for a fresh demo"
        )
    now = (now or datetime.now(WIB)).astimezone(WIB).replace(second=0, microsecond=0)
    return (DEFAULT_SEED if seed is None else seed), now, {}


# --- steps ----------------------------------------------------------------------------------


def _templates(conn) -> dict[str, FormTemplate]:
    return {fd.form_id: FormTemplate.from_xform(fd.xml) for fd in formdefs.current(conn)}


def _ingest_all(engine, programme: Programme, settings: Any, result: LoadResult,
                progress: Callable[[str], None]) -> None:
    photo = placeholder_photo()
    with engine.connect() as conn:
        templates = _templates(conn)
    missing = {"household_registration", "house_condition", "visit_request", "home_visit", "anc_visit"} - set(templates)
    if missing:
        raise DemoError(f"the forms {', '.join(sorted(missing))} are not published: the forms did not build")
    with engine.connect() as conn:
        held = set(conn.execute(select(schema.submissions.c.instance_id).where(schema.submissions.c.source == SOURCE)).scalars())
    pending = []
    for item in programme_submissions(programme, templates):
        if item.instance_id in held:
            # made from the same seed and "now", so the same bytes: ingest would answer "duplicate"
            result.statuses["duplicate"] = result.statuses.get("duplicate", 0) + 1
        else:
            pending.append(item)
    from chips.records import record_from_raw

    done = 0
    for start in range(0, len(pending), BATCH):
        items = pending[start:start + BATCH]
        subs = [
            Submission(
                form_id=item.form_id, form_version=templates[item.form_id].version, instance_id=item.instance_id,
                deprecated_id=None, data=record_from_raw("xml", item.xml), raw=item.xml, raw_format="xml",
                source=SOURCE, submitter=item.submitter, device_id=item.device_id, submitted_at=item.submitted_at,
                attachments=tuple(AttachmentIn(name=name, media_type="image/png", data=photo) for name in item.photos),
            )
            for item in items
        ]
        with engine.begin() as conn:
            for item, outcome in zip(items, ingest_many(conn, subs, settings)):
                if isinstance(outcome, IngestError):
                    raise outcome  # as one-by-one ingest would: the batch is not committed
                result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
                if outcome.projection_error or outcome.status in ("conflict", "unknown_form"):
                    result.failed.append(f"{item.form_id} {item.instance_id}: {outcome.projection_error or outcome.message}")
        done += len(pending[start:start + BATCH])
        progress(f"  {done}/{len(pending)} submissions ingested")


def _followup_steps(engine, programme: Programme) -> int:
    """Record the planners' steps on the findings (what the follow-up board's buttons do),
    each once: a step is taken only when it is the next one for that finding."""
    from chips.queries.followups import get, record_step
    from chips.rules.followups import NEXT_STATE

    taken = 0
    with engine.begin() as conn:
        for step in programme.followup_steps:
            key = f"{programme.surveys[step.survey].instance_id}:{step.kind}"
            current = get(conn, key)
            if current is None or NEXT_STATE.get(current.state) != step.state:
                continue
            record_step(conn, key, step.state, USERS[0][0], step.outcome, step.note, at=step.at)
            taken += 1
    return taken


def _users(engine, state: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    from server.auth import add_user

    passwords = state.setdefault("passwords", {})
    out = []
    with engine.begin() as conn:
        for name, role in USERS:
            exists = conn.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first()
            if exists is None:
                passwords[name] = passwords.get(name) or secrets.token_urlsafe(9)
                add_user(conn, name, role, passwords[name])
            out.append((name, role, passwords.get(name)))
    return out


COUNTED = (
    ("households", schema.households, None),
    ("members", schema.members, None),
    ("pregnant women", schema.members, schema.members.c.pregnant.is_(True)),
    ("children under five", schema.members, schema.members.c.is_under_five.is_(True)),
    ("elderly living alone", schema.members, schema.members.c.is_lone_elderly.is_(True)),
    ("stickers installed", schema.installations, schema.installations.c.kind == "sticker"),
    ("kenthongan installed", schema.installations, schema.installations.c.kind == "kenthongan"),
    ("pregnancies", schema.pregnancies, None),
    ("ANC visits", schema.anc_visits, None),
    ("visit requests", schema.visit_requests, None),
    ("home visits", schema.home_visits, None),
    ("house-condition surveys", schema.house_surveys, None),
    ("follow-ups (unhealthy house, no latrine, nutrition)", schema.followups, None),
)


def count_loaded(conn) -> dict[str, int]:
    counts = {}
    for label, table, where in COUNTED:
        query = select(func.count()).select_from(table)
        if where is not None:
            query = query.where(where)
        counts[label] = conn.execute(query).scalar_one()
    return counts


def _outcomes(conn) -> dict[str, int]:
    from chips.db.web_tables import followup_current

    rows = conn.execute(select(followup_current.c.outcome, func.count()).where(followup_current.c.outcome.is_not(None))
                        .group_by(followup_current.c.outcome)).all()
    return dict(rows)


def load_demo(settings: Any, *, seed: int | None = None, now: datetime | None = None,
              progress: Callable[[str], None] = lambda _msg: None) -> LoadResult:
    from chips.db.migrate import upgrade

    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    engine = upgrade(settings)
    with engine.begin() as conn:
        try:
            formdefs.build_and_publish(conn, settings)
        except ValueError as exc:
            raise DemoError(str(exc)) from None
    lap("forms")
    from maps.store import import_sample, layer_count

    with engine.begin() as conn:
        layers_loaded = layer_count(conn) == 0
        if layers_loaded:  # the user's own layers, or the sample loaded before, stay as they are
            import_sample(conn)
        seed, now, state = resolve_run(settings, conn, seed, now)
    lap("layers")
    result = LoadResult(seed=seed, now=now, layers_loaded=layers_loaded)
    programme = generate(seed, now)
    lap("generate")
    state.update(seed=seed, now=now.isoformat())
    write_state(settings, state)  # before the ingest: an interrupted load resumes with the same data
    _ingest_all(engine, programme, settings, result, progress)
    lap("ingest")
    result.followup_steps = _followup_steps(engine, programme)
    lap("follow-ups")
    from maps.refresh import refresh_household_areas
    from maps.tables import household_areas

    with engine.begin() as conn:
        refresh_household_areas(conn, settings)
    with engine.connect() as conn:
        rows = conn.execute(select(household_areas.c.area_class, func.count()).group_by(household_areas.c.area_class)).all()
        result.area_classes = {cls or "(not placed)": n for cls, n in rows}
        result.counts = count_loaded(conn)
        result.outcomes = _outcomes(conn)
    lap("classify")
    result.users = _users(engine, state)
    write_state(settings, state)
    lap("users")
    result.seconds = timings
    return result
