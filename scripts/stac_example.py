"""The docs' worked example (docs/stac-pairs.md) against the local STAC API, with its figures measured.

Needs a running API (``scripts/stac_server.sh start``; its URL in STAC_API_URL). Loads the test catalogue
(``naip`` and ``chesapeake-lc-7`` items over the real NAIP quarter-quad in ../shared, or a seeded synthetic
scene), serves the COGs with range requests on 127.0.0.1, then runs ``landcover pairs`` (a whole-scene area
and a small one), ``landcover train`` and ``landcover predict`` and prints items, pairs, bytes read against
file sizes and wall times::

    PYTHONPATH=$PWD STAC_API_URL=http://127.0.0.1:PORT LANDCOVER_SHARED=../shared \
        .venv/bin/python scripts/stac_example.py --work /tmp/stac-example
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SHARED
from tests.data.http_server import serve_directory
from tests.data.stac_fixtures import build_fixture, publish_fixture
from tests.landcover.data.catalog.test_pairs_stac import scene_bbox, small_bbox


def run(*args: str) -> float:
    started = time.perf_counter()
    print("$ landcover " + " ".join(args), flush=True)
    env = {**os.environ, "LANDCOVER_PROGRESS": "plain"}
    subprocess.run([sys.executable, "-m", "landcover", *args], check=True, env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    api = os.environ["STAC_API_URL"].rstrip("/")
    work: Path = args.work
    assets = work / "assets"
    with serve_directory(assets) as server:
        shared = SHARED if (SHARED / "data" / "real" / "m_3907833_nw_17_1").is_dir() else None
        fixture = build_fixture(assets, server.url, shared)
        publish_fixture(api, fixture)
        figures = {"source": fixture.source}
        for area, bbox in (("scene", scene_bbox(fixture)), ("small", small_bbox(fixture, 480.0))):
            server.traffic.reset()
            out = work / f"pairs-{area}"
            seconds = run(
                "pairs", "--stac-api", api, "--image-collection", "naip", "--label-collection", "chesapeake-lc-7",
                "--datetime", "2014", "--bbox", bbox, "--output-dir", str(out),
            )  # fmt: skip
            served = dict(server.traffic.bytes_served)
            sizes = sum((assets / p.lstrip("/").split("?")[0]).stat().st_size for p in served)
            summary = json.loads((out / "summary.json").read_text())
            figures[area] = {
                "bbox": bbox,
                "images": summary["images_found"],
                "label_items": summary["label_items_found"],
                "pairs": summary["pairs"],
                "labelled_fraction": summary["labelled_fraction"],
                "bytes_read": sum(served.values()),
                "bytes_of_files_touched": sizes,
                "wall_s": round(seconds, 1),
            }
        model = work / "model"
        train_s = run("train", "--input-dir", str(work / "pairs-scene"), "--model-dir", str(model),
                      "--epochs", str(args.epochs), "--epoch-size", "16", "--batch-size", "4")  # fmt: skip
        scenes = work / "scenes.txt"
        scenes.write_text("".join(f"{p}\n" for p in sorted((work / "pairs-scene").glob("*_NAIP.tif"))))
        predict_s = run("predict", "--scenes", str(scenes), "--model-filename", str(model / "trained.pt"),
                        "--output-dir", str(work / "maps"))  # fmt: skip
        figures["train_s"], figures["predict_s"] = round(train_s, 1), round(predict_s, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
