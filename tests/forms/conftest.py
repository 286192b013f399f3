from __future__ import annotations

import pytest

from forms.build import build_all


@pytest.fixture(scope="session")
def built_forms(tmp_path_factory):
    """The project's five forms built once per test session: form_id -> BuiltForm."""
    out = tmp_path_factory.mktemp("built-forms")
    return {b.form_id: b for b in build_all(out)}


@pytest.fixture(scope="session")
def xform(built_forms):
    """Path of a built XForm by form id."""
    return lambda form_id: built_forms[form_id].xml_path
