"""The production entry (`gunicorn server.wsgi:app`) after `chips serve --prepare-only`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_prepare_only_then_wsgi_app_serves_openrosa(tmp_path):
    env = {"CHIPS_INSTANCE_DIR": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    prepared = subprocess.run([sys.executable, "-m", "chips", "serve", "--prepare-only"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert prepared.returncode == 0, prepared.stderr
    assert "published anc_visit version" in prepared.stdout and "serving on" not in prepared.stdout
    probe = (
        "from server.wsgi import app\n"
        "c = app.test_client()\n"
        "r = c.get('/formList', headers={'X-OpenRosa-Version': '1.0'})\n"
        "print(r.status_code, r.headers.get('WWW-Authenticate', '').split(' ')[0])\n"
    )
    answered = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.split() == ["401", "Digest"]
