"""What the training tests share: seeded pairs, the ``train`` command line, killing and signalling real runs,
and the bitwise comparisons of two runs' checkpoints."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import landcover
from landcover.constants import PREEMPTED_EXIT_CODE
from tests.data.fixtures import write_pair

ENV = {**os.environ, "LANDCOVER_PROGRESS": "plain"}


def write_pairs(folder: Path, count: int) -> Path:
    """``count`` seeded 160 x 160 pairs side by side in ``folder``."""
    for index in range(count):
        write_pair(folder, f"tile{index}", size=(160, 160), seed=index, origin=(700_000.0 + 200 * index, 4_100_000.0))
    return folder


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    return write_pairs(tmp_path_factory.mktemp("pairs"), 3)


@pytest.fixture(scope="module")
def eight_pairs(tmp_path_factory) -> Path:
    return write_pairs(tmp_path_factory.mktemp("pairs"), 8)


def train_args(data: Path, model_dir: Path, *options: str) -> list[str]:
    """``landcover train`` on ``data`` into ``model_dir`` (without the program)."""
    return ["train", "--input-dir", str(data), "--model-dir", str(model_dir), *options]


def kill_after_first_epoch(args: list[str], model_dir: Path, stderr: int | None = None) -> None:
    """Run ``landcover ARGS`` and kill -9 it once ``epoch-0001.pt`` is in ``model_dir``."""
    command = [sys.executable, "-m", "landcover", *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.time() + 300
    while not (model_dir / "epoch-0001.pt").exists() and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def weights(path: Path) -> dict[str, torch.Tensor]:
    """A checkpoint's weights and buffers."""
    return torch.load(path, weights_only=True)["state_dict"]


def assert_same_weights(a: Path, b: Path) -> None:
    """Two checkpoints hold bitwise equal weights and buffers."""
    first, second = weights(a), weights(b)
    assert first.keys() == second.keys()
    for name, tensor in first.items():
        assert torch.equal(tensor, second[name]), (a.name, name)


def assert_same_optimizer(a: Path, b: Path) -> None:
    """Two checkpoints hold bitwise equal optimiser states."""
    first, second = (torch.load(p, weights_only=True)["training"]["optimizer"]["state"] for p in (a, b))
    for key, state in first.items():
        for name, value in state.items():
            assert torch.equal(value, second[key][name]), (key, name)


def assert_bitwise_equal(straight: Path, resumed: Path) -> None:
    """A resumed two-epoch run ended as the straight one: weights, optimiser, losses; no part-way file left."""
    for name in ("trained.pt", "epoch-0002.pt"):
        assert_same_weights(straight / name, resumed / name)
    assert_same_optimizer(straight / "epoch-0002.pt", resumed / "epoch-0002.pt")
    first, second = (torch.load(d / "epoch-0002.pt", weights_only=True)["training"] for d in (straight, resumed))
    assert [m["loss"] for m in first["metrics"]] == [m["loss"] for m in second["metrics"]]
    assert not list(resumed.glob("epoch-*-step-*.pt"))  # superseded by the epochs' own checkpoints


def assert_two_ranks_agree_and_resume(command: list[str], model_dir: Path, side: int) -> str:
    """Two MPI ranks end with equal weights, the model applies to a ``side`` image, and a rerun trains nothing.

    Returns:
        The first run's output.
    """
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    digests = re.findall(r"worker \d/2: weights ([0-9a-f]{16})", result.stdout)
    assert len(digests) == 2 and digests[0] == digests[1]
    model = landcover.load_model(model_dir / "trained.pt")
    assert model(torch.rand(1, 4, side, side)).shape == (1, 5, side, side)
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "resuming from" in again.stdout and "epoch 1 of 1 done" in again.stdout
    assert "epoch 1/1: loss" not in again.stdout  # nothing retrained
    return result.stdout


def run_and_signal(
    command: list[str], targets: Callable[[int], list[int]], number: int, delay: float
) -> tuple[int, str]:
    """Start ``command``; ``delay`` s after it prints its ``training ...`` line, send ``number`` to the targets.

    A second signal follows while the checkpoint is being written, which must change nothing.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    lines: list[str] = []
    training = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("training "):
                training.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if training.wait(timeout=300):
        time.sleep(delay)
        for pid in targets(process.pid):
            os.kill(pid, number)
        time.sleep(0.05)
        with contextlib.suppress(OSError):  # the run may have ended already
            for pid in targets(process.pid):
                os.kill(pid, number)
    code = process.wait(timeout=600)
    reader.join()
    return code, "".join(lines)


def stop_part_way(command: list[str], model_dir: Path, targets: Callable[[int], list[int]], number: int) -> str:
    """Signal runs of ``command`` (each resuming the last) until one stops part-way through an epoch.

    A signal before the first step of a run stops it with nothing new to write; the next try waits longer.
    """
    outputs = []
    for delay in (1.0, 2.0, 4.0, 6.0, 9.0):
        code, output = run_and_signal(command, targets, number, delay)
        outputs.append(output)
        assert code == PREEMPTED_EXIT_CODE, (code, output)
        assert f"{signal.Signals(number).name}: stopped after step" in output, output
        assert "Traceback" not in output
        if list(model_dir.glob("epoch-*-step-*.pt")):
            return output
    pytest.fail("no run stopped part-way through an epoch:\n" + "\n".join(outputs))


def itself(pid: int) -> list[int]:
    """The process itself, as the target of a signal."""
    return [pid]
