"""Fixtures of the reliability suite: the server tests' own (built forms, once per session)."""

from __future__ import annotations

from tests.server.conftest import built_forms  # noqa: F401 - the fixture, shared rather than copied
