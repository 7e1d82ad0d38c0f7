"""Process-level speed settings: the allocator re-exec, and whether the hardware runs bf16 fast."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from landcover.constants import MALLOC_OPT_OUT, TUNED_MALLOC

if TYPE_CHECKING:
    import torch


def reexec_with_tuned_allocator(argv: list[str]) -> None:
    """Re-execute this Python process with the tuned glibc allocator settings, unless already set.

    glibc reads these variables only at start-up, so they cannot take effect from inside the process.
    ``os.execve`` keeps the process id (so ``mpirun`` still tracks it) and must run before MPI starts.
    Setting ``LANDCOVER_MALLOC_TUNED=1`` (or either variable) skips it.

    Args:
        argv: The arguments after the interpreter (``["-m", "landcover", ...]`` or ``[script, ...]``).
    """
    if os.environ.get(MALLOC_OPT_OUT) or all(name in os.environ for name in TUNED_MALLOC):
        return
    env = {**TUNED_MALLOC, **os.environ, MALLOC_OPT_OUT: "1"}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *argv], env)


def use_bf16(device: torch.device, precision: str) -> bool:
    """bf16 autocast where the hardware has fast bf16 (AVX-512 BF16 / AMX on CPU, Ampere+ on GPU).

    The precision part of :func:`landcover.tuning.choose_settings`, which also chooses the memory format.
    """
    from landcover.tuning import choose_settings  # here, so that the re-exec above stays cheap

    return choose_settings(device, precision).bf16
