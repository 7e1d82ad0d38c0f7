"""Preemption: SIGTERM / SIGUSR1 checkpoint at the current step, exit 75, and the rerun ends bitwise equal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from landcover.data.sampler import CropSampler
from landcover.model.checkpoint import make_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet
from landcover.parallel.world import World
from landcover.train.preempt import StopRequests
from landcover.train.resume import checkpoint_path, checkpoints, find_resume_point, remove_superseded_steps
from landcover.train.state import RandomState
from tests.data.release_0bd8f69 import rewrite_as_0bd8f69
from tests.helpers import mpi_landcover
from tests.landcover.train.conftest import ENV, assert_bitwise_equal, itself, stop_part_way, train_args

SINGLE = ["--epoch-size", "6", "--batch-size", "2", "--threads", "1", "--epochs", "2"]
"""Two epochs of three steps."""
TWO_RANKS = ["--epoch-size", "12", "--batch-size", "2", "--threads", "1", "--epochs", "2"]
"""Two epochs of three steps of 2 x 2 crops."""


def _ranks(pid: int, only: int | None = None) -> list[int]:
    """The MPI ranks mpirun started (children of ``pid``), or the one with rank ``only``."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        rank = next((int(v.split(b"=")[1]) for v in environ if v.startswith(b"OMPI_COMM_WORLD_RANK=")), None)
        if rank is not None and (only is None or rank == only):
            found.append(int(child))
    return found


@pytest.fixture(scope="module")
def straight(pairs, tmp_path_factory) -> Path:
    model_dir = tmp_path_factory.mktemp("straight")
    result = subprocess.run(
        [sys.executable, "-m", "landcover", *train_args(pairs, model_dir, *SINGLE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return model_dir


@pytest.fixture(scope="module")
def straight_two_ranks(pairs, tmp_path_factory) -> Path:
    model_dir = tmp_path_factory.mktemp("straight2")
    result = subprocess.run(mpi_landcover(2, *train_args(pairs, model_dir, *TWO_RANKS)), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return model_dir


@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGUSR1], ids=["SIGTERM", "SIGUSR1"])
def test_signal_mid_epoch_checkpoints_and_the_rerun_is_bitwise_equal(pairs, straight, tmp_path, number):
    model_dir = tmp_path / "model"
    command = [sys.executable, "-m", "landcover", *train_args(pairs, model_dir, *SINGLE)]
    output = stop_part_way(command, model_dir, itself, number)
    assert "checkpoint " in output and "run the same command again to resume" in output
    (part,) = model_dir.glob("epoch-*-step-*.pt")
    assert "position" in torch.load(part, weights_only=True)["training"]

    resumed = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(r"\d+ steps? into epoch", resumed.stdout), resumed.stdout
    assert_bitwise_equal(straight, model_dir)


@pytest.mark.slow
def test_a_part_way_checkpoint_written_by_0bd8f69_resumes_bitwise(pairs, straight, tmp_path):
    model_dir = tmp_path / "model"
    command = [sys.executable, "-m", "landcover", *train_args(pairs, model_dir, *SINGLE)]
    stop_part_way(command, model_dir, itself, signal.SIGTERM)
    (part,) = model_dir.glob("epoch-*-step-*.pt")
    entry = rewrite_as_0bd8f69(part)
    assert "state_version" not in entry and set(entry["ranks"][0]) == {"random", "sampler", "sums"}

    resumed = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(r"\d+ steps? into epoch", resumed.stdout), resumed.stdout
    assert_bitwise_equal(straight, model_dir)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "number"),
    [
        pytest.param(lambda pid: [pid], signal.SIGUSR1, id="SIGUSR1-to-mpirun"),  # mpirun passes SIGUSR1 on
        pytest.param(lambda pid: _ranks(pid, only=1), signal.SIGTERM, id="SIGTERM-to-rank-1-only"),
    ],
)
def test_two_ranks_stop_at_the_same_step_and_resume_bitwise(pairs, straight_two_ranks, tmp_path, target, number):
    model_dir = tmp_path / "model"
    command = mpi_landcover(2, *train_args(pairs, model_dir, *TWO_RANKS))
    stop_part_way(command, model_dir, target, number)
    (part,) = model_dir.glob("epoch-*-step-*.pt")
    ranks = torch.load(part, weights_only=True)["training"]["ranks"]
    assert len(ranks) == 2 and ranks[0]["sampler"] != ranks[1]["sampler"]  # each rank's own position

    resumed = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert resumed.returncode == 0, resumed.stderr
    assert_bitwise_equal(straight_two_ranks, model_dir)


def test_newest_checkpoint_is_found_by_number_not_name(tmp_path):
    checkpoint = make_checkpoint(TutorialUNet(ModelConfig()), provenance={}, training={"epoch": 0})
    for epoch in range(1, 13):
        save_checkpoint(checkpoint, checkpoint_path(tmp_path, epoch))
    assert find_resume_point(tmp_path, print) == tmp_path / "epoch-0012.pt"
    save_checkpoint(checkpoint, checkpoint_path(tmp_path, 13, 2))
    assert find_resume_point(tmp_path, print) == tmp_path / "epoch-0013-step-000002.pt"
    for name in ("epoch-9999.pt", "epoch-10000.pt", "epoch-notes.pt"):
        (tmp_path / name).touch()
    assert [p.name for p in checkpoints(tmp_path)[:3]] == [
        "epoch-10000.pt",
        "epoch-9999.pt",
        "epoch-0013-step-000002.pt",
    ]
    assert tmp_path / "epoch-notes.pt" not in checkpoints(tmp_path)


def test_superseded_part_way_checkpoints_are_removed(tmp_path):
    for name in (
        "epoch-0002.pt",
        "epoch-0003-step-000004.pt",
        "epoch-0003-step-000009.pt",
        "epoch-0004-step-000001.pt",
    ):
        (tmp_path / name).touch()
    remove_superseded_steps(tmp_path, tmp_path / "epoch-0003-step-000004.pt")  # e.g. written after a --restart
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0002.pt", "epoch-0003-step-000004.pt"]
    (tmp_path / "epoch-0003.pt").touch()
    remove_superseded_steps(tmp_path, tmp_path / "epoch-0003.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0002.pt", "epoch-0003.pt"]


def test_sampler_resumes_its_random_stream_exactly():
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 255, (4, 300, 300), dtype=np.uint8)]
    labels = [rng.integers(0, 5, (300, 300), dtype=np.uint8)]
    straight = CropSampler(images, labels, np.random.default_rng([0, 0, 1]))
    interrupted = CropSampler(images, labels, np.random.default_rng([0, 0, 1]))
    for _ in range(40):  # past a refill of the uniform buffer
        straight.batch(2)
        interrupted.batch(2)
    resumed = CropSampler(images, labels, np.random.default_rng([0, 0, 1]))
    resumed.restore(interrupted.state())
    for _ in range(5):
        expected, got = straight.batch(2), resumed.batch(2)
        assert np.array_equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])


def test_random_states_round_trip_through_a_checkpoint(tmp_path):
    import random

    state = RandomState.capture()
    path = tmp_path / "state.pt"
    torch.save({"random": state.model_dump()}, path)
    expected = (torch.rand(3), np.random.random(3), random.random())
    RandomState.model_validate(torch.load(path, weights_only=True)["random"]).restore()
    got = (torch.rand(3), np.random.random(3), random.random())
    assert torch.equal(expected[0], got[0]) and np.array_equal(expected[1], got[1]) and expected[2] == got[2]


def test_a_signal_is_recorded_not_fatal_and_handlers_come_back_unless_stopping():
    world = World(0, 1, 0, 1, torch.device("cpu"))
    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGUSR1)}
    with StopRequests(world) as stop:
        assert not stop.agreed()
    assert all(signal.getsignal(number) is handler for number, handler in before.items())
    try:
        with StopRequests(world) as stop:
            os.kill(os.getpid(), signal.SIGUSR1)
            os.kill(os.getpid(), signal.SIGTERM)  # a second signal changes nothing
            assert stop.agreed() and stop.signal_name == "SIGUSR1"
        # Stopping: a repeated request (mpirun and the scheduler both signal) cannot kill the exiting process.
        assert all(signal.getsignal(number) is signal.SIG_IGN for number in before)
        os.kill(os.getpid(), signal.SIGUSR1)
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
