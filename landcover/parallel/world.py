"""The World: rank and size from MPI, the torch.distributed process group, and ending a whole MPI job.

The same command runs alone or under ``mpirun -np N`` (also across nodes): ranks come from MPI, the
rendezvous address and port are chosen by rank 0 and broadcast over MPI, and the process group uses
NCCL on GPUs and gloo on CPUs.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from landcover.limits import default_threads

PROCESS_GROUP_TIMEOUT = dt.timedelta(minutes=5)
MPI_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE")


@dataclass(frozen=True)
class World:
    """Where this process sits in the job."""

    rank: int
    size: int
    local_rank: int
    local_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0 writes files and shows progress."""
        return self.rank == 0


def launched_by_mpi() -> bool:
    """Whether an MPI launcher started this process as one of several ranks."""
    return any(int(os.environ.get(name, "1")) > 1 for name in MPI_SIZE_VARIABLES)


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as exc:  # RuntimeError: mpi4py's binary wheel finds no MPI library
        if launched_by_mpi():
            raise RuntimeError(f"mpi4py cannot be imported under mpirun ({exc}); install mpi4py") from exc
        return None
    return MPI


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


def _address_towards(host: str) -> str:
    """The local IP address that routes to ``host`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((host, 9))
        return str(sock.getsockname()[0])


def rendezvous(comm: Any) -> str:
    """Rank 0 picks an address and free port; every rank gets the same ``tcp://`` URL over MPI."""
    hosts = comm.allgather(socket.gethostname())
    url = None
    if comm.Get_rank() == 0:
        others = [h for h in hosts if h != hosts[0]]
        address = os.environ.get("MASTER_ADDR") or (_address_towards(others[0]) if others else "127.0.0.1")
        port = int(os.environ.get("MASTER_PORT") or _free_port())
        url = f"tcp://{address}:{port}"
    return str(comm.bcast(url, root=0))


def init_world(threads: int | None = None) -> World:
    """Find this process's rank, join the process group, pick its device and thread count.

    Args:
        threads: Intra-op threads per rank; default: this node's CPUs (within the container's CPU limit) divided
            by its ranks.

    Returns:
        The process's place in the job.
    """
    # A process that no launcher started as one of several ranks is the whole job: it never initialises MPI, whose
    # singleton start-up would spawn a daemon and leave variables in this process that confuse a later mpirun.
    mpi: Any = _mpi() if launched_by_mpi() else None
    rank, size, local_rank, local_size = 0, 1, 0, 1
    if mpi is not None:
        comm = mpi.COMM_WORLD
        rank, size = comm.Get_rank(), comm.Get_size()
        local = comm.Split_type(mpi.COMM_TYPE_SHARED)
        local_rank, local_size = local.Get_rank(), local.Get_size()
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    torch.set_num_threads(threads or default_threads(local_size))
    if size > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(
            backend, init_method=rendezvous(mpi.COMM_WORLD), rank=rank, world_size=size, timeout=PROCESS_GROUP_TIMEOUT
        )
    return World(rank, size, local_rank, local_size, device)


def abort_job(code: int) -> None:
    """End every rank of an MPI job now, so that no rank waits for a dead peer."""
    mpi = _mpi() if launched_by_mpi() else None
    sys.stdout.flush()
    sys.stderr.flush()
    if mpi is not None:
        mpi.COMM_WORLD.Abort(code)
