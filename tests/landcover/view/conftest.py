"""The viewer's fixtures: a real `landcover view` process on 127.0.0.1, and Debian's chromium through Playwright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.data.view_scenes import write_view_folder

ROOT = Path(__file__).resolve().parents[3]


class Viewer:
    """A running ``landcover view`` process and its URL."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LANDCOVER_PROGRESS": "plain"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "landcover", "view", *args, "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first:
            raise AssertionError(f"landcover view did not start: {self.process.communicate()[1]}")
        self.line = first.strip()
        self.url = first.split()[2]
        self.base = self.url.split("?")[0].rstrip("/")

    def stop(self) -> tuple[int, str, str]:
        """Ctrl+C, as a user would; the exit code and what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err


@pytest.fixture
def start_viewer() -> Iterator[Callable[..., Viewer]]:
    started: list[Viewer] = []

    def start(*args: str) -> Viewer:
        viewer = Viewer(list(args))
        started.append(viewer)
        return viewer

    yield start
    for viewer in started:
        viewer.stop()


@pytest.fixture(scope="session")
def view_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("view")
    return {grid: write_view_folder(root / grid, grid) for grid in ("utm", "geographic", "custom")}
