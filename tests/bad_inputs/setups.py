"""Seeded builders for the bad-input cases: each returns a ``Setup`` that makes files inside a case's folder.

Everything here is deterministic (fixed bytes, fixed seeds), so a case sees the same inputs every run.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from tests.bad_inputs.case import Setup

RUNNER_ROOT = ".runner"
"""Where the runner's local root goes in a case's folder (``RUNNER_HOME`` points here)."""


def file(path: str, content: str | bytes = "", mode: int | None = None) -> Setup:
    """A file at ``path`` (relative to the workspace) with the given content and, optionally, permissions."""

    def make(ws: Path) -> None:
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
        if mode is not None:
            target.chmod(mode)

    return make


def folder(path: str, mode: int | None = None) -> Setup:
    """An (empty) folder at ``path``, optionally with the given permissions."""

    def make(ws: Path) -> None:
        (ws / path).mkdir(parents=True, exist_ok=True)
        if mode is not None:
            (ws / path).chmod(mode)

    return make


def chmod(path: str, mode: int) -> Setup:
    """Change the permissions of ``path`` (made by an earlier setup), e.g. 0 for unreadable."""

    def make(ws: Path) -> None:
        (ws / path).chmod(mode)

    return make


def symlink(path: str, target: str) -> Setup:
    """A symbolic link at ``path`` pointing at ``target`` (which may not exist: a dangling link)."""

    def make(ws: Path) -> None:
        (ws / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, ws / path)

    return make


@cache
def _packaged_template(name: str) -> dict[str, Any]:
    from runner.package_data import job_templates

    return json.loads(job_templates()[name].read_text())


def template(
    path: str, base: str = "training_job.json", change: Callable[[dict[str, Any]], Any] | None = None
) -> Setup:
    """A job template at ``path``: a packaged one (``base``), optionally changed by ``change(data)`` in place.

    ``change`` edits the parsed JSON (``data["properties"]...``); a non-None return replaces the whole document.
    """

    def make(ws: Path) -> None:
        data = copy.deepcopy(_packaged_template(base))
        if change is not None:
            replaced = change(data)
            if replaced is not None:
                data = replaced
        target = ws / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=2))

    return make


def local_root(path: str = RUNNER_ROOT) -> Setup:
    """A local root as ``runner local setup`` leaves it, without the sample data (fast; enough for most cases)."""

    def make(ws: Path) -> None:
        from runner.package_data import job_templates, tutorial_scripts

        root = ws / path
        (root / "mounts" / "afs").mkdir(parents=True, exist_ok=True)
        for sub in ("scripts", "models", "training_data", "evaluation_data"):
            (root / "mounts" / "blobfuse" / sub).mkdir(parents=True, exist_ok=True)
        for name, script in tutorial_scripts().items():
            (root / "mounts" / "blobfuse" / "scripts" / name).write_bytes(script.read_bytes())
        (root / "templates").mkdir(exist_ok=True)
        for name, item in job_templates().items():
            (root / "templates" / name).write_bytes(item.read_bytes())
        (root / "jobs").mkdir(exist_ok=True)

    return make


_SAMPLE_CACHE: dict[str, Path] = {}


def sample_data_cache(cache_dir: Path) -> Path:
    """``landcover sample-data`` (seed 0) made once per test session under ``cache_dir``."""
    if "data" not in _SAMPLE_CACHE:
        from typer.testing import CliRunner

        from landcover.cli import app

        target = cache_dir / "sample-data"
        result = CliRunner().invoke(app, ["sample-data", str(target), "--seed", "0"])
        assert result.exit_code == 0, result.output
        _SAMPLE_CACHE["data"] = target
    return _SAMPLE_CACHE["data"]


SAMPLE_CACHE_DIR: list[Path] = []
"""Set by the suite's conftest: the session's folder for shared seeded data."""


def sample_root(path: str = RUNNER_ROOT) -> Setup:
    """A local root with the seeded sample data in ``blobfuse/`` (hard links to one copy per session)."""

    def make(ws: Path) -> None:
        local_root(path)(ws)
        data = sample_data_cache(SAMPLE_CACHE_DIR[0])
        blob = ws / path / "mounts" / "blobfuse"
        for sub in ("training_data", "evaluation_data"):
            shutil.rmtree(blob / sub)
            shutil.copytree(data / sub, blob / sub, copy_function=os.link)

    return make


def job_record(name: str, record: dict[str, Any] | str | bytes, path: str = RUNNER_ROOT) -> Setup:
    """A job record folder ``jobs/NAME`` holding ``record.json`` (a mapping is written as JSON, text as is)."""

    def make(ws: Path) -> None:
        directory = ws / path / "jobs" / name
        directory.mkdir(parents=True, exist_ok=True)
        stdouterr = ws / path / "mounts" / "afs" / name
        stdouterr.mkdir(parents=True, exist_ok=True)
        if isinstance(record, dict):
            data = {
                "name": name,
                "backend": "process",
                "state": "succeeded",
                "command": ["true"],
                "stdout": str(stdouterr / "stdout.txt"),
                "stderr": str(stdouterr / "stderr.txt"),
                "exit_code": 0,
                **record,
            }
            (directory / "record.json").write_text(json.dumps(data).replace("{ws}", str(ws)))
        elif isinstance(record, bytes):
            (directory / "record.json").write_bytes(record)
        else:
            (directory / "record.json").write_text(record)

    return make
