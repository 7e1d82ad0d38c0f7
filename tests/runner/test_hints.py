"""Hints point where things are: the templates `runner local setup` wrote, a docs page that exists, a dry run that
prints its command even with no Docker engine to ask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import assert_one_line_error, runner

NO_ENGINE = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}


def runner_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``runner ARGS`` run from ``folder``: outside a checkout, where there is no jobs/ folder."""
    return subprocess.run(
        [sys.executable, "-m", "runner", *args], capture_output=True, text=True, cwd=folder, timeout=300, env=NO_ENGINE
    )


@pytest.mark.parametrize("backend", ["local", "slurm"])
def test_a_missing_job_file_names_the_templates_setup_wrote(root, tmp_path, backend):
    result = runner_in(tmp_path, backend, "submit", "jobs/training_job.json", "--root", str(root))
    assert_one_line_error(result, "jobs/training_job.json: no such job file", f"{root / 'templates'}/")
    assert "training_job.json, " in result.stderr or ", training_job.json" in result.stderr
    assert "(templates: jobs/" not in result.stderr


def test_before_setup_the_hint_says_how_to_get_the_templates(tmp_path):
    result = runner_in(tmp_path, "local", "submit", "jobs/training_job.json", "--root", str(tmp_path / "none"))
    assert_one_line_error(result, "`runner local setup` writes the job templates to", str(tmp_path / "none"))


def test_no_engine_is_one_whole_line_naming_a_page_that_exists(root):
    job = str(root / "templates" / "training_job.json")
    result = runner("local", "submit", job, "--root", str(root), "--backend", "docker", env=NO_ENGINE)
    assert_one_line_error(result, "cannot reach a Docker engine", "docs/image.md, section A Docker Engine")
    assert "README" not in result.stderr and "…" not in result.stderr
    reason = result.stderr.split("cannot reach a Docker engine (", 1)[1]
    assert reason.count("(") <= reason.count(")")  # the engine's reason is whole, not cut mid-string
    assert_one_line_error(runner("build", env=NO_ENGINE), "docs/image.md, section A Docker Engine")


@pytest.mark.parametrize(("gpus", "assumed"), [("auto", "no GPUs, the CPU"), ("2", "--gpus 2 as given")])
def test_a_docker_dry_run_prints_its_command_without_an_engine(root, gpus, assumed):
    job = str(root / "templates" / "training_job.json")
    args = ("local", "submit", job, "--root", str(root), "--backend", "docker", "--dry-run", "--gpus", gpus)
    result = runner(*args, env=NO_ENGINE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("docker run ") and "landcover train" in result.stdout
    assert "cannot reach a Docker engine" in result.stderr and f"the command assumes {assumed}" in result.stderr
    assert not (root / "jobs").exists() or not any((root / "jobs").iterdir())  # a dry run records nothing
