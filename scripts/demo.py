"""The embedded default job (`make demo`), through `runner` with the process backend on the CPU.

1. `runner local setup`: the simulated cluster storage with the tutorial's scripts and (synthetic) data,
2. `runner local submit jobs/training_job.json`: one epoch on the 8 pairs, 2 MPI ranks (about two minutes),
   into a fresh model folder per run (`--model-dir` through `--extra-args`), so every demo trains anew,
3. `runner local submit jobs/evaluation_job.json`: the 2018 tutorial's 1 km region of the evaluation scene,
   with the model just trained,
4. where everything went, ending with the one `landcover view` command that shows the evaluation's maps.
   With ../shared beside the checkout, the tutorial's 250-epoch model (imported from CNTK) is scored on
   real Chesapeake patches too, with a preview grid.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RUNNER_ROOT = ROOT / ".runner"
DEMO_EPOCH_SIZE = "300"  # 68 s of training on 2 cores with fast bf16, 5.5 minutes on the AVX2 class


def run(tool: str, *args: str) -> None:
    print(f"$ {tool} " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", tool, *args], check=True, cwd=ROOT)


def output_folder(job: str, key: str, root: list[str]) -> str:
    """Where a job's output directory is (the first line of `runner files JOB --output KEY`: `KEY LOCATION`)."""
    print(f"$ runner files {job} --output {key} " + " ".join(root), flush=True)
    listing = subprocess.run(
        [sys.executable, "-m", "runner", "files", job, "--output", key, *root],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    print(listing, end="", flush=True)
    return listing.splitlines()[0].split(maxsplit=1)[1]


def main() -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    root = ["--root", str(RUNNER_ROOT)]
    model_dir = f"blobfuse/models/demo-{stamp}"  # a fresh folder: the template's models/ would resume
    print(
        f"demo {stamp}: reusing the sample data under {RUNNER_ROOT} if present (rm -rf {RUNNER_ROOT} starts over); "
        f"training anew into {model_dir}",
        flush=True,
    )
    tutorial_models = SHARED / "models" / "seed"  # the 2018 tutorial's CNTK models, beside a development checkout
    models_from = ["--models-from", str(tutorial_models)] if tutorial_models.is_dir() else []
    run("runner", "local", "setup", *root, *models_from)
    run(
        "runner",
        "local",
        "submit",
        "jobs/training_job.json",
        "--name",
        f"demo-train-{stamp}",
        "--wait",
        "--extra-args",
        f"--epoch-size {DEMO_EPOCH_SIZE} --model-dir $AZ_BATCHAI_MOUNT_ROOT/{model_dir}",
        *root,
    )
    run("runner", "files", f"demo-train-{stamp}", *root)
    run(
        "runner",
        "local",
        "submit",
        "jobs/evaluation_job.json",
        "--name",
        f"demo-eval-{stamp}",
        "--wait",
        "--extra-args",
        f"--model-filename $AZ_BATCHAI_MOUNT_ROOT/{model_dir}/trained.pt",
        *root,
    )
    images = output_folder(f"demo-eval-{stamp}", "IMAGES", root)
    blob = RUNNER_ROOT / "mounts" / "blobfuse"
    patches = SHARED / "data" / "real" / "chesapeake-wv-2014"
    scored = ""
    if (blob / "models" / "250epochs.pt").is_file() and patches.is_dir():
        pairs = RUNNER_ROOT / "chesapeake-pairs"
        run("landcover", "convert-patches", str(patches), str(pairs))
        score_preview = RUNNER_ROOT / "chesapeake-score.png"
        run("landcover", "score", str(blob / "models" / "250epochs.pt"), str(pairs), "--preview", str(score_preview))
        scored = f"scores:  {score_preview} (the tutorial's 250-epoch model on real Chesapeake patches)\n"
    print(
        f"\nmodel:   {RUNNER_ROOT / 'mounts' / model_dir / 'trained.pt'} (metrics.jsonl beside it)\n"
        f"maps:    the IMAGES folder listed above (open preview.png first)\n{scored}"
        f"jobs:    runner list --root {RUNNER_ROOT}; runner logs demo-train-{stamp} --root {RUNNER_ROOT}\n"
        f"again:   make demo trains a new model each run; rm -rf {RUNNER_ROOT} also regenerates the data\n"
        f"\nsee the map (imagery, prediction, truth, disagreement, confidence; offline, Ctrl+C stops):\n"
        f"  {ROOT / '.venv' / 'bin' / 'landcover'} view {images}"
    )


if __name__ == "__main__":
    main()
