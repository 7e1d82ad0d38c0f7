"""Bad values for every ``landcover`` option, generated from one table of the commands and their options.

For each command: no arguments at all, an unknown option, and for each option that takes a number: a value
that is not a number, no value at all, and (where the option has a range) a value outside it; for each
choice: a value that is not one of them. Each is refused in one line naming the option, exit 2, and nothing
is written.
"""

from __future__ import annotations

from tests.bad_inputs.case import BadInput

REQUIRED: dict[str, tuple[str, ...]] = {
    "import-cntk": ("{ws}/in.model", "{ws}/out.pt"),
    "score": ("{ws}/m.pt", "{ws}/pairs"),
    "convert-patches": ("{ws}/npz", "{ws}/out"),
    "sample-data": ("{ws}/data",),
    "train": ("--input-dir", "{ws}/pairs", "--model-dir", "{ws}/models"),
    "evaluate": ("--input-filename", "{ws}/s.tif", "--model-filename", "{ws}/m.pt", "--output-dir", "{ws}/out"),
    "export": ("{ws}/m.pt", "{ws}/m.onnx"),
    "predict": ("--scenes", "{ws}/scenes", "--model-filename", "{ws}/m.pt", "--output-dir", "{ws}/maps"),
}
"""A command line of each command that passes parsing (the files need not exist: parsing fails first)."""

MISSING_FIRST = {
    "import-cntk": "Missing argument 'MODEL'",
    "score": "Missing argument 'CHECKPOINT'",
    "convert-patches": "Missing argument 'NPZ_DIR'",
    "sample-data": "Missing argument 'OUT_DIR'",
    "train": "Missing option '--input-dir'",
    "evaluate": "Missing option '--input-filename'",
    "export": "Missing argument 'MODEL'",
    "predict": "Missing option '--scenes'",
}

NUMBERS: dict[str, tuple[tuple[str, str | None], ...]] = {
    # (option, a value below its range, or None where any number is allowed)
    "score": (("--margin", "-1"),),
    "sample-data": (("--seed", None),),
    "train": (
        ("--epochs", "0"),
        ("--epoch-size", "0"),
        ("--batch-size", "0"),
        ("--lr", "-0.1"),
        ("--weight-decay", "-1"),
        ("--seed", None),
        ("--threads", "0"),
        ("--memory-budget-gb", None),
        ("--val-fraction", "-0.5"),
        ("--early-stop", "0"),
    ),
    "evaluate": (("--center-lat", None), ("--center-lon", None), ("--block-size", "64")),
    "export": (("--tile-size", None), ("--check-size", "4")),
    "predict": (("--block-size", "127"), ("--threads", "0")),
}

CHOICES: dict[str, tuple[str, ...]] = {
    "train": ("--class-weights", "--precision", "--monitor", "--model"),
    "export": ("--output",),
}

CASES: list[BadInput] = []

for command, fragment in MISSING_FIRST.items():
    CASES += [
        BadInput(
            id=f"landcover-{command}-nothing-given",
            cli="landcover",
            argv=(command,),
            message=(fragment, f"landcover {command} --help"),
        ),
        BadInput(
            id=f"landcover-{command}-unknown-option",
            cli="landcover",
            argv=(command, *REQUIRED[command], "--bogus"),
            message="No such option: --bogus",
        ),
    ]

for command, options in NUMBERS.items():
    for option, below in options:
        name = option.strip("-")
        CASES += [
            BadInput(
                id=f"landcover-{command}-{name}-not-a-number",
                cli="landcover",
                argv=(command, *REQUIRED[command], option, "many"),
                message=f"Invalid value for '{option}'",
            ),
            BadInput(
                id=f"landcover-{command}-{name}-no-value",
                cli="landcover",
                argv=(command, *REQUIRED[command], option),
                message=f"Option '{option}' requires an argument",
            ),
        ]
        if below is not None:
            CASES.append(
                BadInput(
                    id=f"landcover-{command}-{name}-out-of-range",
                    cli="landcover",
                    argv=(command, *REQUIRED[command], f"{option}={below}"),
                    message=f"Invalid value for '{option}'",
                )
            )

for command, options in CHOICES.items():
    for option in options:
        CASES.append(
            BadInput(
                id=f"landcover-{command}-{option.strip('-')}-unknown-choice",
                cli="landcover",
                argv=(command, *REQUIRED[command], option, "sometimes"),
                message=(f"{option} 'sometimes' is not known", "use "),
            )
        )

CASES += [
    BadInput(
        id="landcover-train-val-fraction-above-range",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--val-fraction", "0.95"),
        message="Invalid value for '--val-fraction'",
    ),
    BadInput(
        id="landcover-train-lr-infinite",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--lr", "inf"),
        message="--lr inf: not a finite number",
    ),
    BadInput(
        id="landcover-train-weight-decay-infinite",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--weight-decay", "inf"),
        message="--weight-decay inf: not a finite number",
    ),
    BadInput(
        id="landcover-train-memory-budget-zero",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--memory-budget-gb", "0"),
        message=("--memory-budget-gb 0: not a positive size", "above 0"),
    ),
    BadInput(
        id="landcover-train-memory-budget-negative",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--memory-budget-gb", "-2"),
        message="--memory-budget-gb -2: not a positive size",
    ),
    BadInput(
        id="landcover-train-val-dir-and-fraction",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--val-dir", "{ws}/val", "--val-fraction", "0.2"),
        message=("--val-dir and --val-fraction both given", "one source"),
    ),
    BadInput(
        id="landcover-train-early-stop-without-validation",
        cli="landcover",
        argv=("train", *REQUIRED["train"], "--early-stop", "3"),
        message=("--early-stop needs validation pairs", "--val-dir"),
    ),
    BadInput(
        id="landcover-evaluate-center-lat-not-finite",
        cli="landcover",
        argv=("evaluate", *REQUIRED["evaluate"], "--center-lat", "nan", "--center-lon", "1"),
        message="--center-lat nan: not a finite number",
    ),
    BadInput(
        id="landcover-score-json-given-a-value",
        cli="landcover",
        argv=("score", *REQUIRED["score"], "--json=yes"),
        message="Option '--json' does not take a value",
    ),
]
