"""One settings object for the whole system.

Read in this order, later wins: built-in defaults, a TOML file (``CHIPS_CONFIG``, else
``<instance dir>/chips.toml`` when it exists), then ``CHIPS_*`` environment variables for
the top-level keys. Sections (``[anc]``, ``[areas]``, ``[sources.NAME]`` …) belong to the
module that uses them; that module keeps its defaults next to its code and reads them with
:meth:`Settings.section`, so the reason for each default stays beside the rule it serves.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

# Top-level keys that an environment variable CHIPS_<KEY> may set, with their types.
_ENV_KEYS: dict[str, type] = {
    "database_url": str,
    "secret_key": str,
    "instance_dir": str,
    "max_attachment_bytes": int,
    "base_url": str,
    "secure_cookies": bool,
    "sync_interval_minutes": int,
}


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    secret_key: str
    # ODK Central answers X-OpenRosa-Accept-Content-Length: 100000000 (central-observed.md);
    # a puskesmas laptop is smaller, so one attachment is capped lower by default.
    max_attachment_bytes: int = 25 * 1024 * 1024
    # The address phones and links use; empty means "the address the request came in on".
    base_url: str = ""
    secure_cookies: bool = False
    sync_interval_minutes: int = 0
    sections: Mapping[str, Any] = field(default_factory=dict)
    config_file: Path | None = None

    def section(self, name: str, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``[name]`` table of the config file laid over ``defaults``."""
        merged = dict(defaults or {})
        value = self.sections.get(name, {})
        if not isinstance(value, Mapping):
            raise SettingsError(f"[{name}] in {self.config_file} must be a table")
        merged.update(value)
        return merged

    @property
    def attachments_dir(self) -> Path:
        return self.instance_dir / "attachments"

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


def _parse_bool(raw: str, name: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a yes/no value")


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if kind is bool:
        return raw if isinstance(raw, bool) else _parse_bool(str(raw), name)
    if kind is int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    return str(raw)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from None


def _secret_key(instance_dir: Path) -> str:
    """Keep a generated key in the instance folder so sessions survive restarts."""
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    env = os.environ if environ is None else environ
    instance_dir = Path(overrides.get("instance_dir") or env.get("CHIPS_INSTANCE_DIR") or "instance")
    instance_dir = instance_dir.expanduser().resolve()

    config_path = env.get("CHIPS_CONFIG")
    config_file = Path(config_path) if config_path else instance_dir / "chips.toml"
    if config_path and not config_file.exists():
        raise SettingsError(f"CHIPS_CONFIG points to {config_file}, which does not exist")
    data = _read_toml(config_file) if config_file.exists() else {}

    values: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key in _ENV_KEYS:
            values[key] = _coerce(key, value, _ENV_KEYS[key])
        elif isinstance(value, dict):
            sections[key] = value
        else:
            raise SettingsError(f"{config_file}: unknown setting {key!r}")
    for key, kind in _ENV_KEYS.items():
        env_name = f"CHIPS_{key.upper()}"
        if env_name in env:
            values[key] = _coerce(env_name, env[env_name], kind)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value

    values.pop("instance_dir", None)
    database_url = values.pop("database_url", None) or f"sqlite:///{instance_dir / 'chips.sqlite'}"
    secret_key = values.pop("secret_key", None) or _secret_key(instance_dir)
    return Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        secret_key=secret_key,
        sections=sections,
        config_file=config_file if config_file.exists() else None,
        **values,
    )
