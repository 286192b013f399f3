"""`chips forms publish SOURCE`: forms/ is the source of truth on Central and Kobo."""

from __future__ import annotations

import re

from click.testing import CliRunner

from sync.publish import publish
from tests.fakes.central import FakeCentral
from tests.fakes.kobo import FakeKobo
from tests.fakes.server import ThreadedServer
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, write_config

CONSUMERS = {"home_visit", "anc_visit", "house_condition", "visit_request"}


def _readers(forms) -> set[str]:
    return {f for f, xml in forms.items() if b"jr://file-csv/households.csv" in xml}


def test_publish_creates_every_form_with_the_entity_list_linked_then_versions_it(tmp_path, forms):
    fake = FakeCentral()
    old = re.sub(rb'version="(\d+)"', b'version="2020010101"', forms["home_visit"], count=1)
    fake.add_form(old)                                  # an older version is on the server
    with ThreadedServer(fake.app) as server:
        write_config(tmp_path, central_url=server.url)
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite'}")
        lines = list(publish(settings, "c", environ=PASSWORD_ENV))

        assert set(fake.forms) == set(forms)
        for form_id, xml in forms.items():
            version = re.search(rb'<data[^>]* version="([^"]+)"', xml)
            assert fake.forms[form_id].versions[-1] == version.group(1).decode()
            assert fake.forms[form_id].draft is None
        assert fake.forms["home_visit"].versions[0] == "2020010101"
        assert len(fake.forms["home_visit"].versions) == 2
        # the registration form went first, so its dataset existed for the readers
        order = [line.split(":")[0] for line in lines]
        assert order[0] == REG
        readers = _readers(forms)
        assert readers, "some form should read households.csv"
        for form_id in readers:
            assert fake.forms[form_id].draft_links.get("households.csv") is True
            assert any(line.startswith(form_id) and "entity list households linked" in line for line in lines)
        # anc_visit reads the pregnancies list it makes itself: Central links it on publish
        assert fake.forms["anc_visit"].draft_links == {"households.csv": True, "pregnancies.csv": True}
        assert order.index("visit_request") < order.index("home_visit")   # visit_requests list

        fake.log.clear()
        again = list(publish(settings, "c", environ=PASSWORD_ENV))
        assert all("already published" in line for line in again)
        assert fake.log.count("POST") == 1                  # only the session


def test_publish_imports_and_deploys_on_kobo(tmp_path, forms):
    fake = FakeKobo()
    existing = fake.add_asset(forms[REG], uid="aRegSempu01")
    with ThreadedServer(fake.app) as server:
        write_config(tmp_path, kobo_url=server.url, kobo_assets={existing: REG})
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite'}")
        before = fake.assets[existing].deployed_version_id
        lines = list(publish(settings, "k", only=[REG, "anc_visit"], environ=PASSWORD_ENV, poll=0.01))
        assert lines[0] == f"{REG}: asset {existing} redeployed with version " + re.search(
            rb'<data[^>]* version="([^"]+)"', forms[REG]).group(1).decode()
        assert fake.assets[existing].deployed_version_id != before
        created = [a for a in fake.assets if a != existing]
        assert len(created) == 1 and fake.assets[created[0]].deployed
        assert f'assets = {{ {created[0]} = "anc_visit" }}' in lines[1]
        assert fake.log.count("GET", "/api/v2/imports/") >= 4   # polled until complete


def test_publish_command_reports_an_unknown_source_cleanly(tmp_path, monkeypatch):
    from chips.cli import cli
    write_config(tmp_path)
    monkeypatch.setenv("CHIPS_INSTANCE_DIR", str(tmp_path))
    from sync.cli import publish_command
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    result = CliRunner().invoke(publish_command, ["nowhere"], obj={})
    assert result.exit_code == 1
    assert "no source named nowhere in the settings" in result.output
