"""Made-up households around Sempu for the benchmarks and tests (never real people).

Points gather in hamlets (Gaussian clusters) placed over the seven villages, a share of
them pulled onto the rivers, the railway and into the forest, so every class occurs;
a few have no point or a poor accuracy, as in the field.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.households import STATUSES
from maps.store import SAMPLE_DIR

METRIC = "EPSG:32750"


def _sample(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_DIR / name).to_crs(METRIC)


def synthetic_points(n: int, seed: int = 7) -> pd.DataFrame:
    """``uuid``, ``latitude``, ``longitude``, ``accuracy`` for ``n`` households."""
    rng = np.random.default_rng(seed)
    district = _sample("district.geojson").geometry.iloc[0]
    minx, miny, maxx, maxy = district.bounds
    hamlets = shapely.points(rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400))
    hamlets = shapely.get_coordinates(hamlets[shapely.contains_xy(district, *shapely.get_coordinates(hamlets).T)])
    pick = rng.integers(0, len(hamlets), n)
    xy = hamlets[pick] + rng.normal(0, 250, (n, 2))

    # pull a share onto the lines, within metres of them: riverbank and railway households
    lines = np.concatenate([_sample("rivers.geojson").geometry.to_numpy(), _sample("railway.geojson").geometry.to_numpy()])
    share = rng.random(n)
    near = share < 0.12
    which = rng.integers(0, len(lines), near.sum())
    along = shapely.line_interpolate_point(lines[which], rng.random(near.sum()), normalized=True)
    xy[near] = shapely.get_coordinates(along) + rng.normal(0, 40, (near.sum(), 2))
    forest = _sample("forest.geojson").geometry.union_all()
    in_forest = (share >= 0.12) & (share < 0.18)
    fminx, fminy, fmaxx, fmaxy = forest.bounds
    xy[in_forest] = np.column_stack(
        [rng.uniform(fminx, fmaxx, in_forest.sum()), rng.uniform(fminy, fminy + (fmaxy - fminy) * 0.3, in_forest.sum())]
    )

    lonlat = gpd.GeoSeries(shapely.points(xy), crs=METRIC).to_crs("EPSG:4326")
    frame = pd.DataFrame(
        {
            "uuid": [f"uuid:{i:08x}-0000-4000-8000-{seed:012x}" for i in range(n)],
            "latitude": lonlat.y.round(7).to_numpy(),
            "longitude": lonlat.x.round(7).to_numpy(),
            "accuracy": rng.gamma(2.0, 4.0, n).round(1),
        }
    )
    # 1 % without a fix and 1 % with a poor one, at least one of each
    odd = rng.choice(n, size=min(n, 2 * max(1, n // 100)), replace=False)
    half = len(odd) // 2
    frame.loc[odd[:half], ["latitude", "longitude"]] = np.nan
    frame.loc[odd[half:], "accuracy"] = 80.0
    return frame


def synthetic_details(points: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Names, phones and statuses beside the points, as ``load_households`` gives them."""
    rng = np.random.default_rng(seed + 1)
    n = len(points)
    first = np.array(["Sumiati", "Slamet", "Suparmi", "Ahmad", "Siti", "Mbok Tin", "Sutrisno", "Painem", "Joko", "Ningsih"])
    frame = points.copy()
    frame["head_name"] = first[rng.integers(0, len(first), n)] + " " + (np.arange(n) % 97).astype(str)
    frame["phone"] = "08" + rng.integers(10**9, 10**10, n).astype(str)
    frame["dusun"] = "Krajan"
    frame["rt"] = (rng.integers(1, 6, n)).astype(str)
    frame["rw"] = (rng.integers(1, 4, n)).astype(str)
    frame["village_code"] = None
    frame["village_name"] = None
    frame["poverty_status"] = "miskin"
    rates = {"sticker": 0.7, "no_latrine": 0.1, "unhealthy_house": 0.15, "pregnant": 0.04, "lone_elderly": 0.04, "open_request": 0.02, "visit_overdue": 0.5}
    for key in STATUSES:
        frame[key] = rng.random(n) < rates.get(key, 0.05)
    frame["days_since_visit"] = np.where(frame["visit_overdue"], rng.integers(91, 400, n), rng.integers(0, 90, n))
    return frame
