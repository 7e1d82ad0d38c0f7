"""NCCL on one GPU: a one-rank process group, alone and under mpirun (the rendezvous landcover train uses)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from landcover.parallel.world import rendezvous
from tests.helpers import mpirun_prefix

pytestmark = pytest.mark.cuda

MPI_SCRIPT = """
import torch, torch.distributed as dist
from mpi4py import MPI
from {module} import rendezvous
comm = MPI.COMM_WORLD
url = rendezvous(comm)
torch.cuda.set_device(0)
dist.init_process_group("nccl", init_method=url, rank=comm.Get_rank(), world_size=comm.Get_size())
values = torch.full((4,), comm.Get_rank() + 2.0, device="cuda")
dist.all_reduce(values)
torch.cuda.synchronize()
print("backend", dist.get_backend(), "size", dist.get_world_size(), "sum", values.tolist())
dist.destroy_process_group()
""".replace("{module}", rendezvous.__module__)  # the rendezvous `landcover train` uses, wherever it lives

ALONE_SCRIPT = """
import sys, torch, torch.distributed as dist
torch.cuda.set_device(0)
dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{sys.argv[1]}", rank=0, world_size=1)
values = torch.full((4,), 2.0, device="cuda")
dist.all_reduce(values)
torch.cuda.synchronize()
print("backend", dist.get_backend(), "size", dist.get_world_size(), "sum", values.tolist())
dist.destroy_process_group()
"""

EXPECTED = "backend nccl size 1 sum [2.0, 2.0, 2.0, 2.0]"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_one_rank_nccl_group_initialises():
    result = subprocess.run(
        [sys.executable, "-c", ALONE_SCRIPT, str(_free_port())], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert EXPECTED in result.stdout, result.stdout


def test_one_rank_nccl_group_initialises_under_mpirun():
    result = subprocess.run(
        [*mpirun_prefix(1), sys.executable, "-c", MPI_SCRIPT], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert EXPECTED in result.stdout, result.stdout
