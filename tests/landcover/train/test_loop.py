"""Real training runs: single process with resume, and the MPI smoke test of the issue."""

from __future__ import annotations

import itertools
import json
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

import landcover
from landcover.train.schedule import learning_rate
from tests.helpers import landcover as run_landcover
from tests.helpers import mpi_landcover
from tests.landcover.train.conftest import assert_two_ranks_agree_and_resume, train_args

TINY = ["--epoch-size", "4", "--batch-size", "2", "--threads", "1"]


def test_learning_rate_warms_up_then_decays():
    rates = [learning_rate(step, 100, 1e-3) for step in range(100)]
    assert rates[0] < rates[4] == pytest.approx(1e-3)
    assert all(a >= b for a, b in itertools.pairwise(rates[5:]))
    assert rates[-1] == pytest.approx(1e-5, rel=0.05)


@pytest.mark.slow
def test_single_process_trains_checkpoints_and_resumes(eight_pairs, tmp_path):
    model_dir = tmp_path / "model"
    args = train_args(eight_pairs, model_dir, *TINY)
    first = run_landcover(*args, "--epochs", "1")
    assert first.returncode == 0, first.stderr
    assert (model_dir / "epoch-0001.pt").is_file() and (model_dir / "trained.pt").is_file()
    lines = [json.loads(line) for line in (model_dir / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1]
    assert {"loss", "pixel_error", "samples_per_s", "seconds"} <= set(lines[0])

    second = run_landcover(*args, "--epochs", "2")
    assert second.returncode == 0, second.stderr
    assert "resuming from" in second.stdout and "epoch 1 of 2 done" in second.stdout
    assert "extending the run from 1 to 2 epochs" in second.stdout
    lines = [json.loads(line) for line in (model_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 2
    assert lines[1]["lr"] <= lines[0]["lr"] * 1.0001  # the extension continues from the current rate: no jump

    # A truncated newest checkpoint (a kill during a copy, a full disk) is skipped for the one before it.
    newest = model_dir / "epoch-0002.pt"
    newest.write_bytes(newest.read_bytes()[:1000])
    third = run_landcover(*args, "--epochs", "2")
    assert third.returncode == 0, third.stderr
    assert "incomplete or damaged" in third.stdout and "epoch 1 of 2 done" in third.stdout
    model = landcover.load_model(model_dir / "trained.pt")
    assert model.config.normalisation == "dataset"
    assert model(torch.rand(1, 4, 64, 64)).shape == (1, 5, 64, 64)


@pytest.mark.slow
def test_killed_run_resumes_from_last_complete_checkpoint(eight_pairs, tmp_path):
    model_dir = tmp_path / "model"
    command = [sys.executable, "-m", "landcover", *train_args(eight_pairs, model_dir, *TINY, "--epochs", "50")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (model_dir / "epoch-0002.pt").exists() and time.time() < deadline:
        time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = sorted(p.name for p in model_dir.glob("epoch-*.pt"))
    assert done and not (model_dir / "trained.pt").exists()
    resumed = run_landcover(*train_args(eight_pairs, model_dir, *TINY, "--epochs", str(len(done) + 1)))
    assert resumed.returncode == 0, resumed.stderr
    assert f"epoch {len(done)} of {len(done) + 1} done" in resumed.stdout
    assert (model_dir / "trained.pt").is_file()


@pytest.mark.slow
def test_mpi_two_ranks_smoke(eight_pairs, tmp_path):
    model_dir = tmp_path / "model"
    command = mpi_landcover(2, *train_args(eight_pairs, model_dir, *TINY, "--epochs", "1"))
    output = assert_two_ranks_agree_and_resume(command, model_dir, 32)
    loaded = dict(re.findall(r"worker (\d)/2: loading \d+ pairs: (.*)", output))
    assert set(loaded) == {"1", "2"}
    first, second = (set(loaded[k].split(", ")) for k in ("1", "2"))
    assert first and second and not first & second and len(first | second) == 8


@pytest.mark.slow
def test_one_rank_dying_ends_the_job(eight_pairs, tmp_path):
    command = mpi_landcover(
        2,
        "train",
        "--input-dir",
        str(eight_pairs),
        "--model-dir",
        str(tmp_path / "m"),
        "--epoch-size",
        "400",
        "--batch-size",
        "2",
        "--threads",
        "1",
        "--epochs",
        "5",
    )
    mpirun = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert mpirun.stdout is not None
    for line in mpirun.stdout:
        if line.startswith("training "):
            break
    ranks = subprocess.run(["pgrep", "-f", "-P", str(mpirun.pid), "landcover"], capture_output=True, text=True)
    pids = [int(p) for p in ranks.stdout.split()]
    assert len(pids) == 2, ranks.stdout
    subprocess.run(["kill", "-9", str(pids[1])], check=True)
    start = time.time()
    code = mpirun.wait(timeout=90)
    assert code != 0
    assert time.time() - start < 60
