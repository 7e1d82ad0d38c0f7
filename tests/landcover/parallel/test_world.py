"""One process needs no MPI library: mpi4py installed without one (its binary wheel alone) is not an error."""

from __future__ import annotations

import sys

import mpi4py
import pytest

from landcover.parallel import world


class NoMpiLibrary:
    """Import hook that fails ``mpi4py.MPI`` as mpi4py's wheel does when it finds no MPI library."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "mpi4py.MPI":
            raise RuntimeError("cannot load MPI library")


@pytest.fixture
def no_mpi_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    monkeypatch.delattr(mpi4py, "MPI", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoMpiLibrary(), *sys.meta_path])


def test_a_single_process_runs_without_a_loadable_mpi_library(no_mpi_library, monkeypatch):
    for name in world.MPI_SIZE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert world._mpi() is None


def test_under_mpirun_a_missing_mpi_library_is_an_error(no_mpi_library, monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    with pytest.raises(RuntimeError, match="mpi4py cannot be imported under mpirun"):
        world._mpi()


def test_a_single_process_never_initialises_mpi():
    """A lone process (an in-process command, a test) leaves no MPI singleton behind to confuse a later mpirun."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in world.MPI_SIZE_VARIABLES}
    code = (
        "import sys; from landcover.parallel.world import init_world; w = init_world(1); "
        "print(w.rank, w.size, 'mpi4py.MPI' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split() == ["0", "1", "False"]
