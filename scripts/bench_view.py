"""`landcover view` benchmark: time to the first tile and tiles/s, for one 20,000 x 20,000 scene and a 50-scene mosaic.

Writes (once, into --data; reused by later runs) what `landcover evaluate` and `landcover predict` write,
through the same writers (COGs with overviews):
- big/: NAIP.tif, pred_labels.tif and confidence.tif of one SIDE x SIDE scene (1 m pixels, UTM 18N), and
- mosaic/: SCENES scenes of SCENE_SIDE px with their *_landcover.tif and *_landcover_confidence.tif maps
  and a summary.json naming the scenes (as `landcover predict` leaves them).

For each it starts a real `landcover view FOLDER --no-browser` on 127.0.0.1 and measures
- first tile: from starting the process to the first PNG tile of the prediction received (the catalog is
  made, the port bound, the page's first tile at the zoom that fits the data read from the overviews), and
  how much of it is Python starting and importing (`landcover view --help`, timed in the same run),
- tiles/s: every tile of the prediction, the true-colour imagery and the confidence at the zoom that fits
  the data + 2, + 4 (a zoomed-in view's worth of tiles at full resolution) fetched by 4 client threads,
and prints them with the machine's CPU count and load (the machine may be shared).

Usage: python scripts/bench_view.py [--data DIR] [--side 20000] [--scenes 50] [--scene-side 2048]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STRIP = 1024


def _fields(rows: np.ndarray, cols: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classes in 64-px fields, smooth imagery coloured by class, confidence by field: compressible, like maps.

    ``rows`` is a column (h, 1) and ``cols`` a row (1, w) of int32 pixel indices.
    """
    rng = np.random.default_rng(seed)
    table = rng.integers(1, 5, size=4096, dtype=np.uint8)
    field = ((rows // 64) * 7919 + (cols // 64) * 104729 + seed) % 4096
    classes = table[field]
    palette = np.array(
        [[0, 0, 0, 0], [30, 60, 110, 20], [40, 100, 40, 200], [140, 170, 90, 150], [160, 150, 140, 90]], dtype=np.uint8
    )
    shade = ((rows + cols) % 32).astype(np.uint8)
    imagery = np.stack([palette[:, band][classes] + shade for band in range(4)])  # at most 231: no overflow
    confidence = (64 + field % 191).astype(np.uint8)
    return classes, imagery, confidence


def write_scene(folder: Path, names: dict[str, str], side: int, origin: tuple[float, float], seed: int) -> None:
    """Write one scene's imagery, classes and confidence strip by strip through landcover's COG writer."""
    from rasterio.crs import CRS
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from landcover.data.pairs import NAIP_COLOUR_INTERPRETATION
    from landcover.infer.outputs import StreamingRaster

    base = {"width": side, "height": side, "crs": CRS.from_epsg(32618), "transform": from_origin(*origin, 1, 1)}
    writers = {
        "imagery": StreamingRaster(
            folder / names["imagery"], {**base, "count": 4, "dtype": "uint8", "nodata": None},
            categorical=False, bands=NAIP_COLOUR_INTERPRETATION,
        ),
        "classes": StreamingRaster(
            folder / names["classes"], {**base, "count": 1, "dtype": "uint8", "nodata": 0}, colourmap=True
        ),
        "confidence": StreamingRaster(
            folder / names["confidence"], {**base, "count": 1, "dtype": "uint8", "nodata": 0}, categorical=False
        ),
    }  # fmt: skip
    for top in range(0, side, STRIP):
        height = min(STRIP, side - top)
        rows = np.arange(top, top + height, dtype=np.int32)[:, None]
        cols = np.arange(side, dtype=np.int32)[None, :]
        classes, imagery, confidence = _fields(rows, cols, seed)
        window = Window(0, top, side, height)
        writers["imagery"].write(imagery, window)
        writers["classes"].write(classes, window)
        writers["confidence"].write(confidence, window)
    for writer in writers.values():
        writer.finish()


def make_big(folder: Path, side: int) -> Path:
    if (folder / "confidence.tif").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    names = {"imagery": "NAIP.tif", "classes": "pred_labels.tif", "confidence": "confidence.tif"}
    write_scene(folder, names, side, (500_000, 4_100_000), seed=1)
    return folder


def make_mosaic(folder: Path, scenes: int, side: int) -> Path:
    if (folder / "summary.json").is_file():
        return folder
    (folder / "scenes").mkdir(parents=True, exist_ok=True)
    per_scene = []
    columns = int(np.ceil(np.sqrt(scenes)))
    for index in range(scenes):
        stem = f"T{index:02d}_NAIP"
        names = {
            "imagery": f"scenes/{stem}.tif",
            "classes": f"{stem}_landcover.tif",
            "confidence": f"{stem}_landcover_confidence.tif",
        }
        origin = (500_000.0 + (index % columns) * side, 4_100_000.0 - (index // columns) * side)
        write_scene(folder, names, side, origin, seed=index)
        per_scene.append({"index": index, "source": str(folder / names["imagery"]), "status": "done"})
        print(f"  scene {index + 1}/{scenes}", flush=True)
    (folder / "summary.json").write_text(json.dumps({"per_scene": per_scene}))
    return folder


def start(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANDCOVER_PROGRESS": "plain"}
    command = [sys.executable, "-m", "landcover", "view", str(folder), "--no-browser"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    return process, process.stdout.readline().split()[2].rstrip("/")


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as response:
        return len(response.read())


def fitting_zoom(bounds: list[float], pixels: int = 1024) -> int:
    """The zoom at which the data spans about ``pixels`` screen pixels (what the page opens at)."""
    span = max(bounds[2] - bounds[0], 1e-9)
    return int(np.floor(np.log2(pixels / 256 * 360 / span)))


def tiles_at(bounds: list[float], zoom: int) -> list[tuple[int, int, int]]:
    import morecantile

    tms = morecantile.tms.get("WebMercatorQuad")
    return [(t.x, t.y, t.z) for t in tms.tiles(*bounds, zooms=[zoom])]


def process_start() -> float:
    """Seconds to start Python and import what `landcover view` imports (`landcover view --help`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tic = time.perf_counter()
    subprocess.run([sys.executable, "-m", "landcover", "view", "--help"], check=True, capture_output=True, env=env)
    return time.perf_counter() - tic


def measure(folder: Path) -> dict[str, float]:
    startup = process_start()
    began = time.perf_counter()
    process, base = start(folder)
    try:
        info = json.loads(urllib.request.urlopen(base + "/info", timeout=120).read())
        zoom = fitting_zoom(info["bounds"])
        x, y, z = tiles_at(info["bounds"], zoom)[0]
        fetch(f"{base}/tiles/prediction/{z}/{x}/{y}.png")
        first = time.perf_counter() - began
        figures = {"first_tile_s": first, "of_which_process_start_s": startup}
        for extra in (2, 4):
            wanted = tiles_at(info["bounds"], zoom + extra)[:400]
            urls = [f"{base}/tiles/{layer}/{z}/{x}/{y}.png" for layer in ("prediction", "true-colour", "confidence")
                    for x, y, z in wanted]  # fmt: skip
            with ThreadPoolExecutor(4) as pool:
                tic = time.perf_counter()
                sizes = list(pool.map(fetch, urls))
                seconds = time.perf_counter() - tic
            figures[f"tiles_per_s_z+{extra}"] = len(urls) / seconds
            figures[f"tiles_z+{extra}"] = len(urls)
            figures[f"kib_per_tile_z+{extra}"] = sum(sizes) / len(sizes) / 1024
        return figures
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/landcover-bench-view"))
    parser.add_argument("--side", type=int, default=20_000)
    parser.add_argument("--scenes", type=int, default=50)
    parser.add_argument("--scene-side", type=int, default=2048)
    args = parser.parse_args()
    tic = time.perf_counter()
    big = make_big(args.data / f"big-{args.side}", args.side)
    mosaic = make_mosaic(args.data / f"mosaic-{args.scenes}x{args.scene_side}", args.scenes, args.scene_side)
    print(f"data ready in {time.perf_counter() - tic:.0f} s under {args.data}", flush=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (the machine may be shared)")
    for name, folder in ((f"{args.side} x {args.side} scene", big), (f"{args.scenes}-scene mosaic", mosaic)):
        figures = measure(folder)
        shown = ", ".join(f"{key} {value:.2f}" for key, value in figures.items())
        print(f"{name}: {shown}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
