"""Benchmark: the household map at 100,000 households (issue 7).

    .venv/bin/python bench/map.py [--n 100000] [--out-dir bench/out]

Builds our map (one columnar data object drawn in JavaScript, Leaflet inlined) and, in
the same run, the baseline of one ``folium.CircleMarker`` per household (coloured by
class, with the same popup facts), and compares build time and HTML size. Then loads our
page in headless Chromium with every non-local request blocked and reports the load
event time and the time until the map is drawn.
Targets: at least 30× faster to build, at least 8× smaller, load event within 3 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import folium  # noqa: E402
import pandas as pd  # noqa: E402

from maps.classify import classify  # noqa: E402
from maps.layers import read_layer  # noqa: E402
from maps.render import CLASS_STYLE, map_html  # noqa: E402
from maps.store import SAMPLE_DIR, SAMPLE_LAYERS  # noqa: E402
from maps.synthetic import synthetic_details, synthetic_points  # noqa: E402


def households(n: int):
    layers = {}
    for kind, filename, options in SAMPLE_LAYERS:
        frame = read_layer(SAMPLE_DIR / filename, kind, **options)
        frame["layer"] = f"sempu-{kind}"
        layers[kind] = frame
    points = synthetic_points(n, seed=7)
    classes = classify(points, layers).rename(
        columns={"status": "area_status", "village_code": "area_village_code", "village_name": "area_village_name"}
    )
    frame = pd.concat([synthetic_details(points).reset_index(drop=True), classes.drop(columns="household_uuid")], axis=1)
    return frame, layers


def baseline_html(frame: pd.DataFrame) -> str:
    """The obvious Folium map: one CircleMarker (with a popup) per placed household."""
    placed = frame[frame["area_status"] == "ok"]
    m = folium.Map(location=[-8.2822, 114.1517], zoom_start=12, tiles=None)
    for row in placed.itertuples(index=False):
        cls = row.area_class or "unclassified"
        folium.CircleMarker(
            [row.latitude, row.longitude],
            radius=5,
            color=CLASS_STYLE[cls][2],
            fill=True,
            popup=f"{row.head_name}<br>{row.area_village_name}<br>{CLASS_STYLE[cls][0]}",
        ).add_to(m)
    return m.get_root().render()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--out-dir", type=Path, default=None, help="keep the two HTML files here")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    frame, layers = households(args.n)
    placed = int((frame["area_status"] == "ok").sum())
    print(f"households: {args.n:,} ({placed:,} placed)")

    start = time.perf_counter()
    ours = map_html(frame, layers)
    ours_s = time.perf_counter() - start
    print(f"ours:     built in {ours_s:6.2f} s, {len(ours.encode()) / 1e6:6.1f} MB")

    start = time.perf_counter()
    base = baseline_html(frame)
    base_s = time.perf_counter() - start
    print(f"baseline: built in {base_s:6.2f} s, {len(base.encode()) / 1e6:6.1f} MB  (one folium.CircleMarker per household)")
    print(f"ratio: {base_s / ours_s:.0f}× faster (target ≥ 30×), {len(base.encode()) / len(ours.encode()):.1f}× smaller (target ≥ 8×)")

    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="chips-bench-map-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    ours_path = out_dir / "map-ours.html"
    ours_path.write_text(ours, encoding="utf-8")
    if args.out_dir:
        (out_dir / "map-baseline.html").write_text(base, encoding="utf-8")
    if args.skip_browser:
        return
    from tests.maps.browser import open_page

    loads = []
    for _ in range(3):
        report = open_page(ours_path.as_uri(), timeout_ms=120_000)
        if report.errors or report.blocked:
            print("browser problems:", report.errors[:5], report.blocked[:5])
        loads.append((report.load_ms, report.ready_ms))
    best_load = min(l for l, _ in loads)
    print(
        "headless Chromium, network blocked: load event "
        + ", ".join(f"{l / 1000:.2f} s" for l, _ in loads)
        + f" (best {best_load / 1000:.2f} s, target ≤ 3 s); map drawn at "
        + ", ".join(f"{r / 1000:.2f} s" for _, r in loads)
    )


if __name__ == "__main__":
    main()
