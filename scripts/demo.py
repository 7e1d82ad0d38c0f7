"""The embedded default job (`make demo`): sample data -> one epoch of training on CPU -> evaluation.

Everything runs through the real `landcover` command. With ../shared beside the checkout, the seed's two
CNTK models are also imported and scored on the real Chesapeake patches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "demo-output"
DEMO_EPOCH_SIZE = "300"  # about two minutes on 2 CPU cores


def landcover(*args: str) -> None:
    print("$ landcover " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "landcover", *args], check=True)


def main() -> None:
    data = OUT / "data"
    if not (data / "evaluation_data" / "C14_NAIP.tif").exists():
        landcover("sample-data", str(data))
    model_dir = OUT / "model"
    landcover(
        "train",
        "--input-dir",
        str(data / "training_data"),
        "--model-dir",
        str(model_dir),
        "--epochs",
        "1",
        "--epoch-size",
        DEMO_EPOCH_SIZE,
    )
    evaluation = OUT / "evaluation"
    landcover(
        "evaluate",
        "--input-filename",
        str(data / "evaluation_data" / "C14_NAIP.tif"),
        "--model-filename",
        str(model_dir / "trained.pt"),
        "--output-dir",
        str(evaluation),
        "--center-lat",
        "37.055522",
        "--center-lon",
        "-78.638640",
        "--region-dim",
        "1024",
    )
    models, patches = SHARED / "models" / "seed", SHARED / "data" / "real" / "chesapeake-wv-2014"
    if models.is_dir() and patches.is_dir():
        landcover("convert-patches", str(patches), str(OUT / "chesapeake"))
        landcover("import-cntk", str(models / "250epochs.model"), str(OUT / "seed-250epochs.pt"), "--force")
        landcover("score", str(OUT / "seed-250epochs.pt"), str(OUT / "chesapeake"))
    print(
        f"\nmodel:   {model_dir / 'trained.pt'}\nmetrics: {model_dir / 'metrics.jsonl'}\n"
        f"maps:    {evaluation} (open preview.png first)\ndata:    {data}"
    )


if __name__ == "__main__":
    main()
