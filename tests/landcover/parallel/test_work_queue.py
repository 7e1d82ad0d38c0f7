"""The work queue: without MPI (one process does everything, in order) and under a real mpirun."""

import json
import subprocess
import sys

import pytest

from landcover.parallel.work_queue import run_queue
from tests.helpers import mpirun_prefix


def test_alone_every_item_once_in_order():
    seen: list[int] = []
    run_queue(None, [3, 1, 2], lambda index: index * 10, seen.append)
    assert seen == [30, 10, 20]


QUEUE_SCRIPT = """
import json, sys, time
from pathlib import Path
from mpi4py import MPI
from landcover.parallel.work_queue import run_queue

comm = MPI.COMM_WORLD
flag = Path(sys.argv[1]) / "rank1-started"
done = []

def work(index):
    if comm.Get_rank() == 1:
        flag.touch()
    else:
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline:  # rank 0 holds its item until rank 1 has one
            time.sleep(0.01)
    return (index, comm.Get_rank())

run_queue(comm, list(range(6)), work, done.append)
if comm.Get_rank() == 0:
    (Path(sys.argv[1]) / "results.json").write_text(json.dumps(done))
"""


@pytest.mark.slow
def test_under_mpirun_every_item_once_and_both_ranks_take_items(tmp_path):
    script = tmp_path / "queue.py"
    script.write_text(QUEUE_SCRIPT)
    subprocess.run([*mpirun_prefix(2), sys.executable, str(script), str(tmp_path)], check=True, timeout=300)
    results = json.loads((tmp_path / "results.json").read_text())
    assert sorted(index for index, _ in results) == list(range(6))
    assert {rank for _, rank in results} == {0, 1}
