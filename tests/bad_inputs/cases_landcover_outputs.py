"""Outputs that cannot be written, or that hold what a user or a previous run made (issue 21, items 1-4, 11).

Every command that writes checks its output paths before any work: a file where a folder goes (or the
reverse), a path under a file, a location that cannot be written (``/proc`` refuses files even to root), and
files that exist already (refused without ``--force``). What was there stays byte for byte.
"""

from __future__ import annotations

from tests.bad_inputs.case import BadInput
from tests.bad_inputs.landcover_setups import checkpoint, hold_lock, pairs, scene
from tests.bad_inputs.setups import file, folder

UNWRITABLE = "/proc/landcover-bad-input/out"
"""A path no process can create (procfs), so the case holds for root too."""

TRAIN = ("train", "--input-dir", "{ws}/pairs", "--epochs", "1", "--epoch-size", "4", "--batch-size", "2")
EVALUATE = ("evaluate", "--input-filename", "{ws}/scene_NAIP.tif", "--model-filename", "{ws}/m.pt")
PREDICT = ("predict", "--scenes", "{ws}/scenes", "--model-filename", "{ws}/m.pt")
SCENE = (scene(), checkpoint())

# (command prefix, the option or argument that names the output, how it is given, its setups)
FOLDER_OUTPUTS: dict[str, tuple[tuple[str, ...], str, tuple[object, ...]]] = {
    "train": (TRAIN, "--model-dir", (pairs(),)),
    "evaluate": (EVALUATE, "--output-dir", SCENE),
    "predict": (PREDICT, "--output-dir", (scene("scenes/a_NAIP.tif"), checkpoint())),
    "sample-data": (("sample-data",), "OUT_DIR", ()),
    "convert-patches": (("convert-patches", "{ws}/npz"), "OUT_DIR", (file("npz/a.npz", b"x"),)),
}

CASES: list[BadInput] = []

for command, (prefix, option, made) in FOLDER_OUTPUTS.items():
    given = (lambda path: (path,)) if option.isupper() else (lambda path, o=option: (o, path))
    CASES += [
        BadInput(
            id=f"landcover-{command}-output-is-a-file",
            cli="landcover",
            argv=(*prefix, *given("{ws}/taken")),
            message=(f"{option} ", "taken: is a file, not a folder"),
            setup=(*made, file("taken", "my notes")),  # type: ignore[arg-type]
            untouched=("taken",),
        ),
        BadInput(
            id=f"landcover-{command}-output-under-a-file",
            cli="landcover",
            argv=(*prefix, *given("{ws}/taken/sub")),
            message=("cannot be created", "taken is a file, not a folder"),
            setup=(*made, file("taken", "my notes")),  # type: ignore[arg-type]
            untouched=("taken",),
        ),
        BadInput(
            id=f"landcover-{command}-output-cannot-be-created",
            cli="landcover",
            argv=(*prefix, *given(UNWRITABLE)),
            message=(f"{option} {UNWRITABLE}: cannot be created",),
            setup=made,  # type: ignore[arg-type]
        ),
    ]

FILE_OUTPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, tuple[object, ...]]] = {
    # command: (before the path, after it, the name in messages, setups)
    "export": (("export", "{ws}/m.pt"), (), "ONNX", (checkpoint(),)),
    "import-cntk": (("import-cntk", "{ws}/in.model"), (), "CHECKPOINT", (file("in.model", b"x"),)),
    "score-preview": (("score", "{ws}/m.pt", "{ws}/pairs", "--preview"), (), "--preview", (checkpoint(), pairs())),
}

for name, (before, after, option, made) in FILE_OUTPUTS.items():
    CASES += [
        BadInput(
            id=f"landcover-{name}-output-is-a-folder",
            cli="landcover",
            argv=(*before, "{ws}/out", *after),
            message=(option, "out: is a folder, not a file"),
            setup=(*made, folder("out")),  # type: ignore[arg-type]
            untouched=("out",),
        ),
        BadInput(
            id=f"landcover-{name}-output-under-a-file",
            cli="landcover",
            argv=(*before, "{ws}/taken/out.bin", *after),
            message=("cannot be created", "taken is a file, not a folder"),
            setup=(*made, file("taken", "my notes")),  # type: ignore[arg-type]
            untouched=("taken",),
        ),
        BadInput(
            id=f"landcover-{name}-output-cannot-be-created",
            cli="landcover",
            argv=(*before, UNWRITABLE + ".bin", *after),
            message=("cannot be created",),
            setup=made,  # type: ignore[arg-type]
        ),
    ]

CASES += [
    # Item 1: a finished run's results without checkpoints are not replaced silently.
    BadInput(
        id="landcover-train-model-dir-holds-trained-pt",
        cli="landcover",
        argv=(*TRAIN, "--model-dir", "{ws}/models"),
        message=("--model-dir", "holds trained.pt", "--force"),
        setup=(pairs(), checkpoint("models/trained.pt")),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-model-dir-holds-metrics",
        cli="landcover",
        argv=(*TRAIN, "--model-dir", "{ws}/models"),
        message=("holds metrics.jsonl", "choose a new --model-dir"),
        setup=(pairs(), file("models/metrics.jsonl", '{"epoch": 1}\n')),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-model-dir-holds-best-pt",
        cli="landcover",
        argv=(*TRAIN, "--model-dir", "{ws}/models"),
        message="holds best.pt",
        setup=(pairs(), checkpoint("models/best.pt")),
        untouched=("models",),
    ),
    # Item 2: one run per model folder.
    BadInput(
        id="landcover-train-model-dir-in-use",
        cli="landcover",
        argv=(*TRAIN, "--model-dir", "{ws}/models"),
        message=("--model-dir", "in use by landcover train pid 4242 on trainhost", "another --model-dir"),
        setup=(pairs(), hold_lock("models/.landcover.lock")),
    ),
    # Item 3: evaluate does not mix its files with an earlier run's.
    BadInput(
        id="landcover-evaluate-output-dir-holds-results",
        cli="landcover",
        argv=(*EVALUATE, "--output-dir", "{ws}/out"),
        message=("--output-dir", "holds metrics.json", "--force"),
        setup=(*SCENE, file("out/metrics.json", "{}"), file("out/true_labels.tif", b"old")),
        untouched=("out",),
    ),
    BadInput(
        id="landcover-evaluate-output-dir-holds-user-file",
        cli="landcover",
        argv=(*EVALUATE, "--output-dir", "{ws}/out"),
        message=("holds notes.txt", "empty or new folder"),
        setup=(*SCENE, file("out/notes.txt", "mine")),
        untouched=("out",),
    ),
    # Item 4: sample-data does not replace a user's same-named files.
    BadInput(
        id="landcover-sample-data-same-named-file",
        cli="landcover",
        argv=("sample-data", "{ws}/data"),
        message=("C00_NAIP.tif", "already", "--force"),
        setup=(file("data/training_data/C00_NAIP.tif", b"my own scene"),),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-sample-data-evaluation-scene-exists",
        cli="landcover",
        argv=("sample-data", "{ws}/data"),
        message=("C14_LandCover.tif", "already"),
        setup=(file("data/evaluation_data/C14_LandCover.tif", b"my labels"),),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-sample-data-training-data-is-a-file",
        cli="landcover",
        argv=("sample-data", "{ws}/data"),
        message="training_data: is a file, not a folder",
        setup=(file("data/training_data", "x"),),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-sample-data-target-is-a-folder",
        cli="landcover",
        argv=("sample-data", "{ws}/data", "--force"),
        message="C03_NAIP.tif is a folder",
        setup=(folder("data/training_data/C03_NAIP.tif"),),
        untouched=("data",),
    ),
    BadInput(
        id="landcover-export-output-exists",
        cli="landcover",
        argv=("export", "{ws}/m.pt", "{ws}/m.onnx"),
        message=("m.onnx: already exists", "--force"),
        setup=(checkpoint(), file("m.onnx", b"my model")),
        untouched=("m.onnx",),
    ),
    BadInput(
        id="landcover-import-cntk-output-exists",
        cli="landcover",
        argv=("import-cntk", "{ws}/in.model", "{ws}/out.pt"),
        message=("out.pt: already exists", "--force"),
        setup=(file("in.model", b"x"), file("out.pt", b"mine")),
        untouched=("out.pt",),
    ),
    BadInput(
        id="landcover-predict-output-dir-holds-the-scenes",
        cli="landcover",
        argv=(*PREDICT, "--output-dir", "{ws}/scenes"),
        message="holds scenes being mapped",
        setup=(scene("scenes/a_NAIP.tif"), checkpoint()),
        untouched=("scenes",),
    ),
]
