"""``runner local setup``: create the simulated cluster storage and fill it as the tutorial's setup did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runner.commands.report import fail
from runner.layout import LocalRoot, default_root
from runner.package_data import job_templates, tutorial_scripts

MODELS_VARIABLE = "RUNNER_TUTORIAL_MODELS"


def _landcover(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "landcover", *args], capture_output=True, text=True)
    if result.returncode != 0:
        fail(
            f"landcover {args[0]} failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}",
            "see the message above",
        )


def setup(
    root: Annotated[
        Path | None, typer.Option(help="Local root \\[default: $RUNNER_HOME or ./.runner].", metavar="DIR")
    ] = None,
    models_from: Annotated[
        Path | None,
        typer.Option(
            "--models-from",
            help=f"Folder with the 2018 tutorial's CNTK models to import \\[default: ${MODELS_VARIABLE}; none].",
            metavar="DIR",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the generated sample data.", metavar="N", min=0)] = 0,
) -> None:
    """Create afs/ and blobfuse/ (scripts, training and evaluation data, models) under the local root.

    Also writes the packaged job templates to templates/ under the local root (existing files are kept).

    Examples:
      runner local setup
      runner local setup --root /data/runner
    """
    console = Console()
    local = LocalRoot(root or default_root())
    blob = local.mounts / "blobfuse"
    given = models_from or os.environ.get(MODELS_VARIABLE)
    source = Path(given) if given else None
    option = "--models-from" if models_from is not None else f"${MODELS_VARIABLE}"
    if source is not None and source.exists() and not source.is_dir():
        fail(f"{option} {source}: not a folder", "give the folder holding the tutorial's *.model files")
    if source is not None and not any(source.glob("*.model")):
        reason = "no *.model files in it" if source.is_dir() else "no such folder"
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"warning: {option} {source}: {reason}; no tutorial models imported", markup=False
        )
        source = None
    if local.root.exists() and not local.root.is_dir():
        fail(f"{local.root}: not a folder", "pass another --root (or set $RUNNER_HOME)")
    try:
        (local.mounts / "afs").mkdir(parents=True, exist_ok=True)
        for folder in ("scripts", "models"):
            (blob / folder).mkdir(parents=True, exist_ok=True)
        (local.root / "templates").mkdir(exist_ok=True)
    except OSError as exc:
        fail(f"{local.root}: cannot make the local root ({exc.strerror}: {exc.filename})", "pass another --root")
    for script_name, script in tutorial_scripts().items():
        (blob / "scripts" / script_name).write_bytes(script.read_bytes())
    templates = local.root / "templates"
    for template_name, template in job_templates().items():
        if not (templates / template_name).exists():
            (templates / template_name).write_bytes(template.read_bytes())
    if not (blob / "evaluation_data" / "C14_NAIP.tif").exists():
        _landcover("sample-data", str(blob), "--seed", str(seed))
    imported = []
    for model in sorted(source.glob("*.model")) if source is not None else []:
        target = blob / "models" / model.name
        if not target.exists():
            shutil.copy2(model, target)
        checkpoint = target.with_suffix(".pt")
        if not checkpoint.exists():
            _landcover("import-cntk", str(model), str(checkpoint))
        imported.append(checkpoint.name)
    console.print(f"local root ready: {local.root}")
    console.print(f"  $AZ_BATCHAI_MOUNT_ROOT = {local.mounts}")
    console.print(
        f"  blobfuse/: scripts, training_data, evaluation_data, models ({', '.join(imported) or 'none imported'})"
    )
    if source is None:
        console.print(f"  (to import the 2018 tutorial's CNTK models: --models-from DIR or ${MODELS_VARIABLE})")
    console.print(f"  job templates: {templates}")
