"""Bad input files for every ``landcover`` command: models, scenes, pairs, labels, STAC, tracking, regions.

Covers issue 21 items 6 (non-finite weights), 7 (label codes that are not classes), 8 (all-nodata imagery),
10 (STAC errors), 13 (an unreachable MLflow server fails before the work) and the classes they stand for.
"""

from __future__ import annotations

import numpy as np

from tests.bad_inputs.case import BadInput
from tests.bad_inputs.landcover_setups import checkpoint, pair, pairs, scene, stac_item
from tests.bad_inputs.setups import file, folder, symlink

TRAIN = ("train", "--model-dir", "{ws}/models", "--epochs", "1", "--epoch-size", "4", "--batch-size", "2")
EVALUATE = ("evaluate", "--model-filename", "{ws}/m.pt", "--output-dir", "{ws}/out")
PREDICT = ("predict", "--model-filename", "{ws}/m.pt", "--output-dir", "{ws}/maps")
SCENE_ARGS = ("--input-filename", "{ws}/scene_NAIP.tif")
DEAD_URL = "http://127.0.0.1:9"
"""A local port nothing listens on (discard): connections are refused at once."""


def _set(value: int, rows: slice = slice(0, 16)):  # type: ignore[no-untyped-def]
    def change(data: np.ndarray) -> np.ndarray:
        data = data.copy()
        data[:, rows, :] = value
        return data

    return change


def _widen(data: np.ndarray) -> np.ndarray:
    data = data.astype(np.int16)
    data[:, :8, :] = -1  # a signed label file with a strip of -1
    return data


MODEL_FILES = {
    # name: (setups, message fragments)
    "missing": ((), ("m.pt: no such model file",)),
    "empty": ((file("m.pt", b""),), ("m.pt: empty file",)),
    "text": ((file("m.pt", "not a model"),), ("not a landcover checkpoint",)),
    "nan-weights": ((checkpoint(kind="nan"),), ("weights are not finite", "lower --lr")),
    "folder": ((folder("m.pt"),), ("m.pt",)),
}

CASES: list[BadInput] = []

for name, (made, fragments) in MODEL_FILES.items():
    CASES += [
        BadInput(
            id=f"landcover-evaluate-model-{name}",
            cli="landcover",
            argv=(*EVALUATE, *SCENE_ARGS),
            message=fragments,
            setup=(scene(), *made),
            untouched=("out",),
        ),
        BadInput(
            id=f"landcover-predict-model-{name}",
            cli="landcover",
            argv=(*PREDICT, "--scenes", "{ws}/scenes"),
            message=fragments,
            setup=(scene("scenes/a_NAIP.tif"), *made),
            untouched=("maps",),
        ),
        BadInput(
            id=f"landcover-score-model-{name}",
            cli="landcover",
            argv=("score", "{ws}/m.pt", "{ws}/pairs"),
            message=fragments,
            setup=(pairs(), *made),
        ),
        BadInput(
            id=f"landcover-export-model-{name}",
            cli="landcover",
            argv=("export", "{ws}/m.pt", "{ws}/m.onnx"),
            message=fragments[-1:] if name != "missing" else ("m.pt",),
            setup=made,
            untouched=("m.onnx",),
        ),
        BadInput(
            id=f"landcover-train-init-from-{name}",
            cli="landcover",
            argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--init-from", "{ws}/m.pt"),
            message=fragments,
            setup=(pairs(), *made),
            untouched=("models",),
        ),
    ]

LABELS = {
    # Item 7: codes that are not classes are refused by name; the nodata code is "no label".
    "code-255-untagged": (pair(labels=_set(255)), ("label values 255 are not land-cover codes 0-6", "a_nodata")),
    "codes-9-and-200": (
        pair(labels=lambda d: np.where(np.arange(d.shape[1])[None, :, None] < 8, 9, np.where(d == 3, 200, d))),
        ("label values 9, 200 are not land-cover codes",),
    ),
    "negative-codes": (pair(labels=_widen), ("label values -1", "not land-cover codes")),
    "all-nodata-tagged": (pair(labels=_set(255, slice(None)), label_nodata=255), ("every label is 0",)),
    "all-unknown": (pair(labels=_set(0, slice(None))), ("every label is 0 (unknown)",)),
}

for name, (made, fragments) in LABELS.items():
    CASES += [
        BadInput(
            id=f"landcover-train-labels-{name}",
            cli="landcover",
            argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
            message=fragments,
            setup=(made,),
            untouched=("pairs", "models"),
        ),
    ]
    if name not in ("all-nodata-tagged", "all-unknown"):
        CASES.append(
            BadInput(
                id=f"landcover-score-labels-{name}",
                cli="landcover",
                argv=("score", "{ws}/m.pt", "{ws}/pairs"),
                message=fragments,
                setup=(made, checkpoint()),
                untouched=("pairs",),
            )
        )
        CASES.append(
            BadInput(
                id=f"landcover-evaluate-labels-{name}",
                cli="landcover",
                argv=(*EVALUATE, "--input-filename", "{ws}/pairs/p0_NAIP.tif"),
                message=fragments,
                setup=(made, checkpoint()),
                untouched=("pairs",),
            )
        )

CASES += [
    # Item 8: imagery nodata.
    BadInput(
        id="landcover-train-image-all-nodata",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
        message=("p0_NAIP.tif: every pixel is nodata",),
        setup=(pair(image=_set(0, slice(None)), image_nodata=0),),
        untouched=("pairs",),
    ),
    BadInput(
        id="landcover-evaluate-scene-all-nodata",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("every pixel of the region is nodata",),
        setup=(scene(nodata=0, fill=0), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-region-all-nodata",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-78.0,30.0,-77.9,30.1"),
        message=("lies wholly outside the scene",),
        setup=(scene(nodata=0, fill=0), checkpoint()),
        untouched=("out",),
    ),
    # Scenes that are not NAIP imagery.
    BadInput(
        id="landcover-evaluate-scene-missing",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message="scene_NAIP.tif",
        setup=(checkpoint(),),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-scene-text",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message="scene_NAIP.tif",
        setup=(file("scene_NAIP.tif", "hello"), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-scene-dangling-link",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message="scene_NAIP.tif",
        setup=(symlink("scene_NAIP.tif", "gone.tif"), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-scene-three-bands",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("3 bands",),
        setup=(scene(bands=3), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-scene-16-bit",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("uint16",),
        setup=(scene(dtype="uint16"), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-model-three-bands",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("the model takes 3 bands, the image has 4",),
        setup=(scene(), checkpoint(kind="wrong-bands")),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-scene-url-unreachable",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", f"{DEAD_URL}/scene_NAIP.tif"),
        message=("127.0.0.1:9",),
        setup=(checkpoint(),),
        untouched=("out",),
    ),
    # Item 10: STAC items that cannot be read.
    BadInput(
        id="landcover-evaluate-stac-invalid-json",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/item.json"),
        message=("item.json",),
        setup=(file("item.json", "{not json"), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-stac-url-unreachable",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", f"{DEAD_URL}/item.json"),
        message=("127.0.0.1:9/item.json",),
        setup=(checkpoint(),),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-stac-not-an-item",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/item.json"),
        message=("item.json",),
        setup=(file("item.json", '{"type": "Catalog"}'), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-stac-no-assets",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/item.json"),
        message=("item.json",),
        setup=(stac_item("item.json", assets={}), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-stac-unknown-asset",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/item.json", "--asset", "nir"),
        message=("nir",),
        setup=(stac_item("item.json"), scene(), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-stac-asset-missing-file",
        cli="landcover",
        argv=(*EVALUATE, "--input-filename", "{ws}/item.json"),
        message=("gone_NAIP.tif",),
        setup=(stac_item("item.json", href="gone_NAIP.tif"), checkpoint()),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-predict-stac-invalid-json",
        cli="landcover",
        argv=(*PREDICT, "--scenes", "{ws}/items.json"),
        message=("items.json",),
        setup=(file("items.json", "[1, 2"), checkpoint()),
        untouched=("maps",),
    ),
    BadInput(
        id="landcover-predict-stac-url-unreachable",
        cli="landcover",
        argv=(*PREDICT, "--scenes", f"{DEAD_URL}/items.json"),
        message=("127.0.0.1:9/items.json",),
        setup=(checkpoint(),),
        untouched=("maps",),
    ),
    BadInput(
        id="landcover-predict-scenes-missing",
        cli="landcover",
        argv=(*PREDICT, "--scenes", "{ws}/nowhere"),
        message=("nowhere",),
        setup=(checkpoint(),),
        untouched=("maps",),
    ),
    BadInput(
        id="landcover-predict-scenes-empty-folder",
        cli="landcover",
        argv=(*PREDICT, "--scenes", "{ws}/scenes"),
        message=("scenes",),
        setup=(folder("scenes"), checkpoint()),
        untouched=("maps",),
    ),
    BadInput(
        id="landcover-predict-list-names-missing-scene",
        cli="landcover",
        argv=(*PREDICT, "--scenes", "{ws}/list.txt"),
        message=("gone_NAIP.tif",),
        setup=(file("list.txt", "gone_NAIP.tif\n"), checkpoint()),
        one_line=False,
    ),
    BadInput(
        id="landcover-predict-dangling-link-among-scenes",
        cli="landcover",
        argv=(*PREDICT, "--scenes", "{ws}/scenes"),
        message=("1 of 2 scenes failed", "b_NAIP.tif: a link to gone.tif, which does not exist"),
        setup=(scene("scenes/a_NAIP.tif", size=(128, 128)), symlink("scenes/b_NAIP.tif", "gone.tif"), checkpoint()),
        untouched=("scenes",),
    ),
    # Item 13: an unreachable MLflow server fails before the work, in seconds.
    BadInput(
        id="landcover-evaluate-mlflow-unreachable",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS),
        message=("MLFLOW_TRACKING_URI=http://127.0.0.1:9", "does not answer", "unset MLFLOW_TRACKING_URI"),
        setup=(scene(), checkpoint()),
        env={"MLFLOW_TRACKING_URI": DEAD_URL},
        untouched=("out",),
    ),
    BadInput(
        id="landcover-train-mlflow-unreachable",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
        message=("MLFLOW_TRACKING_URI=http://127.0.0.1:9", "does not answer"),
        setup=(pairs(),),
        env={"MLFLOW_TRACKING_URI": DEAD_URL},
        untouched=("models",),
    ),
    # Regions.
    BadInput(
        id="landcover-evaluate-center-lat-alone",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "37"),
        message="--center-lat and --center-lon go together",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-bbox-and-centre",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "37", "--center-lon", "-78", "--bbox=-78,37,-77,38"),
        message="--bbox and --center-lat/--center-lon both given",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-region-dim-alone",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--region-dim", "100"),
        message="--region-dim needs --center-lat and --center-lon",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-region-dim-words",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "37.06", "--center-lon", "-78.52", "--region-dim", "big"),
        message="--region-dim 'big' is not a positive size",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-region-dim-negative",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "37.06", "--center-lon", "-78.52", "--region-dim=-5m"),
        message="is not a positive size",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-latitude-out-of-range",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--center-lat", "137", "--center-lon", "-78"),
        message="are not a latitude and longitude",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-bbox-three-numbers",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-78,37,-77"),
        message="is not WEST,SOUTH,EAST,NORTH",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-bbox-empty",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-77,37,-78,38"),
        message="is empty",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-region-without-crs",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--bbox=-78,37,-77,38"),
        message="the scene has no CRS",
        setup=(scene(crs=None), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-labels-missing",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--labels", "{ws}/gone.tif"),
        message="gone.tif: no such file",
        setup=(scene(), checkpoint()),
    ),
    BadInput(
        id="landcover-evaluate-labels-wrong-size",
        cli="landcover",
        argv=(*EVALUATE, *SCENE_ARGS, "--labels", "{ws}/pairs/p0_LandCover.tif"),
        message="labels are 160 x 160 pixels",
        setup=(scene(), pair(), checkpoint()),
    ),
    # Pairs folders.
    BadInput(
        id="landcover-train-input-dir-missing",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/nowhere"),
        message="nowhere",
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-input-dir-empty",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
        message="--input-dir",
        setup=(folder("pairs"),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-image-without-labels",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs"),
        message="a_NAIP.tif: no label file",
        setup=(pairs(), scene("pairs/a_NAIP.tif")),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-val-dir-missing",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--val-dir", "{ws}/nowhere"),
        message=("--val-dir", "nowhere"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-tiny-memory-budget",
        cli="landcover",
        argv=(*TRAIN, "--input-dir", "{ws}/pairs", "--memory-budget-gb", "0.00001"),
        message=("over its memory budget", "--memory-budget-gb"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-batch-size-beyond-memory",
        cli="landcover",
        argv=(*TRAIN[:-2], "--batch-size", "100000", "--input-dir", "{ws}/pairs"),
        message=("--batch-size 100000: its activations need at least", "give --batch-size"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-score-pairs-missing",
        cli="landcover",
        argv=("score", "{ws}/m.pt", "{ws}/nowhere"),
        message="nowhere",
        setup=(checkpoint(),),
    ),
    BadInput(
        id="landcover-score-margin-too-big",
        cli="landcover",
        argv=("score", "{ws}/m.pt", "{ws}/pairs", "--margin", "100"),
        message="p0",
        setup=(pair(), checkpoint()),
    ),
    BadInput(
        id="landcover-export-tile-size-not-multiple-of-8",
        cli="landcover",
        argv=("export", "{ws}/m.pt", "{ws}/m.onnx", "--tile-size", "100"),
        message="--tile-size",
        setup=(checkpoint(),),
        untouched=("m.onnx",),
    ),
    BadInput(
        id="landcover-export-check-image-missing",
        cli="landcover",
        argv=("export", "{ws}/m.pt", "{ws}/m.onnx", "--check-image", "{ws}/gone.tif"),
        message="gone.tif",
        setup=(checkpoint(),),
    ),
    BadInput(
        id="landcover-import-cntk-source-missing",
        cli="landcover",
        argv=("import-cntk", "{ws}/gone.model", "{ws}/out.pt"),
        message="gone.model",
        untouched=("out.pt",),
    ),
    BadInput(
        id="landcover-import-cntk-source-garbage",
        cli="landcover",
        argv=("import-cntk", "{ws}/in.model", "{ws}/out.pt"),
        message="in.model",
        setup=(file("in.model", b"\x00\x01garbage"),),
        untouched=("out.pt",),
    ),
    BadInput(
        id="landcover-convert-patches-folder-missing",
        cli="landcover",
        argv=("convert-patches", "{ws}/nowhere", "{ws}/out"),
        message="nowhere",
        untouched=("out",),
    ),
    BadInput(
        id="landcover-convert-patches-no-patches",
        cli="landcover",
        argv=("convert-patches", "{ws}/npz", "{ws}/out"),
        message="no .npz patches",
        setup=(folder("npz"),),
        untouched=("out",),
    ),
]
