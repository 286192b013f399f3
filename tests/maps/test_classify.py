"""Classification on hand-made geometries whose answers are known to the metre.

Everything is laid out in UTM 50S metres around a point of Sempu and handed to the
classifier in WGS84 degrees, as real layers and GPS points are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, box

from maps.classify import AreaSettingsError, area_options, classify, cut_lines, point_hashes
from tests.support.area_oracle import loop_classify

UTM = "EPSG:32750"
TO_LL = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
X0, Y0 = Transformer.from_crs("EPSG:4326", UTM, always_xy=True).transform(114.15, -8.30)


def line(*xy, step=10.0) -> LineString:
    """A line through offsets (m) from the origin, with a vertex every ``step`` metres."""
    base = LineString([(X0 + x, Y0 + y) for x, y in xy])
    return shapely.segmentize(base, step)


def frame(geoms, crs=UTM, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs).to_crs("EPSG:4326")


# river (small) along x = 0, large river along x = 2000, railway along y = -3000,
# forest square at x 4000..5000, rice field square at x 4800..6000 (overlapping the
# forest from 4800 to 5000), two villages west / east of x = 3000.
LAYERS = {
    "river": frame(
        [line((0, -5000), (0, 5000)), line((2000, -5000), (2000, 5000))],
        name=["Kali Kecil", "Kali Besar"],
        size_class=["small", "large"],
    ),
    "railway": frame([line((-6000, -3000), (12000, -3000))], name=["Rel"]),
    "forest": frame([box(X0 + 4000, Y0 - 1000, X0 + 5000, Y0 + 1000)], name=["Hutan"]),
    "ricefield": frame([box(X0 + 4800, Y0 - 1000, X0 + 6000, Y0 + 1000)], name=["Sawah"]),
    "village": frame(
        [box(X0 - 6000, Y0 - 6000, X0 + 3000, Y0 + 6000), box(X0 + 3000, Y0 - 6000, X0 + 12000, Y0 + 6000)],
        name=["Barat", "Timur"],
        code=["35.10.20.9001", "35.10.20.9002"],
    ),
}


def households(points: dict[str, tuple[float, float]], accuracy=5.0) -> pd.DataFrame:
    names = list(points)
    xs = np.array([X0 + points[k][0] for k in names])
    ys = np.array([Y0 + points[k][1] for k in names])
    lon, lat = TO_LL.transform(xs, ys)
    return pd.DataFrame({"uuid": names, "latitude": lat, "longitude": lon, "accuracy": accuracy})


def by_id(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("household_uuid")


def test_corridor_edges_to_the_metre():
    result = by_id(
        classify(
            households(
                {
                    "small_in": (49.0, 500),
                    "small_out": (51.0, 500),
                    "small_on_line": (0.0, 800),
                    "large_in": (2099.0, 500),
                    "large_out": (2101.0, 500),
                    "between": (1000.0, 500),  # halfway between the rivers, far from both
                    "rail_in": (700.0, -3000 + 19.5),
                    "rail_out": (700.0, -3000 - 20.5),
                    "rail_on_line": (700.0, -3000),
                    "settlement": (700.0, 1500),
                }
            ),
            LAYERS,
        )
    )
    assert result.loc["small_in", "area_class"] == "river"
    assert result.loc["small_out", "area_class"] == "settlement"
    assert result.loc["small_on_line", "area_class"] == "river"
    assert result.loc["large_in", "area_class"] == "river"
    assert result.loc["large_out", "area_class"] == "settlement"
    assert result.loc["between", "area_class"] == "settlement"
    assert result.loc["rail_in", "area_class"] == "railway"
    assert result.loc["rail_out", "area_class"] == "settlement"
    assert result.loc["rail_on_line", "area_class"] == "railway"
    assert result.loc["settlement", "area_class"] == "settlement"
    # the distances behind the answer are kept, in metres
    assert result.loc["small_in", "river_distance_m"] == pytest.approx(49.0, abs=0.05)
    assert result.loc["small_in", "river_name"] == "Kali Kecil"
    assert result.loc["large_out", "river_distance_m"] == pytest.approx(101.0, abs=0.05)
    assert result.loc["large_out", "river_name"] == "Kali Besar"
    assert result.loc["rail_in", "railway_distance_m"] == pytest.approx(19.5, abs=0.05)
    assert result.loc["rail_out", "railway_distance_m"] == pytest.approx(20.5, abs=0.05)
    # beyond the search radius (200 m) no distance is claimed
    assert np.isnan(result.loc["between", "river_distance_m"])
    assert result.loc["settlement", "railway_distance_m"] != result.loc["settlement", "railway_distance_m"]


def test_each_river_keeps_its_own_setback():
    # 60 m from a small river (out) and 90 m from a large one (in): the large one decides,
    # although the small one is nearer.
    rivers = frame(
        [line((0, -2000), (0, 2000)), line((150, -2000), (150, 2000))],
        name=["kecil", "besar"],
        size_class=["small", "large"],
    )
    result = by_id(classify(households({"p": (60.0, 0.0)}), {"river": rivers}))
    assert result.loc["p", "area_class"] == "river"
    assert result.loc["p", "river_name"] == "kecil"  # the nearest, with its distance
    assert result.loc["p", "river_distance_m"] == pytest.approx(60.0, abs=0.05)


def test_polygons_borders_and_priority():
    points = {
        "forest_inside": (4500.0, 0.0),
        "forest_border": (4000.0, 0.0),  # on the western edge: counts as inside
        "forest_just_out": (3999.0, 0.0),
        "overlap": (4900.0, 0.0),  # forest and rice field
        "rice_only": (5500.0, 0.0),
        "village_border": (3000.0, 2500.0),  # on the shared border of Barat and Timur
    }
    result = by_id(classify(households(points), LAYERS))
    assert result.loc["forest_inside", "area_class"] == "forest"
    assert result.loc["forest_border", "area_class"] == "forest"
    assert result.loc["forest_just_out", "area_class"] == "settlement"
    assert result.loc["overlap", "area_class"] == "forest"  # forest comes first by default
    assert bool(result.loc["overlap", "in_ricefield"]) is True  # …and the flag is kept
    assert result.loc["rice_only", "area_class"] == "ricefield"
    assert result.loc["forest_inside", "village_name"] == "Timur"
    assert result.loc["forest_just_out", "village_code"] == "35.10.20.9002"
    # a point on a shared border belongs to one village only: the first listed
    assert result.loc["village_border", "village_name"] == "Barat"

    swapped = by_id(classify(households(points), LAYERS, {"priority": ["ricefield", "forest", "river", "railway"]}))
    assert swapped.loc["overlap", "area_class"] == "ricefield"


def test_points_without_a_usable_fix_are_reported_not_guessed():
    points = households({"good": (4500.0, 0.0), "vague": (4500.0, 0.0), "no_acc": (4500.0, 0.0), "nofix": (0, 0), "zero": (0, 0)})
    points.loc[points.uuid == "vague", "accuracy"] = 51.0
    points.loc[points.uuid == "no_acc", "accuracy"] = np.nan
    points.loc[points.uuid == "nofix", ["latitude", "longitude"]] = np.nan
    points.loc[points.uuid == "zero", ["latitude", "longitude"]] = 0.0  # ODK's "0 0 0 0"
    result = by_id(classify(points, LAYERS))
    assert result["status"].to_dict() == {
        "good": "ok",
        "vague": "low_accuracy",
        "no_acc": "ok",
        "nofix": "no_point",
        "zero": "no_point",
    }
    assert result.loc["vague", "area_class"] is None
    assert result.loc["nofix", "village_name"] is None
    # the limit is a setting
    relaxed = by_id(classify(points, LAYERS, {"max_accuracy_m": 60}))
    assert relaxed.loc["vague", "area_class"] == "forest"


def test_the_crs_trap_distances_are_metres_not_degrees():
    # 0.00044° east of the river is ~48.4 m at this latitude, 0.00046° is ~50.6 m.
    lon_river, lat = TO_LL.transform(X0, Y0)
    points = pd.DataFrame(
        {
            "uuid": ["in", "out", "far"],
            "latitude": [lat, lat, lat],
            "longitude": [lon_river + 0.00044, lon_river + 0.00046, lon_river + 0.003],
            "accuracy": [5.0, 5.0, 5.0],
        }
    )
    river = {"river": frame([line((0, -3000), (0, 3000))], size_class=["small"])}
    result = by_id(classify(points, river))
    assert result.loc["in", "area_class"] == "river"
    assert result.loc["out", "area_class"] == "settlement"
    assert result.loc["far", "area_class"] == "settlement"  # 0.003° < 50 "units" in degrees
    assert 48.0 < result.loc["in", "river_distance_m"] < 49.0
    assert 50.0 < result.loc["out", "river_distance_m"] < 51.0
    # The trap itself: the same buffer computed in degrees takes every point in.
    in_degrees = shapely.dwithin(river["river"].geometry.iloc[0], shapely.points(points["longitude"], points["latitude"]), 50)
    assert in_degrees.all()
    # A layer kept in another CRS (metres of Web Mercator) gives the same answers.
    mercator = {"river": river["river"].to_crs("EPSG:3857")}
    assert by_id(classify(points, mercator))["area_class"].to_dict() == result["area_class"].to_dict()


def test_river_mapped_as_an_area_and_multilines():
    water = Polygon([(X0 - 20, Y0 - 2000), (X0 + 20, Y0 - 2000), (X0 + 20, Y0 + 2000), (X0 - 20, Y0 + 2000)])
    multi = shapely.multilinestrings([line((3000, -1000), (3000, 0)), line((3000, 100), (3000, 1000))])
    rivers = frame([water, multi], size_class=["small", "small"], name=["wide", "split"])
    result = by_id(
        classify(households({"in_water": (0.0, 0.0), "bank_in": (69.0, 0.0), "bank_out": (71.0, 0.0), "split": (3040.0, 500.0)}), {"river": rivers})
    )
    assert result.loc["in_water", "river_distance_m"] == 0.0
    assert result.loc["in_water", "area_class"] == "river"
    assert result.loc["bank_in", "area_class"] == "river"  # 49 m from the water's edge
    assert result.loc["bank_out", "area_class"] == "settlement"
    assert result.loc["split", "area_class"] == "river"


def test_cutting_lines_changes_nothing_but_speed():
    long_line = line((-5000, 0), (5000, 300), step=5.0)  # ~2,000 vertices
    pieces, source = cut_lines(np.array([long_line], dtype=object), 20)
    assert len(pieces) > 100
    assert (shapely.get_num_coordinates(pieces) <= 20).all()
    assert (source == 0).all()
    assert shapely.length(pieces).sum() == pytest.approx(long_line.length)
    rng = np.random.default_rng(3)
    xy = np.column_stack([rng.uniform(-5000, 5000, 400), rng.uniform(-200, 500, 400)])
    points = households({str(i): tuple(p) for i, p in enumerate(xy)})
    layers = {"railway": frame([long_line])}
    cut = classify(points, layers, {"piece_vertices": 20})
    whole = classify(points, layers, {"piece_vertices": 100_000})
    pd.testing.assert_frame_equal(cut, whole)


def test_matches_a_plain_shapely_loop_on_the_sample_layers(sample_layers):
    """The vectorised answer equals a per-household loop written the obvious way."""
    from maps.synthetic import synthetic_points

    points = synthetic_points(600, seed=11)
    result = classify(points, sample_layers)
    options = area_options()
    assert options["metric_crs"] == UTM
    checked = 0
    for row, got, expected in zip(points.itertuples(), result.itertuples(), loop_classify(points, sample_layers, options)):
        if got.status != "ok":
            assert expected is None, (row, got)
            continue
        area_class, river_d, _, _ = expected
        assert got.area_class == area_class, (row, got)
        if river_d <= options["distance_search_m"]:
            assert got.river_distance_m == pytest.approx(river_d, abs=1e-6)
        else:
            assert np.isnan(got.river_distance_m)
        checked += 1
    assert checked > 500
    assert set(result["area_class"].dropna()) == {"forest", "river", "railway", "ricefield", "settlement"}


def test_bad_settings_are_named():
    with pytest.raises(AreaSettingsError, match="priority"):
        area_options(None, {"priority": ["forest", "swamp"]})
    with pytest.raises(AreaSettingsError, match="railway_corridor_m"):
        area_options(None, {"railway_corridor_m": "wide"})


def test_point_hash_changes_with_the_point_only():
    a = pd.DataFrame({"latitude": [-8.3, -8.3], "longitude": [114.1, 114.1], "accuracy": [5.0, 5.0]})
    b = a.copy()
    b.loc[1, "latitude"] = -8.30001
    ha, hb = point_hashes(a), point_hashes(b)
    assert ha[0] == ha[1] == hb[0] != hb[1]
    assert all(len(h) == 16 for h in ha)
