"""Files that are not what they claim, and errors that must name the real cause (issue 25, classes 4, 7, 8).

Model files of another format (ONNX, CNTK, a GeoTIFF) named by their content; damaged checkpoints (a NaN
normalisation std, a negative BatchNorm variance, ``format_version`` as text); truncated label files named,
not their intact image; imagery given as labels; pairs without a CRS; malformed, deep or non-numeric
``--geojson``; Chesapeake patches out of range, 0 x 0 or renamed ``.npy``; folders and link loops where files
belong; names too long; seeds and coordinates past their bounds; validation pairs that are training pairs;
labels with nothing to score; a bounding box around the whole scene.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tests.bad_inputs.case import BadInput, Setup
from tests.bad_inputs.landcover_setups import _checkpoint_bytes, checkpoint, copy, pair, pairs, scene
from tests.bad_inputs.setups import file, folder, symlink
from tests.data.fixtures import truncate

EVALUATE = ("evaluate", "--model-filename", "{ws}/m.pt", "--output-dir", "{ws}/out")
SCENE_ARGS = ("--input-filename", "{ws}/scene_NAIP.tif")
TRAIN = ("train", "--model-dir", "{ws}/models", "--epochs", "1", "--epoch-size", "4", "--batch-size", "2")
PAIRS = ("pairs", "--output-dir", "{ws}/out", "--images", "{ws}/pairs/p0_NAIP.tif")
LONG = "n" * 300
ONNX_HEAD = b"\x08\x08\x12\x10landcover-runner\x1a\x030.3" + bytes(32)
CNTK_HEAD = b"\x08\x02\x12\x11\n\x07version\x12\x06\x08\x02" + bytes(32)


@cache
def _changed_checkpoint(change: str) -> bytes:
    import torch

    checkpoint = torch.load(io.BytesIO(_checkpoint_bytes("fresh")), weights_only=True)
    if change == "nan-std":
        checkpoint["config"]["std"] = [float("nan")] * 4
    elif change == "zero-std":
        checkpoint["config"]["std"] = [0.0] * 4
    elif change == "negative-variance":
        name = next(n for n in checkpoint["state_dict"] if n.endswith("running_var"))
        checkpoint["state_dict"][name] = -checkpoint["state_dict"][name] - 1
    elif change == "version-text":
        checkpoint["format_version"] = "1"
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


def changed_checkpoint(change: str, path: str = "m.pt") -> Setup:
    """A fresh checkpoint with one change: ``nan-std``, ``zero-std``, ``negative-variance``, ``version-text``."""

    def make(ws: Path) -> None:
        (ws / path).write_bytes(_changed_checkpoint(change))

    return make


def truncated(path: str, keep: float = 0.3) -> Setup:
    """Cut a file made by an earlier setup short (a download that stopped)."""

    def make(ws: Path) -> None:
        truncate(ws / path, keep)

    return make


def patch(path: str, change: str) -> Setup:
    """A Chesapeake-style patch (1, 29, 32, 32), changed: ``label-300``, ``label-minus-1``, ``empty``, ``npy``."""

    def make(ws: Path) -> None:
        rng = np.random.default_rng(0)
        shape: Any = (1, 29, 0, 0) if change == "empty" else (1, 29, 32, 32)
        array = rng.uniform(0, 255, size=shape).astype("float32")
        if change != "empty":
            array[0, 8] = rng.integers(1, 7, size=(32, 32))
        if change == "label-300":
            array[0, 8, :4] = 300
        if change == "label-minus-1":
            array[0, 8, :4] = -1
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            if change == "npy":
                np.save(handle, array)
            else:
                np.savez(handle, array)

    return make


def _zero(data: np.ndarray) -> np.ndarray:
    return np.zeros_like(data)


def _as_uint16(data: np.ndarray) -> np.ndarray:
    return data.astype(np.uint16) * 100


CASES: list[BadInput] = []

MODEL_FILES = {
    # name: (setups, message fragments)
    "onnx": ((file("m.pt", ONNX_HEAD),), ("m.pt: this is an ONNX model", "the .pt checkpoint")),
    "cntk-as-pt": ((file("m.pt", CNTK_HEAD),), ("this is a CNTK model", "landcover import-cntk")),
    "geotiff": ((scene("m.pt"),), ("this is a GeoTIFF", "order of the arguments")),
    "nan-std": ((changed_checkpoint("nan-std"),), ("normalisation std [nan, nan, nan, nan]",)),
    "zero-std": ((changed_checkpoint("zero-std"),), ("std [0.0, 0.0, 0.0, 0.0] must be above 0",)),
    "negative-variance": ((changed_checkpoint("negative-variance"),), ("negative BatchNorm variance",)),
    "version-text": ((changed_checkpoint("version-text"),), ("format_version is '1', not a whole number",)),
    "folder-named-pt": ((folder("m.pt"),), ("m.pt: is a folder, where a model file belongs",)),
    # Output confinement resolves inputs first ("Symlink loop from ..."); model loading names it the same way.
    "link-loop": ((symlink("m.pt", "m2.pt"), symlink("m2.pt", "m.pt")), ("m.pt", "loop")),
}

for name, (made, fragments) in MODEL_FILES.items():
    CASES += [
        BadInput(
            id=f"landcover-score-model-{name}",
            cli="landcover",
            argv=("score", "{ws}/m.pt", "{ws}/pairs"),
            message=fragments,
            setup=(pairs(), *made),
            untouched=("pairs",),
        ),
        BadInput(
            id=f"landcover-evaluate-model-{name}",
            cli="landcover",
            argv=(*EVALUATE, *SCENE_ARGS),
            message=fragments,
            setup=(scene(), *made),
            untouched=("scene_NAIP.tif",),
        ),
        BadInput(
            id=f"landcover-train-init-from-{name}",
            cli="landcover",
            argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--init-from", "{ws}/m.pt"),
            message=fragments,
            setup=(pairs(), *made),
            untouched=("models", "pairs"),
        ),
    ]

CASES += [
    # A truncated label file is named, not its intact image.
    BadInput(
        id="landcover-score-labels-truncated",
        cli="landcover",
        argv=("score", "{ws}/m.pt", "{ws}/pairs"),
        message=("p0_LandCover.tif: truncated or damaged",),
        setup=(pair(size=(512, 512)), truncated("pairs/p0_LandCover.tif"), checkpoint()),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-evaluate-labels-truncated",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/pairs/p0_NAIP.tif"),
        message=("p0_LandCover.tif: truncated or damaged",),
        setup=(pair(size=(512, 512)), truncated("pairs/p0_LandCover.tif"), checkpoint()),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-train-labels-truncated",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
        message=("p0_LandCover.tif: truncated or damaged",),
        setup=(pair(size=(512, 512)), truncated("pairs/p0_LandCover.tif")),
        untouched=("pairs", "models"),
    ),
    # Imagery given as labels.
    BadInput(
        id="landcover-evaluate-labels-are-imagery",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--labels", "{ws}/img16.tif"),
        message=("img16.tif: expected one band of integer labels, found 4 x uint16", "looks like imagery"),
        setup=(scene(), scene("img16.tif", dtype="uint16"), checkpoint()),
        untouched=("scene_NAIP.tif", "img16.tif"),
    ),
    BadInput(
        id="landcover-pairs-labels-are-16-bit-imagery",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/u16_NAIP.tif"),
        message=("u16_NAIP.tif: expected one band of integer labels", "looks like imagery"),
        setup=(pair(), pair(name="u16", image=_as_uint16)),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-labels-are-the-image",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_NAIP.tif"),
        message=("p0_NAIP.tif: expected one band of integer labels, found 4 x uint8", "looks like imagery"),
        setup=(pair(),),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-image-without-crs",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif"),
        message=("p0_NAIP.tif: has no CRS",),
        setup=(pair(crs=None),),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-label-codes-not-classes",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif"),
        message=("label values 200 are not land-cover codes 0-6",),
        setup=(pair(labels=lambda d: np.where(d == 3, 200, d).astype(d.dtype)),),
        untouched=("pairs",),
    ),
    # --geojson that is not an area.
    BadInput(
        id="landcover-pairs-geojson-not-json",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif", "--geojson", "{ws}/area.geojson"),
        message=("--geojson", "area.geojson: not valid JSON"),
        setup=(pair(), file("area.geojson", '{"type": "Polygon", "coordinates": [[1, 2]')),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-geojson-deeply-nested",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif", "--geojson", "{ws}/area.geojson"),
        message=("area.geojson: nested too deeply",),
        setup=(pair(), file("area.geojson", "[" * 100_000 + "]" * 100_000)),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-geojson-coordinates-text",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif", "--geojson", "{ws}/area.geojson"),
        message=("area.geojson: coordinates hold str",),
        setup=(pair(), file("area.geojson", '{"type": "Polygon", "coordinates": "x"}')),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-pairs-geojson-coordinates-not-degrees",
        cli="landcover",
        argv=(*PAIRS, "--labels", "{ws}/pairs/p0_LandCover.tif", "--geojson", "{ws}/area.geojson"),
        message=("is not a longitude and latitude",),
        setup=(pair(), file("area.geojson", '{"type": "Point", "coordinates": [722000, 4105000]}')),
        untouched=("pairs",),
    ),
    # Chesapeake patches.
    *(
        BadInput(
            id=f"landcover-convert-patches-{change}",
            cli="landcover",
            argv=("convert-patches", "{ws}/npz", "{ws}/out"),
            message=fragments,
            setup=(patch("npz/a.npz", change),),
            untouched=("npz",),
        )
        for change, fragments in {
            "label-300": ("a.npz: label values 300 are not land-cover codes 0-6",),
            "label-minus-1": ("a.npz: label values -1 are not land-cover codes 0-6",),
            "empty": ("a.npz: array of shape (1, 29, 0, 0)",),
            "npy": ("a.npz: this is a NumPy .npy array, not an .npz patch",),
        }.items()
    ),
    # Paths that are not files, and names too long.
    BadInput(
        id="landcover-score-image-is-a-folder",
        cli="landcover",
        argv=("score", "{ws}/m.pt", "{ws}/pairs"),
        message=("p0_NAIP.tif: is a folder, where a file belongs",),
        setup=(
            folder("pairs/p0_NAIP.tif"),
            pair(name="p1"),
            copy("pairs/p1_LandCover.tif", "pairs/p0_LandCover.tif"),
            checkpoint(),
        ),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-evaluate-scene-link-loop",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("scene_NAIP.tif", "loop"),
        setup=(symlink("scene_NAIP.tif", "scene_NAIP.tif"), checkpoint()),
        untouched=("m.pt",),
    ),
    BadInput(
        id="landcover-evaluate-scene-name-too-long",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", f"{{ws}}/{LONG}.tif"),
        message=("file name too long",),
        setup=(checkpoint(),),
        untouched=("m.pt",),
    ),
    BadInput(
        id="landcover-evaluate-output-name-too-long",
        cli="landcover",
        argv=("evaluate", "--model-filename", "{ws}/m.pt", "--output-dir", f"{{ws}}/{LONG}", *SCENE_ARGS),
        message=("file name too long",),
        setup=(scene(), checkpoint()),
        untouched=("scene_NAIP.tif", "m.pt"),
    ),
    BadInput(
        id="landcover-sample-data-name-too-long",
        cli="landcover",
        argv=("sample-data", f"{{ws}}/{LONG}"),
        message=("file name too long",),
    ),
    # Numbers past their bounds.
    BadInput(
        id="landcover-sample-data-seed-negative",
        cli="landcover",
        argv=("sample-data", "{ws}/data", "--seed", "-1"),
        message=("--seed", "greater than or equal to 0"),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-sample-data-seed-huge",
        cli="landcover",
        argv=("sample-data", "{ws}/data", "--seed", str(10**30)),
        message=("--seed", "less than or equal to 4294967295"),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-train-seed-negative",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--seed", "-5"),
        message=("--seed",),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-evaluate-centre-zero-zero",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "0", "--center-lon", "0"),
        message=("--center-lat 0.0 / --center-lon 0.0: outside the area the scene's CRS can place",),
        setup=(scene(), checkpoint()),
        untouched=("scene_NAIP.tif", "m.pt"),
    ),
    BadInput(
        id="landcover-evaluate-bbox-nan",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-79,nan,0,0"),
        message=("--bbox '-79,nan,0,0' is not longitudes and latitudes",),
        setup=(scene(), checkpoint()),
        untouched=("scene_NAIP.tif", "m.pt"),
    ),
    # Validation on training data.
    BadInput(
        id="landcover-train-val-dir-is-input-dir",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--val-dir", "{ws}/pairs/."),
        message=("--val-dir", "is the training image"),
        setup=(pairs(),),
        untouched=("models", "pairs"),
    ),
    BadInput(
        id="landcover-train-val-dir-holds-copies",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--val-dir", "{ws}/val"),
        message=("--val-dir", "val/tile1_NAIP.tif is the training image"),
        setup=(pairs(), pair("val", "tile1", size=(160, 160)), copy("pairs/tile1_NAIP.tif", "val/tile1_NAIP.tif")),
        untouched=("models", "pairs", "val"),
    ),
    # Right answers that used to be wrong or silent (exit 0).
    BadInput(
        id="landcover-evaluate-bbox-around-the-whole-scene",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-180,-89,180,89"),
        message=("reaches outside the scene and was clipped",),
        exit_code=0,
        setup=(scene(), checkpoint()),
        untouched=("scene_NAIP.tif",),
    ),
    BadInput(
        id="landcover-evaluate-labels-all-zero",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/pairs/p0_NAIP.tif"),
        message=("nothing scored: every label is 0 (unknown) or nodata",),
        exit_code=0,
        setup=(pair(labels=_zero), checkpoint()),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-score-labels-all-zero",
        cli="landcover",
        argv=("score", "{ws}/m.pt", "{ws}/pairs"),
        message=("nothing scored: every label is 0 (unknown) or nodata",),
        exit_code=0,
        setup=(pair(labels=_zero), checkpoint()),
        untouched=("pairs",),
    ),
]
