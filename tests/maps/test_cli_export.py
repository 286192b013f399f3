"""`chips areas`, `chips map`, `chips export households`; exports read back with GeoPandas."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from chips.cli import cli
from maps.export import write_export
from maps.snapshot import snapshot
from maps.store import SAMPLE_DIR, import_sample
from maps.synthetic import synthetic_points
from tests.maps.conftest import insert_households


@pytest.fixture
def env(map_db):
    points = synthetic_points(120, seed=3)
    with map_db.engine.begin() as conn:
        insert_households(conn, points)
    return {
        "CHIPS_DATABASE_URL": map_db.settings.database_url,
        "CHIPS_INSTANCE_DIR": str(map_db.settings.instance_dir),
    }, points


def run(env, *args):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result


def test_commands_end_to_end(env, tmp_path):
    env, points = env
    result = run(env, "areas", "list")
    assert result.exit_code == 0 and "no area layers" in result.output
    result = run(env, "areas", "import-sample")
    assert result.exit_code == 0, result.output
    assert "sempu-village: 7 feature(s)" in result.output
    assert "classified 120 household(s)" in result.output
    assert "without a GPS point" in result.output
    result = run(env, "areas", "import", str(SAMPLE_DIR / "rivers.geojson"), "--kind", "river", "--name", "sempu-river")
    assert result.exit_code == 0 and "version 2" in result.output
    assert "classified 120" in result.output  # a changed layer reclassifies everybody
    listed = run(env, "areas", "list").output
    assert "sempu-river" in listed and "v2" in listed and "railway" in listed
    result = run(env, "areas", "classify", "--unplaced")
    assert result.exit_code == 0 and "classified 0" in result.output and "no_point" in result.output

    out = tmp_path / "m.html"
    result = run(env, "map", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 100_000 and "chipsMap.init" in out.read_text()
    shared = tmp_path / "shared.html"
    assert run(env, "map", "--out", str(shared), "--aggregated").exit_code == 0
    gpkg = tmp_path / "h.gpkg"
    result = run(env, "export", "households", "--format", "gpkg", "--out", str(gpkg), "--anonymised")
    assert result.exit_code == 0, result.output
    back = gpd.read_file(gpkg)
    assert len(back) == 120 and "head_name" not in back.columns


def test_errors_are_messages_not_tracebacks(env, tmp_path):
    env, _ = env
    result = run(env, "areas", "import", str(tmp_path / "nope.gpkg"), "--kind", "forest")
    assert result.exit_code == 1 and "no such file" in result.output and "Traceback" not in result.output
    result = run(env, "areas", "import", str(SAMPLE_DIR / "rivers.geojson"), "--kind", "forest")
    assert result.exit_code == 1 and "needs polygons" in result.output
    result = run(env, "areas", "delete", "missing")
    assert result.exit_code == 1 and "no area layer" in result.output
    fresh = {"CHIPS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}", "CHIPS_INSTANCE_DIR": str(tmp_path)}
    result = run(fresh, "areas", "list")
    assert result.exit_code == 1 and "chips db upgrade" in result.output


@pytest.fixture
def frame(map_db):
    points = synthetic_points(150, seed=9)
    with map_db.engine.begin() as conn:
        insert_households(conn, points)
        import_sample(conn)
    households, _, _ = snapshot(map_db.engine, map_db.settings)
    return households


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
def test_exports_read_back(frame, tmp_path, fmt):
    path = tmp_path / f"households.{fmt}"
    info = write_export(frame, path, fmt)
    placed = frame["area_status"].eq("ok")
    assert info["rows"] == len(frame)
    if fmt == "csv":
        back = pd.read_csv(path)
        assert set(back["area_class"].dropna()) <= {"forest", "river", "railway", "ricefield", "settlement"}
    else:
        back = gpd.read_file(path)
        assert back.crs.to_epsg() == 4326
        assert back.geometry.notna().sum() == placed.sum()
        got = back.set_index("uuid").loc[frame.loc[placed, "uuid"]]
        assert (abs(got.geometry.y.to_numpy() - frame.loc[placed, "latitude"].to_numpy()) < 1e-9).all()
    assert list(back["uuid"]) == list(frame["uuid"])
    assert list(back["area_class"].fillna("-")) == list(frame["area_class"].fillna("-"))
    assert list(back["head_name"]) == list(frame["head_name"])
    assert back["in_forest"].dropna().isin([0, 1]).all()


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_anonymised_exports(frame, tmp_path, fmt):
    path = tmp_path / f"anon.{fmt}"
    write_export(frame, path, fmt, anonymised=True, decimals=3)
    back = pd.read_csv(path) if fmt == "csv" else gpd.read_file(path)
    for column in ("uuid", "head_name", "phone", "dusun", "rt", "rw", "accuracy"):
        assert column not in back.columns
    text = path.read_text()
    assert not any(name in text for name in frame["head_name"].dropna())
    lat = back["latitude"].dropna()
    assert len(lat) == frame["area_status"].eq("ok").sum()
    assert ((lat * 1000).round() / 1000 - lat).abs().max() < 1e-9
    assert back["area_class"].value_counts().to_dict() == frame["area_class"].value_counts().to_dict()
