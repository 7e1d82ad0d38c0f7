"""Remote-read benchmark: bytes fetched for a 1 km region of a large COG served over HTTP (range requests).

Writes a synthetic NAIP-like COG (default 6144 x 6144 1 m pixels, larger than a NAIP quarter-quad),
serves it on 127.0.0.1 with the tests' range-request server, runs `landcover evaluate --input-filename
http://...` on a 1000 m region at its centre, and prints the bytes served, the file size and the fraction
(and the number of HTTP requests); then the same region from the local file, to confirm identical classes.

Usage: python scripts/bench_remote.py [--size 6144] [--region 1000m] [--model CKPT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_cog(directory: Path, size: int) -> Path:
    import rasterio.shutil

    from landcover.data.sample import evaluation_origin, generate_scene, write_scene

    west, north = evaluation_origin()
    tiff = write_scene(generate_scene(7, size, west - size / 2, north + size / 2), directory / "src", "Q")[0]
    cog = directory / "www" / "quarter_quad.tif"
    cog.parent.mkdir(parents=True)
    rasterio.shutil.copy(tiff, cog, driver="COG", compress="deflate", blocksize=512)
    return cog


def evaluate(source: str, model: Path, out: Path, lat: float, lon: float, region: str) -> None:
    command = [sys.executable, "-m", "landcover", "evaluate", "--input-filename", source]
    command += ["--model-filename", str(model), "--output-dir", str(out)]
    command += ["--center-lat", str(lat), "--center-lon", str(lon), "--region-dim", region]
    subprocess.run(command, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6144)
    parser.add_argument("--region", default="1000m")
    parser.add_argument("--model", type=Path, help="a checkpoint [a fresh seeded model]")
    args = parser.parse_args()

    import numpy as np
    import rasterio
    from pyproj import Transformer

    from tests.data.http_server import serve_directory
    from tests.data.models import fresh_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = args.model or fresh_checkpoint(work / "model.pt")
        cog = write_cog(work, args.size)
        with rasterio.open(cog) as src:
            x, y = src.xy(src.height // 2, src.width // 2)
            lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)
            tiles = src.block_shapes[0]
        size = cog.stat().st_size
        with serve_directory(cog.parent) as server:
            evaluate(f"{server.url}/{cog.name}", model, work / "remote", lat, lon, args.region)
            served = server.traffic.bytes_served[f"/{cog.name}"]
            requests = server.traffic.requests[f"/{cog.name}"]
        evaluate(str(cog), model, work / "local", lat, lon, args.region)
        with (
            rasterio.open(work / "remote" / "pred_labels.tif") as a,
            rasterio.open(work / "local" / "pred_labels.tif") as b,
        ):
            identical = bool(np.array_equal(a.read(1), b.read(1)))
            region = f"{a.width} x {a.height} px"
        print(f"COG: {args.size} x {args.size} px, {tiles[0]}-px tiles, {size / 1e6:.1f} MB")
        print(
            f"{args.region} region ({region}) over HTTP: {served / 1e6:.2f} MB in {requests} requests = "
            f"{100 * served / size:.1f} % of the file; classes identical to the local read: {identical}"
        )
        print(json.dumps({"file_bytes": size, "served_bytes": served, "requests": requests, "identical": identical}))


if __name__ == "__main__":
    main()
