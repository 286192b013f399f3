"""The map page: layers, legend, privacy of the shared variants, and an offline load in
headless Chromium with every non-local request blocked (screenshots in test-artifacts/)."""

from __future__ import annotations

import json
import re

import pytest
from lxml import html as lxml_html

from maps.render import map_html, placed_households, point_data, unpack
from maps.households import village_of
from maps.snapshot import snapshot
from maps.store import import_sample
from maps.synthetic import synthetic_points
from tests.maps.browser import open_page
from tests.maps.conftest import ARTIFACTS, insert_households


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'map.sqlite'}"
    yield url
    from chips.db.engine import dispose_engine

    dispose_engine(url)


@pytest.fixture
def mapped(sqlite_url, tmp_path):
    """400 made-up households and the sample layers, classified."""
    from chips.db.migrate import upgrade
    from chips.settings import load_settings

    settings = load_settings(environ={}, instance_dir=tmp_path / "instance", database_url=sqlite_url)
    engine = upgrade(settings)
    points = synthetic_points(400, seed=21)
    with engine.begin() as conn:
        insert_households(conn, points)
        import_sample(conn)
    frame, layers, counts = snapshot(engine, settings)
    # a name that would end the script block or be read as a template if not escaped
    frame.loc[frame["area_status"].eq("ok").idxmax(), "head_name"] = NASTY
    return settings, frame, layers


NASTY = "Bu </script><script>window.pwned=1</script> {{ boom }} {% x %}"


def init_args(page: str) -> tuple[dict, dict]:
    """The configuration and data objects handed to chipsMap.init in the page."""
    assert "chipsMap.init(" in page
    decoder = json.JSONDecoder()
    objects = []
    for name in ("CHIPS_CONFIG", "CHIPS_DATA"):
        start = page.index(f"window.{name} = ") + len(f"window.{name} = ")
        value, _ = decoder.raw_decode(page[start:])  # "<\\/" decodes to "</" by JSON's own rules
        objects.append(value)
    return objects[0], objects[1]


def test_page_carries_its_assets_and_no_cdn(mapped):
    settings, frame, layers = mapped
    page = map_html(frame, layers, settings)
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//script[@src]") == [] and tree.xpath("//link[@href]") == []
    assert "L.Map" in page or "leaflet" in page.lower()
    for cdn in ("cdn.jsdelivr", "unpkg.com", "code.jquery", "bootstrapcdn", "cdnjs", "googleapis"):
        assert cdn not in page
    cfg, data = init_args(page)
    assert NASTY in unpack(data["name"])
    assert page.count("</script>") == len(tree.xpath("//script"))
    assert {"village", "forest", "ricefield", "river", "railway", "river_corridor", "railway_corridor"} <= set(cfg["layers"])
    assert all(cfg["layers"][k]["features"] for k in ("village", "forest", "river", "railway", "ricefield", "river_corridor"))
    labels = {(c["id"], c["en"]) for c in cfg["classes"]}
    assert ("Hutan", "Forest") in labels and ("Sempadan sungai", "Riverbank") in labels
    placed = placed_households(frame)
    assert data["n"] == len(placed) == len(unpack(data["lat"])) == len(unpack(data["cls"])) == len(unpack(data["name"]))
    assert cfg["unplaced"] == len(frame) - len(placed) > 0
    assert len(cfg["aggregates"]["hexagons"]["features"]) > 10
    assert "perkiraan" in cfg["note"]  # the sample layers say they are approximate


def test_anonymised_and_aggregated_pages_hold_no_personal_data(mapped):
    settings, frame, layers = mapped
    names = frame["head_name"].dropna().tolist()
    anonymous = map_html(frame, layers, settings, anonymised=True)
    assert not any(name in anonymous for name in names[:50])
    assert not any(phone in anonymous for phone in frame["phone"].dropna().tolist()[:50])
    _, data = init_args(anonymous)
    assert "name" not in data and "phone" not in data and "ref" not in data
    assert data["scale"] == 1000
    lat = data["lat0"] + unpack(data["lat"]) / 1000
    placed = placed_households(frame)
    assert max(abs(a - b) for a, b in zip(lat, placed["latitude"])) <= 0.0005 + 1e-9

    shared = map_html(frame, layers, settings, aggregated_only=True)
    cfg, data = init_args(shared)
    assert data == {}
    assert not any(name in shared for name in names[:50])
    hexagons = cfg["aggregates"]["hexagons"]["features"]
    small = [f["properties"] for f in hexagons if f["properties"]["suppressed"]]
    assert small, "some cells hold fewer than 5 households"
    assert all(p["households"] is None and p["n_forest"] is None for p in small)
    big = [f["properties"] for f in hexagons if not f["properties"]["suppressed"]]
    assert sum(p["households"] for p in big) + 0 <= len(placed_households(frame))
    villages = cfg["aggregates"]["villages"]["features"]
    assert len(villages) == 7
    assert sum(f["properties"]["households"] or 0 for f in villages) == placed_households(frame)["area_village_name"].notna().sum()


def test_point_data_encodes_classes_and_statuses(mapped):
    settings, frame, layers = mapped
    placed = placed_households(frame)
    villages = sorted(village_of(placed).unique())
    data = point_data(placed, villages, anonymised=False, decimals=3)
    classes = ["forest", "river", "railway", "ricefield", "settlement", "unclassified"]
    assert [classes[c] for c in unpack(data["cls"])] == placed["area_class"].fillna("unclassified").tolist()
    assert [villages[v] for v in unpack(data["vil"])] == village_of(placed).tolist()
    lat = data["lat0"] + unpack(data["lat"]) / data["scale"]
    assert abs(lat - placed["latitude"].to_numpy()).max() < 1e-6
    river = unpack(data["rd"])
    expected = placed["river_distance_m"].astype(float).round().fillna(-1).to_numpy()
    assert (river == expected).all() and (river >= 0).any()
    bits = unpack(data["bits"])
    assert ((bits & 1) > 0).tolist() == placed["sticker"].astype(bool).tolist()
    assert unpack(data["name"]) == placed["head_name"].tolist()


LEGEND_JS = """(() => ({
  legend: document.getElementById('chips-legend').innerText,
  overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(l => l.innerText.trim()),
  clusters: document.querySelectorAll('.chips-cluster').length,
  canvases: document.querySelectorAll('canvas').length,
  pwned: window.pwned || null,
}))()"""


@pytest.mark.browser
def test_map_loads_offline_in_chromium(mapped, tmp_path, chromium):
    settings, frame, layers = mapped
    path = tmp_path / "map.html"
    path.write_text(map_html(frame, layers, settings), encoding="utf-8")
    report = open_page(path.as_uri(), screenshot=ARTIFACTS / "map.png", evaluate=LEGEND_JS)
    assert report.errors == []
    assert report.blocked == [] and report.failed == []
    assert int(report.ready) == len(placed_households(frame))
    assert report.facts["pwned"] is None
    facts = report.facts
    assert "Legenda / Legend" in facts["legend"]
    assert "Hutan / Forest" in facts["legend"] and "Permukiman / Settlement" in facts["legend"]
    assert "Ruang jalur KA / Railway corridor" in facts["legend"]
    overlays = " | ".join(facts["overlays"])
    for label in ("Sempadan sungai / River setback", "Peta panas / Heat map", "Agregat per desa / Totals by village", "Agregat per heksagon / Totals by hexagon"):
        assert label in overlays
    assert facts["clusters"] > 0


FILTER_JS = """(async () => {
  const panel = document.getElementById('chips-filters');
  const village = panel.querySelector('select[data-f=village]');
  village.value = '0';
  village.dispatchEvent(new Event('change', {bubbles: true}));
  const legendVillage = document.getElementById('chips-legend').innerText;
  const heat = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
    .find(l => l.innerText.includes('Heat map')).querySelector('input');
  heat.click();
  const colour = panel.querySelector('select[data-f=colorBy]');
  colour.value = 'sticker';
  colour.dispatchEvent(new Event('change', {bubbles: true}));
  return {legendVillage, legendSticker: document.getElementById('chips-legend').innerText,
          heat: document.querySelectorAll('canvas.leaflet-heatmap-layer').length,
          firstVillage: village.options[1].text};
})()"""


@pytest.mark.browser
def test_filters_heat_map_and_colour_by_status(mapped, tmp_path, chromium):
    settings, frame, layers = mapped
    path = tmp_path / "map.html"
    path.write_text(map_html(frame, layers, settings), encoding="utf-8")
    report = open_page(path.as_uri(), screenshot=ARTIFACTS / "map-filtered.png", evaluate=FILTER_JS)
    assert report.errors == [] and report.blocked == []
    facts = report.facts
    placed = placed_households(frame)
    village = facts["firstVillage"]
    in_village = placed[village_of(placed) == village]
    counts = [int(n.replace(",", "")) for n in re.findall(r"\(([\d,]+)\)", facts["legendVillage"])]
    assert sum(counts) == len(in_village) > 0
    assert facts["heat"] == 1
    assert "Stiker terpasang / Sticker installed" in facts["legendSticker"]
    sticker_counts = [int(n.replace(",", "")) for n in re.findall(r"\(([\d,]+)\)", facts["legendSticker"])]
    assert sticker_counts == [int((~in_village["sticker"]).sum()), int(in_village["sticker"].sum())]


@pytest.mark.browser
def test_aggregated_page_loads_offline(mapped, tmp_path, chromium):
    settings, frame, layers = mapped
    path = tmp_path / "shared.html"
    path.write_text(map_html(frame, layers, settings, aggregated_only=True), encoding="utf-8")
    report = open_page(path.as_uri(), screenshot=ARTIFACTS / "map-aggregated.png", evaluate=LEGEND_JS)
    assert report.errors == [] and report.blocked == []
    assert report.ready == "0"
    assert "Agregat per desa / Totals by village" in " ".join(report.facts["overlays"])


def test_before_any_layer_households_show_as_not_classified(sqlite_url, tmp_path):
    from chips.db.migrate import upgrade
    from chips.settings import load_settings

    settings = load_settings(environ={}, instance_dir=tmp_path / "instance", database_url=sqlite_url)
    engine = upgrade(settings)
    points = synthetic_points(50, seed=2)
    with engine.begin() as conn:
        insert_households(conn, points)
    frame, layers, counts = snapshot(engine, settings)
    assert counts["layers"] == 0 and layers == {}
    cfg, data = init_args(map_html(frame, layers, settings))
    with_point = int(points["latitude"].notna().sum())
    assert data["n"] == with_point and cfg["unplaced"] == 50 - with_point
    assert set(unpack(data["cls"]).tolist()) == {5}  # "unclassified"
