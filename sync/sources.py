"""Named sources from the settings: ``[sources.NAME]`` tables.

Secrets never come from the command line (it ends up in shell history and ``ps``): each
source names an environment variable (``password_env`` / ``token_env``) or a file
(``password_file`` / ``token_file``), and by default ``CHIPS_SOURCE_<NAME>_PASSWORD`` or
``…_TOKEN`` is read.

    [sources.sempu]
    type = "central"
    url = "https://central.example.org"
    project = 1
    forms = ["registration", "home_visit"]    # omit for every form of the project
    email = "sync@example.org"                # password from CHIPS_SOURCE_SEMPU_PASSWORD

    [sources.kobo]
    type = "kobo"
    url = "https://kf.kobotoolbox.org"
    assets = { aBcD123 = "registration" }     # asset uid -> our form id (or a list of uids)
    listing_every_minutes = 0                 # 0: check edits/deletions on every sync
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from chips.settings import Settings, SettingsError

DEFAULTS: dict[str, Any] = {
    "page_size": 1000,          # Kobo cuts any larger limit to 1000 (kpi/paginators.py)
    "timeout": 60.0,            # seconds, connect and read
    "retries": 6,               # attempts for one request before the source stops
    "backoff": 1.0,             # seconds, doubled each attempt, capped at backoff_cap
    "backoff_cap": 60.0,
    "listing_every_minutes": 0,
    "verify_tls": True,
}


@dataclass(frozen=True)
class Source:
    name: str
    type: str                      # "central" or "kobo"
    url: str
    project: int | None = None     # Central project id
    forms: tuple[str, ...] = ()    # Central xmlFormIds; empty means all forms of the project
    assets: Mapping[str, str] = field(default_factory=dict)  # Kobo uid -> form id
    email: str | None = None
    password: str | None = None
    token: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def opt(self, key: str) -> Any:
        return self.options.get(key, DEFAULTS[key])

    def __repr__(self) -> str:  # never print secrets in a traceback or a log
        return f"Source(name={self.name!r}, type={self.type!r}, url={self.url!r})"


def _env_name(source: str, what: str) -> str:
    return "CHIPS_SOURCE_" + re.sub(r"[^A-Za-z0-9]", "_", source).upper() + "_" + what.upper()


def _secret(name: str, table: Mapping[str, Any], what: str, environ: Mapping[str, str],
            base: Path) -> str | None:
    if what in table:
        raise SettingsError(
            f"[sources.{name}] must not hold the {what} itself: use {what}_env or {what}_file")
    env_key = table.get(f"{what}_env")
    if env_key:
        if env_key not in environ:
            raise SettingsError(f"[sources.{name}] {what}_env names {env_key}, which is not set")
        return environ[env_key]
    file_name = table.get(f"{what}_file")
    if file_name:
        path = Path(file_name).expanduser()
        path = path if path.is_absolute() else base / path
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise SettingsError(f"[sources.{name}] cannot read {what}_file {path}: {exc.strerror}") from None
    return environ.get(_env_name(name, what))


def load_sources(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, Source]:
    env = os.environ if environ is None else environ
    tables = settings.section("sources", {})
    base = settings.config_file.parent if settings.config_file else settings.instance_dir
    out: dict[str, Source] = {}
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            raise SettingsError(f"[sources.{name}] must be a table")
        kind = table.get("type")
        if kind not in ("central", "kobo"):
            raise SettingsError(f"[sources.{name}] type must be \"central\" or \"kobo\", not {kind!r}")
        url = str(table.get("url") or "").rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"[sources.{name}] url must start with http:// or https://")
        options = {k: table[k] for k in DEFAULTS if k in table}
        if kind == "central":
            if "project" not in table:
                raise SettingsError(f"[sources.{name}] needs the Central project id (project = 1)")
            forms = table.get("forms") or ()
            if isinstance(forms, str):
                forms = () if forms == "all" else (forms,)
            token = _secret(name, table, "token", env, base)
            password = _secret(name, table, "password", env, base) if not token else None
            email = table.get("email")
            if not token and not (email and password):
                raise SettingsError(
                    f"[sources.{name}] needs email and a password ({_env_name(name, 'password')}, "
                    f"password_env or password_file), or a token")
            out[name] = Source(name, kind, url, project=int(table["project"]), forms=tuple(forms),
                               email=email, password=password, token=token, options=options)
        else:
            assets = table.get("assets") or {}
            if isinstance(assets, (list, tuple)):
                assets = {uid: uid for uid in assets}
            if not assets:
                raise SettingsError(f"[sources.{name}] needs assets (uids of the Kobo projects)")
            token = _secret(name, table, "token", env, base)
            if not token:
                raise SettingsError(
                    f"[sources.{name}] needs an API token ({_env_name(name, 'token')}, token_env or token_file)")
            out[name] = Source(name, kind, url, assets=dict(assets), token=token, options=options)
    return out
