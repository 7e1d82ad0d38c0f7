"""What a rerun of ``landcover train`` says when there is nothing left to train, instead of announcing a training.

A finished run (every epoch of ``--epochs`` done) or one that stopped early is complete: rerunning the same command
trains nothing and says so, with the option that would train more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clibase.text import counted

if TYPE_CHECKING:
    from landcover.train.resume import Resume


def nothing_to_train(done: int, epochs: int, resume: Resume | None, fresh_schedule: bool) -> str | None:
    """The line for a run with nothing left to train, or ``None`` when epochs remain.

    Args:
        done: Whole epochs the checkpoint holds (0 for a new run).
        epochs: ``--epochs``.
        resume: The checkpoint resumed from, ``None`` for a new run.
        fresh_schedule: ``--restart`` (or a new run): a new schedule, which always trains.
    """
    if resume is None or fresh_schedule:
        return None
    stored, path = resume.state, resume.path
    if stored.stopped_early:
        best = stored.monitor.best_epoch
        return (
            f"nothing to train: {path} stopped early at epoch {done} (best: epoch {best}); "
            f"--restart --epochs {done + 1} or more trains on from its weights with a fresh schedule"
        )
    if done < epochs:
        return None
    return (
        f"nothing to train: {path} has {counted(done, 'epoch')} done (--epochs {epochs}); "
        f"--epochs {done + 1} or more extends the run"
    )
