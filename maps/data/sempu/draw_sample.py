"""Draws the approximate sample layers of Kecamatan Sempu (railway, rivers, forest, rice
fields) from the facts in README.md beside this file. Run once; its output is committed:

    .venv/bin/python maps/data/sempu/draw_sample.py

No public geometry was found for these features, so they are drawn, deterministically,
from station coordinates and descriptions. The lines get a vertex every ~25 m like a real
OpenStreetMap way, so the classifier is exercised on realistic line density.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point, Polygon

HERE = Path(__file__).resolve().parent
UTM = "EPSG:32750"
KALISETAIL = (114.13977, -8.30285)
TEMUGURUH = (114.20196, -8.30979)


def catmull_rom(points: np.ndarray, spacing_m: float) -> np.ndarray:
    """A smooth curve through every control point (metric coordinates), densified."""
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        steps = max(2, int(np.linalg.norm(p2 - p1) / spacing_m))
        t = np.linspace(0, 1, steps, endpoint=False)[:, None]
        out.append(
            0.5
            * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
            )
        )
    out.append(points[-1:])
    return np.vstack(out)


def to_utm(lonlat: list[tuple[float, float]]) -> np.ndarray:
    s = gpd.GeoSeries([Point(xy) for xy in lonlat], crs="EPSG:4326").to_crs(UTM)
    return np.column_stack([s.x, s.y])


def line_from(lonlat, spacing_m=25.0) -> LineString:
    return LineString(catmull_rom(to_utm(lonlat), spacing_m))


def river_controls(lon_at_station: float, wiggle: float, phase: float) -> list[tuple[float, float]]:
    # north (-8.200) to south (-8.360); the meander is zero at Kalisetail's latitude so the
    # Setail passes the stated ~450 m east of the station.
    lats = np.linspace(-8.200, -8.360, 33)
    lons = lon_at_station + wiggle * np.sin((lats - KALISETAIL[1]) * 220 + phase) * np.sin(
        (lats - KALISETAIL[1]) * 90
    )
    return list(zip(lons, lats))


def blob(center_lonlat, radius_m, seed) -> Polygon:
    rng = np.random.default_rng(seed)
    cx, cy = to_utm([center_lonlat])[0]
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radii = radius_m * (0.75 + 0.5 * rng.random(24))
    ring = np.column_stack([cx + radii * np.cos(angles), cy + radii * 0.8 * np.sin(angles)])
    return Polygon(catmull_rom(np.vstack([ring, ring[:1]]), 60))


def write(gdf: gpd.GeoDataFrame, name: str) -> None:
    out = gdf.to_crs("EPSG:4326")
    path = HERE / name
    path.unlink(missing_ok=True)
    out.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
    print(f"{name}: {len(out)} features, {sum(len(g.coords) if g.geom_type == 'LineString' else len(g.exterior.coords) for g in out.geometry)} vertices")


def main() -> None:
    district = gpd.read_file(HERE / "district.geojson").to_crs(UTM).geometry.iloc[0]
    villages = gpd.read_file(HERE / "villages.geojson").to_crs(UTM)

    # Kalisat–Banyuwangi line: from beyond the western edge (towards Sumberwadung) through
    # Kalisetail and Temuguruh stations to beyond the eastern edge (towards Singojuruh).
    railway = line_from(
        [(114.070, -8.2960), (114.100, -8.3000), KALISETAIL, (114.168, -8.3050), TEMUGURUH, (114.228, -8.3160)]
    )
    write(
        gpd.GeoDataFrame(
            {"name": ["Jalur KA Kalisat–Banyuwangi (approximate)"], "gauge_mm": [1067]},
            geometry=[railway],
            crs=UTM,
        ),
        "railway.geojson",
    )

    # Kalisetail station + 450 m east, in degrees at this latitude (1e-5 deg ~ 1.1 m).
    setail = line_from(river_controls(KALISETAIL[0] + 450 / 110_000, 0.0030, 0.0))
    gumarang = line_from(river_controls(114.1860, 0.0025, 1.3))
    write(
        gpd.GeoDataFrame(
            {
                "name": ["Sungai Setail (approximate)", "Sungai Gumarang (approximate)"],
                # Setail: ~49.5 km from Gunung Raung, taken as a large river (catchment over
                # 500 km², 100 m setback); Gumarang: small (50 m).
                "river_size": ["large", "small"],
            },
            geometry=[setail, gumarang],
            crs=UTM,
        ),
        "rivers.geojson",
    )

    # Perhutani forest on the northern slopes: the part of Jambewangi (and the northern tip
    # of Temuguruh) north of about 8.245° S.
    north = Polygon(to_utm([(114.05, -8.19), (114.25, -8.19), (114.25, -8.242), (114.16, -8.250), (114.05, -8.245)]))
    forest = villages[villages["nama"].isin(["Jambewangi", "Temuguruh"])].union_all().intersection(north)
    write(
        gpd.GeoDataFrame({"name": ["Hutan Perhutani KPH Banyuwangi Barat (approximate)"]}, geometry=[forest], crs=UTM)
        .explode(index_parts=False)
        .reset_index(drop=True),
        "forest.geojson",
    )

    centres = [(114.1270, -8.2870), (114.1530, -8.3230), (114.1720, -8.2900), (114.1950, -8.3300), (114.1990, -8.2900)]
    fields = [blob(c, 900, seed).intersection(district).difference(forest) for seed, c in enumerate(centres)]
    write(
        gpd.GeoDataFrame({"name": [f"Sawah {i + 1} (approximate)" for i in range(len(fields))]}, geometry=fields, crs=UTM),
        "ricefields.geojson",
    )


if __name__ == "__main__":
    main()
