"""Importing area layers from files (GeoJSON, GeoPackage, Shapefile, OSM PBF) into the DB."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from maps.layers import LayerError, read_layer
from maps.store import delete_layer, import_file, import_sample, layers_version, list_layers, load_layers


def write_osm_pbf(path):
    """A tiny OSM extract near Sempu: a river, a railway, a forest and a rice field."""
    osmium = pytest.importorskip("osmium")
    from osmium.osm.mutable import Node, Way

    nodes = {
        1: (114.140, -8.250), 2: (114.141, -8.260), 3: (114.142, -8.270),  # river
        4: (114.100, -8.300), 5: (114.130, -8.302), 6: (114.160, -8.305),  # railway
        7: (114.10, -8.22), 8: (114.12, -8.22), 9: (114.12, -8.24), 10: (114.10, -8.24),  # forest
        11: (114.15, -8.32), 12: (114.16, -8.32), 13: (114.16, -8.33), 14: (114.15, -8.33),  # sawah
        15: (114.17, -8.25), 16: (114.18, -8.26),  # a road, to be ignored
    }
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, location in nodes.items():
            writer.add_node(Node(id=node_id, version=1, location=location, tags={}))
        writer.add_way(Way(id=100, version=1, nodes=[1, 2, 3], tags={"waterway": "river", "name": "Kali Setail"}))
        writer.add_way(Way(id=101, version=1, nodes=[4, 5, 6], tags={"railway": "rail", "gauge": "1067"}))
        writer.add_way(Way(id=102, version=1, nodes=[7, 8, 9, 10, 7], tags={"landuse": "forest", "name": "Petak 12"}))
        writer.add_way(Way(id=103, version=1, nodes=[11, 12, 13, 14, 11], tags={"landuse": "farmland", "crop": "rice"}))
        writer.add_way(Way(id=104, version=1, nodes=[15, 16], tags={"highway": "track"}))


def test_osm_pbf_each_kind_takes_its_own_features(tmp_path):
    pbf = tmp_path / "sempu.osm.pbf"
    write_osm_pbf(pbf)
    river = read_layer(pbf, "river")
    assert list(river["name"]) == ["Kali Setail"]
    assert river.geometry.iloc[0].geom_type == "LineString"
    assert list(river["size_class"]) == ["small"]
    railway = read_layer(pbf, "railway")
    assert len(railway) == 1 and railway.geometry.iloc[0].geom_type == "LineString"
    forest = read_layer(pbf, "forest")
    assert list(forest["name"]) == ["Petak 12"]
    assert forest.geometry.iloc[0].geom_type in {"Polygon", "MultiPolygon"}
    assert len(read_layer(pbf, "ricefield")) == 1
    with pytest.raises(LayerError, match="no village features"):
        read_layer(pbf, "village")


def test_gpkg_shapefile_geojson_and_attributes(tmp_path):
    rivers = gpd.GeoDataFrame(
        {"NAMOBJ": ["Sungai Besar", "Kali Kecil"], "das_km2": [820.0, 35.0]},
        geometry=[LineString([(114.14, -8.21), (114.145, -8.35)]), LineString([(114.18, -8.21), (114.185, -8.35)])],
        crs="EPSG:4326",
    )
    rivers.to_file(tmp_path / "rivers.gpkg", layer="sungai", driver="GPKG")
    rivers.to_crs("EPSG:32750").to_file(tmp_path / "rivers.shp")
    from_gpkg = read_layer(tmp_path / "rivers.gpkg", "river", layer="sungai")
    from_shp = read_layer(tmp_path / "rivers.shp", "river")
    for frame in (from_gpkg, from_shp):
        assert list(frame["name"]) == ["Sungai Besar", "Kali Kecil"]  # RBI's NAMOBJ
        assert list(frame["size_class"]) == ["large", "small"]  # from the catchment
        assert frame.crs.to_epsg() == 4326
        assert frame.total_bounds[0] == pytest.approx(114.14, abs=1e-6)
    forced = read_layer(tmp_path / "rivers.gpkg", "river", river_size="large", where="das_km2 < 100")
    assert list(forced["size_class"]) == ["large"]
    with pytest.raises(LayerError, match="needs polygons"):
        read_layer(tmp_path / "rivers.gpkg", "forest")
    with pytest.raises(LayerError, match="no such file"):
        read_layer(tmp_path / "missing.gpkg", "forest")


def test_store_round_trip_and_versions(map_db, tmp_path):
    pbf = tmp_path / "extract.osm.pbf"
    write_osm_pbf(pbf)
    with map_db.engine.begin() as conn:
        assert layers_version(conn) == layers_version(conn)
        empty = layers_version(conn)
        infos = import_sample(conn)
        assert [i["kind"] for i in infos] == ["village", "forest", "river", "railway", "ricefield"]
        first = layers_version(conn)
        assert first != empty
        osm = import_file(conn, pbf, kind="railway", name="osm-rail")
        assert osm["features"] == 1
    with map_db.engine.connect() as conn:
        layers = load_layers(conn)
        listed = {row["name"]: row for row in list_layers(conn)}
    assert set(layers) == {"village", "forest", "river", "railway", "ricefield"}
    assert len(layers["village"]) == 7
    assert set(layers["village"]["code"]) == {f"35.10.20.200{i}" for i in range(1, 8)}
    assert list(layers["river"].sort_values("name")["size_class"]) == ["small", "large"]  # Gumarang, Setail
    assert len(layers["railway"]) == 2  # sample + OSM
    assert listed["sempu-river"]["version"] == 1 and listed["osm-rail"]["kind"] == "railway"

    with map_db.engine.begin() as conn:
        again = import_file(conn, pbf, kind="railway", name="osm-rail")
        assert again["version"] == 2
        assert layers_version(conn) != first
        assert delete_layer(conn, "osm-rail") is True
        assert delete_layer(conn, "osm-rail") is False
        assert len(load_layers(conn)["railway"]) == 1


def test_polygon_layers_are_made_valid(tmp_path):
    bowtie = gpd.GeoDataFrame(
        {"name": ["kupu"]},
        geometry=gpd.GeoSeries.from_wkt(["POLYGON ((114.1 -8.3, 114.2 -8.2, 114.2 -8.3, 114.1 -8.2, 114.1 -8.3))"]),
        crs="EPSG:4326",
    )
    bowtie.to_file(tmp_path / "bowtie.geojson")
    frame = read_layer(tmp_path / "bowtie.geojson", "forest")
    assert frame.geometry.is_valid.all()
    assert frame.geometry.iloc[0].area == pytest.approx(box(114.1, -8.3, 114.2, -8.2).area / 2)  # degrees², shapes only
