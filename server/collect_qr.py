"""The ODK Collect project QR code: scanning it configures a phone for this server.

Collect reads a QR code holding base64(zlib(JSON settings)) with the sections ``general``,
``admin`` and ``project`` (docs.getodk.org "collect-import-export"; the ODK team's own
example script, gist lognaturel/3a70ecba87dc881cdedb159ccd431b07, does exactly this with
segno, which we use too: pure Python, no image library needed for PNG or SVG).
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import segno


def collect_settings(server_url: str, project_name: str = "CHIPS Sempu") -> dict[str, Any]:
    """Settings for an app-user URL: the token in the path carries the credentials, so no
    username or password is stored on the phone (as ODK Central's app-user QR codes do)."""
    return {
        "general": {
            "server_url": server_url,
            # the forms on the phone follow the server: new versions arrive, removed ones go
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {"change_server": False},
        "project": {"name": project_name, "icon": "C", "color": "#1b7f5a"},
    }


def encode(settings: dict[str, Any]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(settings).encode("utf-8"))).decode("ascii")


def decode(payload: str) -> dict[str, Any]:
    return json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))


def qr_code(payload: str) -> segno.QRCode:
    return segno.make(payload, micro=False, error="m")
