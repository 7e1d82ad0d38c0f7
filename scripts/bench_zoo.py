"""Measure the model zoo against the tutorial's U-Net on this machine: the figures of docs/models.md.

Three parts, each printed as it finishes (and written as JSON with ``--out``):

- ``speed``: ``landcover models --measure`` for the listed models, in one run (training samples/s, inference
  km²/s with the streaming engine, each with the precision and memory format the tuning rules pick);
- ``formats``: every model timed in fp32 / bf16 x NCHW / channels-last, training steps and inference forwards,
  so the per-model rules of ``landcover/tuning.py`` can be checked (``defaults vs best measured setting``);
- ``quality``: each model trained from scratch on the real Chesapeake patches with the same samples, seed and
  budget (6 patches train, 2 held out: a fixed split by name), then scored on the held-out patches with
  ``landcover score`` (pixel accuracy, per-class IoU), and the seams of its blended windows measured on a
  1024-px mosaic of the real patches, and its ONNX export checked against torch on a held-out patch
  (``--reuse`` scores the models a ``--work`` folder already holds).

Usage::

    PYTHONPATH=$PWD .venv/bin/python scripts/bench_zoo.py --parts speed,formats,quality --out zoo.json

Keep runs small on a shared CPU: ``--seconds`` per timing, ``--epochs`` x ``--epoch-size`` per model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from landcover.constants import MARGIN, WINDOW  # noqa: E402
from landcover.infer.survey import describe, measure  # noqa: E402
from landcover.model.build import build_network  # noqa: E402
from landcover.model.registry import ModelSpec  # noqa: E402

MODELS = [
    "tutorial-unet",
    "unet/resnet18",
    "unet/mobilenet_v2",
    "fpn/mobilenet_v2",
    "deeplabv3plus/resnet18",
    "segformer/mit_b0",
]
SHARED = Path(os.environ.get("LANDCOVER_SHARED", REPO.parent / "shared"))
PATCHES = SHARED / "data" / "real" / "chesapeake-wv-2014"
HELD_OUT = ("-6", "-7")
"""Patches whose names end so are held out (the last two of the tile); the other six train."""


def spec_of(name: str) -> ModelSpec:
    architecture, _, encoder = name.partition("/")
    return ModelSpec(architecture=architecture, encoder=encoder or None)


def speed(models: list[str], seconds: float, device: str = "cpu") -> list[dict[str, Any]]:
    rows = []
    for name in models:
        facts = measure(describe(spec_of(name)), seconds=seconds, device=torch.device(device))
        row = {
            "model": name,
            "parameters": facts.parameters,
            "gflop_forward": facts.gflop_forward,
            "gflop_training": facts.gflop_training,
            "train_samples_per_s": facts.train_samples_per_s,
            "infer_km2_per_s": facts.infer_km2_per_s,
            "train_settings": facts.train_settings,
            "infer_settings": facts.infer_settings,
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _rate(run: Any, units: int, seconds: float) -> float:
    run()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run()
        done += units
    return done / (time.perf_counter() - start)


def formats(models: list[str], seconds: float, batch: int = 4) -> list[dict[str, Any]]:
    rows = []
    for name in models:
        for bf16 in (False, True):
            for channels_last in (False, True):
                fmt = torch.channels_last if channels_last else torch.contiguous_format
                torch.manual_seed(0)
                model = build_network(spec_of(name)).to(memory_format=fmt)  # type: ignore[call-overload]
                x = torch.rand(batch, 4, WINDOW, WINDOW).contiguous(memory_format=fmt)
                y = torch.randint(1, 5, (batch, WINDOW - 2 * MARGIN, WINDOW - 2 * MARGIN))
                optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

                def step(
                    model: Any = model, x: Any = x, y: Any = y, optimizer: Any = optimizer, bf16: bool = bf16
                ) -> None:
                    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                        scores = model(x)
                    loss = F.cross_entropy(scores[:, :, MARGIN:-MARGIN, MARGIN:-MARGIN].float(), y)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()

                def forward(model: Any = model, x: Any = x, bf16: bool = bf16) -> None:
                    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                        model(x)

                model.train()
                train = _rate(step, batch, seconds)
                model.eval()
                infer = _rate(forward, batch, seconds)
                row = {"model": name, "bf16": bf16, "channels_last": channels_last, "train": train, "infer": infer}
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def _landcover(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LANDCOVER_PROGRESS": "plain"}
    result = subprocess.run([sys.executable, "-m", "landcover", *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"landcover {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def split_patches(work: Path) -> tuple[Path, Path]:
    converted = work / "converted"
    if not converted.is_dir():
        _landcover("convert-patches", str(PATCHES), str(converted))
    train, held = work / "train", work / "held_out"
    for folder in (train, held):
        folder.mkdir(exist_ok=True)
    for image in sorted(converted.glob("*_NAIP.tif")):
        name = image.name[: -len("_NAIP.tif")]
        target = held if name.endswith(HELD_OUT) else train
        for suffix in ("_NAIP.tif", "_LandCover.tif"):
            source = converted / f"{name}{suffix}"
            if not (target / source.name).exists():
                shutil.copy2(source, target / source.name)
    return train, held


def quality(
    models: list[str], work: Path, epochs: int, epoch_size: int, batch: int, reuse: bool = False
) -> list[dict[str, Any]]:
    from landcover.infer.score import score_pairs
    from landcover.model.checkpoint import load_model

    train, held = split_patches(work)
    scene = mosaic(work)
    rows = []
    for name in models:
        spec = spec_of(name)
        model_dir = work / name.replace("/", "-")
        args = ["train", "--input-dir", str(train), "--model-dir", str(model_dir), "--epochs", str(epochs)]
        args += ["--epoch-size", str(epoch_size), "--batch-size", str(batch), "--seed", "0", "--force"]
        if spec.is_zoo:
            args += ["--model", spec.architecture.value, "--encoder", str(spec.encoder)]
        seconds = None  # a model --reuse finds was trained by an earlier run: its time is not known here
        if not (reuse and (model_dir / "trained.pt").exists()):
            start = time.perf_counter()
            _landcover(*args)
            seconds = time.perf_counter() - start
        model = load_model(model_dir / "trained.pt")
        metrics = score_pairs(model, held)
        row: dict[str, Any] = {
            "model": name,
            "train_seconds": seconds,
            "pixel_accuracy": metrics["pixel_accuracy"],
            "mean_iou": metrics["mean_iou"],
            "iou": {cls: scores["iou"] for cls, scores in metrics["per_class"].items()},
        }
        if spec.is_zoo:
            row["seam_agreement"] = seams(model, scene)
        row["onnx_agreement"] = onnx_agreement(model_dir, next(held.glob("*_NAIP.tif")))
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def onnx_agreement(model_dir: Path, image: Path) -> float:
    """``landcover export --check-image``: the share of pixels (%) where ONNX Runtime's class equals torch's."""
    onnx = model_dir / "model.onnx"
    out = _landcover("export", str(model_dir / "trained.pt"), str(onnx), "--check-image", str(image), "--force")
    found = re.search(r"same class on ([\d.]+) %", out)
    if found is None:
        raise SystemExit(f"landcover export printed no agreement:\n{out}")
    return float(found[1])


def mosaic(work: Path, grid: int = 4) -> Path:
    """The eight real patches tiled ``grid`` x ``grid`` (each used twice: 1024 x 1024 px) in one GeoTIFF.

    Only for measuring seams: real imagery large enough to hold window edges (the patches are 256 px, smaller
    than one window's stride). Pixels at the patches' own borders change abruptly, as they never do in a scene.
    """
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = work / "mosaic_NAIP.tif"
    if path.exists():
        return path
    images = []
    for image in sorted((work / "converted").glob("*_NAIP.tif")):
        with rasterio.open(image) as src:
            images.append(src.read())
    side = images[0].shape[1]
    tiles = [images[i % len(images)] for i in range(grid * grid)]
    rows = [np.concatenate(tiles[r * grid : (r + 1) * grid], axis=2) for r in range(grid)]
    pixels = np.concatenate(rows, axis=1)
    profile = {"driver": "GTiff", "width": grid * side, "height": grid * side, "count": pixels.shape[0]}
    profile |= {"dtype": "uint8", "crs": "EPSG:26917", "transform": from_origin(500_000.0, 4_000_000.0, 1.0, 1.0)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pixels)
    return path


def seams(model: Any, scene: Path) -> float | None:
    """:func:`landcover.infer.blend.seam_agreement` of the engine's map of ``scene``, fp32."""
    import rasterio

    from landcover.infer.blend import seam_agreement
    from landcover.infer.engine import Engine, read_padded

    engine = Engine(model, torch.device("cpu"), exact=True)
    with rasterio.open(scene) as src:
        classes = engine.scene_classes(src)
        read = lambda r, c, h, w: read_padded(src, r, c, h, w)[0]  # noqa: E731
        assert engine.windows is not None
        same, total = seam_agreement(engine.scores, read, classes, engine.windows)
    return same / total if total else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="speed,formats,quality")
    parser.add_argument("--device", default="cpu", help="speed only: cpu or cuda")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--epoch-size", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--work", type=Path, default=None, help="Folder for the converted patches and models.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="quality: score the models --work already holds")
    args = parser.parse_args()
    models = args.models.split(",")
    parts = args.parts.split(",")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU {torch.backends.cpu.get_cpu_capability()}"
    )
    results: dict[str, Any] = {}
    if "speed" in parts:
        results["speed"] = speed(models, args.seconds, args.device)
    if "formats" in parts:
        results["formats"] = formats(models, args.seconds)
    if "quality" in parts:
        work = args.work or Path(tempfile.mkdtemp(prefix="bench-zoo-"))
        work.mkdir(parents=True, exist_ok=True)
        results["quality"] = quality(models, work, args.epochs, args.epoch_size, args.batch_size, args.reuse)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
