from __future__ import annotations

from datetime import datetime

import pytest

from chips.demo.generate import WIB, generate
from chips.demo.submissions import load_templates, programme_submissions

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=WIB)
SEED = 4242


@pytest.fixture(scope="session")
def built_forms(tmp_path_factory):
    from forms.build import build_all

    out = tmp_path_factory.mktemp("demo-forms")
    build_all(out, xlsx=False)
    return out


@pytest.fixture(scope="session")
def programme():
    return generate(SEED, NOW)


@pytest.fixture(scope="session")
def templates(built_forms):
    return load_templates(built_forms)


@pytest.fixture(scope="session")
def demo_submissions(programme, templates):
    return list(programme_submissions(programme, templates))
