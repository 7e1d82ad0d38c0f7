"""The 2018 tutorial's evaluation entry script, kept under its name so the tutorial's job files run unmodified.

`python evaluate.py --input_filename ... --model_filename ... --output_dir ...` is `landcover evaluate ...`.
The tutorial's job asks for `models/trained.model` (a CNTK file); our training writes `models/trained.pt`, so a
missing `X.model` whose sibling `X.pt` exists is read as that checkpoint.
"""

import sys
from pathlib import Path

from landcover.cli import main


def tutorial_model_path(args: list[str]) -> list[str]:
    """Point a missing ``*.model`` argument at its ``*.pt`` sibling when that exists."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg in ("--model_filename", "--model-filename"):
            path = Path(out[i + 1])
            if path.suffix == ".model" and not path.exists() and path.with_suffix(".pt").exists():
                print(f"{path} not found; using {path.with_suffix('.pt')} (written by landcover train)", flush=True)
                out[i + 1] = str(path.with_suffix(".pt"))
    return out


if __name__ == "__main__":
    sys.argv = ["landcover", "evaluate", *tutorial_model_path(sys.argv[1:])]
    main()
