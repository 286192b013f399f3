"""The obvious way to classify households: one at a time, every whole geometry measured.

The oracle ``tests/maps/test_classify.py`` holds ``maps.classify`` equal to, and the
baseline ``bench/classify.py`` times ours against.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer


def loop_classify(points, layers, options) -> list[tuple[str, float, float, str | None] | None]:
    """Per household: (area class, river distance, railway distance, village) in metres of
    ``options["metric_crs"]``, or None when its point is missing or too inaccurate."""
    to_utm = Transformer.from_crs("EPSG:4326", options["metric_crs"], always_xy=True)
    metric = {k: v.to_crs(options["metric_crs"]) for k, v in layers.items()}
    out = []
    for row in points.itertuples(index=False):
        if not (np.isfinite(row.latitude) and row.accuracy <= options["max_accuracy_m"]):
            out.append(None)
            continue
        p = shapely.Point(to_utm.transform(row.longitude, row.latitude))
        flags = {
            "forest": any(g.intersects(p) for g in metric["forest"].geometry),
            "ricefield": any(g.intersects(p) for g in metric["ricefield"].geometry),
            "river": any(
                g.distance(p) <= (options["river_setback_large_m"] if s == "large" else options["river_setback_small_m"])
                for g, s in zip(metric["river"].geometry, metric["river"]["size_class"])
            ),
            "railway": any(g.distance(p) <= options["railway_corridor_m"] for g in metric["railway"].geometry),
        }
        river_d = min(g.distance(p) for g in metric["river"].geometry)
        rail_d = min(g.distance(p) for g in metric["railway"].geometry)
        village = next((n for n, g in zip(metric["village"]["name"], metric["village"].geometry) if g.intersects(p)), None)
        out.append((next((k for k in options["priority"] if flags[k]), "settlement"), river_d, rail_d, village))
    return out
