"""The embedded default job (`make demo`), through `runner` with the process backend on the CPU.

1. `runner local setup`: the simulated cluster storage with the tutorial's scripts and (synthetic) data,
2. `runner local submit jobs/training_job.json`: one epoch on the 8 pairs, 2 MPI ranks (about two minutes),
   into a fresh model folder per run (`--model-dir` through `--extra-args`), so every demo trains anew,
3. `runner local submit jobs/evaluation_job.json`: the 2018 tutorial's 1 km region of the evaluation scene,
   with the model just trained,
4. where everything went: the evaluation's preview.png, and the commands to look further, ending with the one
   `landcover view` command that shows the evaluation's maps on a local web map. With ../shared beside
   the checkout, the tutorial's 250-epoch model (imported from CNTK) is scored on real Chesapeake patches too.

Every command is echoed quoted, as it can be pasted into a shell in the checkout (``$AZ_BATCHAI_MOUNT_ROOT`` in
``--extra-args`` is the job's variable, so it stays in single quotes).
"""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RUNNER_ROOT = ROOT / ".runner"
DEMO_EPOCH_SIZE = "300"  # 68 s of training on 2 cores with fast bf16, 5.5 minutes on the AVX2 class


def shown(tool: str, *args: str) -> str:
    """The command as a shell line to paste in the checkout: the venv's console script, every word quoted."""
    script = Path(sys.executable).parent / tool
    program = str(script.relative_to(ROOT)) if script.is_file() and script.is_relative_to(ROOT) else tool
    return shlex.join([program, *args])


def run(tool: str, *args: str) -> None:
    print(f"$ {shown(tool, *args)}", flush=True)
    subprocess.run([sys.executable, "-m", tool, *args], check=True, cwd=ROOT)


def preview_of(job: str) -> Path | None:
    """The preview.png an evaluation job wrote (its output folder has the job's name and run id in its path)."""
    found = sorted((RUNNER_ROOT / "mounts" / "blobfuse" / "evaluation_output").glob(f"**/{job}/**/preview.png"))
    return found[-1] if found else None


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
    run("runner", "files", f"demo-eval-{stamp}", "--output", "IMAGES", *root)
    blob = RUNNER_ROOT / "mounts" / "blobfuse"
    patches = SHARED / "data" / "real" / "chesapeake-wv-2014"
    scored = ""
    if (blob / "models" / "250epochs.pt").is_file() and patches.is_dir():
        pairs = RUNNER_ROOT / "chesapeake-pairs"
        run("landcover", "convert-patches", str(patches), str(pairs))
        score_preview = RUNNER_ROOT / "chesapeake-score.png"
        run("landcover", "score", str(blob / "models" / "250epochs.pt"), str(pairs), "--preview", str(score_preview))
        scored = f"scores:  {score_preview} (the tutorial's 250-epoch model on real Chesapeake patches)\n"
    preview = preview_of(f"demo-eval-{stamp}")
    maps = f"{preview} (open it first; the maps are beside it)" if preview else "the IMAGES folder listed above"
    print(
        f"\nmodel:   {RUNNER_ROOT / 'mounts' / model_dir / 'trained.pt'} (metrics.jsonl beside it)\n"
        f"preview: {maps}\n{scored}"
        f"jobs:    {shown('runner', 'list', *root)}\n"
        f"         {shown('runner', 'logs', f'demo-train-{stamp}', *root)}\n"
        f"again:   make demo trains a new model each run; {shlex.join(['rm', '-rf', str(RUNNER_ROOT)])} starts over"
    )
    if preview is not None:  # imagery, prediction, truth, disagreement, confidence; offline; Ctrl+C stops it
        print(f"\nsee the map:\n  {shown('landcover', 'view', str(preview.parent))}")


if __name__ == "__main__":
    main()
