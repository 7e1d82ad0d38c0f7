"""What ``landcover train`` checks of ``--model-dir`` before any work: writable, not another run's, not in use.

- The folder is checked up front (:func:`landcover.io.paths.check_output_dir`): a file, a read-only folder
  or a path that cannot be created fails in one line before the first epoch, not after it.
- A folder holding a finished model (``trained.pt``, ``best.pt``) or ``metrics.jsonl`` but no epoch
  checkpoint to resume from is another run's result: it is refused unless ``--force`` (then replaced).
- ``--model-dir`` is none of the run's inputs, and neither holds nor sits inside one
  (:func:`landcover.io.outputs.check_confined`).
- One run at a time per folder: rank 0 holds the folder's lock (:class:`landcover.io.lock.FolderLock`, the same
  every command that writes takes) for the whole run; a second run says in one line who has it.
- A long run keeps only the newest ``--keep-checkpoints`` epoch checkpoints, besides ``best.pt`` and
  ``trained.pt`` (:func:`landcover.train.resume.prune_checkpoints`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clibase.text import counted
from landcover.io.errors import LandcoverError
from landcover.io.lock import FolderLock
from landcover.io.outputs import Named, check_confined
from landcover.io.paths import check_output_dir

if TYPE_CHECKING:
    from landcover.model.registry import ModelSpec

RESULT_NAMES = ("trained.pt", "best.pt", "metrics.jsonl")
"""A finished run's files: replaced only by a run that resumes it (epoch checkpoints beside them) or ``--force``."""


def check_model_dir(model_dir: Path, *, force: bool, inputs: Sequence[Named] = ()) -> None:
    """Refuse a ``--model-dir`` that cannot be written, overlaps an input, or holds another run's results.

    An input (``--input-dir``, ``--val-dir``, ``--init-from``) may not be, hold or sit inside it; a finished
    run's results without epoch checkpoints to resume from are refused unless ``force``.

    Raises:
        LandcoverError: One line naming ``--model-dir`` and the fix.
    """
    check_output_dir(model_dir, "--model-dir")
    check_confined([Named(path=model_dir, option="--model-dir")], inputs)
    if force or not model_dir.is_dir() or any(model_dir.glob("epoch-*.pt")):
        return
    found = [name for name in RESULT_NAMES if (model_dir / name).exists()]
    if found:
        raise LandcoverError(
            f"--model-dir {model_dir}: holds {', '.join(found)} of another run and no epoch-*.pt to resume from",
            "choose a new --model-dir, or add --force to replace them",
        )


class ModelDirLock(FolderLock):
    """The lock of a model folder for one training run (rank 0 takes it): :class:`~landcover.io.lock.FolderLock`."""

    def __init__(self, model_dir: Path) -> None:
        """The lock of ``model_dir``, named ``--model-dir`` in messages."""
        super().__init__(model_dir, option="--model-dir", command="train")

    def acquire(self) -> ModelDirLock:
        """Take the lock (see :meth:`FolderLock.acquire`)."""
        super().acquire()
        return self


@functools.cache
def activation_bytes_per_crop(spec: ModelSpec | None = None) -> int:
    """Bytes of the layer outputs one 256 x 256 crop makes in a forward pass of ``spec``'s network.

    Counted on the meta device (no activation allocated), for any network of the registry (the tutorial's U-Net by
    default). Training keeps these for the backward pass (conv, norm and attention outputs; ReLU, identity and
    dropout outputs share their input's memory and are not counted), so a batch needs at least ``batch_size``
    times this. Counted at 2 bytes a value (bf16, the smallest precision), so it is a lower bound in every
    precision: about 123 MiB for the tutorial's U-Net, 29.5 MiB for ``unet/resnet18``.
    """
    import torch

    from landcover.constants import WINDOW
    from landcover.model.build import build_network
    from landcover.model.registry import ModelSpec

    total = 0
    shared = (torch.nn.ReLU, torch.nn.ReLU6, torch.nn.Identity, torch.nn.Dropout, torch.nn.Dropout2d)

    def count(module: torch.nn.Module, _inputs: object, output: object) -> None:
        nonlocal total
        if isinstance(output, torch.Tensor) and not isinstance(module, shared):  # those share their input's memory
            total += output.numel() * 2

    spec = spec or ModelSpec()
    model = build_network(spec).eval().to("meta")  # built on the CPU: some encoders read values as they initialise
    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(count)
    with torch.no_grad():
        model(torch.zeros(1, spec.in_channels, WINDOW, WINDOW, device="meta"))
    return total


def check_batch_memory(batch_size: int, ranks_on_node: int, available: int, spec: ModelSpec | None = None) -> None:
    """Refuse a ``--batch-size`` whose activations alone exceed this rank's share of the node's free memory.

    A lower bound (:func:`activation_bytes_per_crop` of ``spec``'s network, the tutorial's U-Net by default), so
    a batch that is refused could not run; one that passes may still be tight.

    Raises:
        LandcoverError: The batch cannot fit.
    """
    share = available / max(1, ranks_on_node)
    per_crop = activation_bytes_per_crop(spec)
    need = batch_size * per_crop
    if need > share:
        most = max(1, int(share // per_crop))
        raise LandcoverError(
            f"--batch-size {batch_size}: its activations need at least {need / 2**30:.1f} GiB, over the "
            f"{share / 2**30:.1f} GiB free for each of the {counted(ranks_on_node, 'rank')} on this node",
            f"give --batch-size {most} or less, or run fewer ranks per node",
        )
