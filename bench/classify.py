"""Benchmark: classifying households into area classes (issue 7).

    .venv/bin/python bench/classify.py [--n 1000000] [--loop-sample 2000]

Our vectorised classification of N made-up households around Sempu against the bundled
sample layers, timed (wall clock and CPU), against a plain per-household shapely loop on a
sample (the obvious implementation: test each polygon, measure each whole river and
railway line), extrapolated to N and reported as a ratio. Also shows what cutting long
lines into ~20-vertex pieces buys, on a 100,000-household subset.
Targets: under 2 s of CPU per 100,000 households, and at least 50× faster than the loop.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from maps.classify import area_options, classify  # noqa: E402
from maps.layers import read_layer  # noqa: E402
from maps.store import SAMPLE_DIR, SAMPLE_LAYERS  # noqa: E402
from maps.synthetic import synthetic_points  # noqa: E402
from tests.support.area_oracle import loop_classify  # noqa: E402 - the tests' oracle is our baseline


def sample_layers():
    return {kind: read_layer(SAMPLE_DIR / filename, kind, **options) for kind, filename, options in SAMPLE_LAYERS}


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    args = parser.parse_args()

    layers = sample_layers()
    options = area_options()
    points, gen_s, _ = timed(synthetic_points, args.n, 7)
    print(f"households: {args.n:,} (made up in {gen_s:.1f} s); cores: {os.cpu_count()}")

    classify(points.iloc[:1000], layers)  # warm-up (imports, PROJ database)
    result, wall, cpu = timed(classify, points, layers)
    placed = int((result["status"] == "ok").sum())
    per100k_wall, per100k_cpu = wall / args.n * 1e5, cpu / args.n * 1e5
    print(f"ours: {wall:.2f} s wall, {cpu:.2f} s CPU for {args.n:,} ({placed:,} placed)")
    print(f"      = {per100k_wall:.3f} s wall, {per100k_cpu:.3f} s CPU per 100,000  (target < 2 s)")
    print("      classes:", result["area_class"].value_counts().to_dict())

    sample = points.sample(args.loop_sample, random_state=1)
    _, loop_wall, _ = timed(loop_classify, sample, layers, options)
    loop_total = loop_wall / len(sample) * args.n
    print(
        f"per-household shapely loop: {loop_wall:.2f} s for {len(sample):,} "
        f"= {loop_wall / len(sample) * 1e6:.0f} µs each, ~{loop_total:.0f} s for {args.n:,}"
    )
    print(f"ratio loop / ours: {loop_total / wall:.0f}×  (target ≥ 50×)")

    subset = points.iloc[:100_000]
    _, cut_s, _ = timed(classify, subset, layers)
    _, whole_s, _ = timed(classify, subset, layers, {"piece_vertices": 1_000_000})
    print(f"lines cut into ~20-vertex pieces vs whole lines (100,000 households): {cut_s:.2f} s vs {whole_s:.2f} s = {whole_s / cut_s:.1f}×")


if __name__ == "__main__":
    main()
