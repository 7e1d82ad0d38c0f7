"""Experiment tracking with MLflow, switched on by ``MLFLOW_TRACKING_URI`` alone.

Azure ML sets ``MLFLOW_TRACKING_URI`` (and ``MLFLOW_RUN_ID``) inside its jobs, so a job's parameters, per-epoch
metrics and files appear in Azure ML studio under the job's own run, with no flag on the command line.
Anywhere else, point the variable at any MLflow store (``sqlite:///mlflow.db``, ``http://127.0.0.1:5000``).
Without it, every tracker here does nothing and MLflow is never imported.

Who logs is the caller's decision: training passes ``enabled=world.is_main``, so with several MPI ranks
exactly one run is created. A run that ends before :meth:`Tracker.finish` (an error, a bad input) is marked
``FAILED`` at exit; one killed outright stays ``RUNNING`` in the store, and the resumed training starts a new
run that logs the earlier epochs again from the checkpoint, so the newest run always holds every epoch.
"""

from __future__ import annotations

import atexit
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landcover import __version__
from landcover.io.console import error_console
from landcover.io.errors import LandcoverError

if TYPE_CHECKING:
    from landcover.settings import EvaluateSettings, TrainSettings

TRACKING_URI_VARIABLE = "MLFLOW_TRACKING_URI"
RUN_ID_VARIABLE = "MLFLOW_RUN_ID"
_UNSAFE_KEY_CHARACTERS = re.compile(r"[^\w\-. /]")


def tracking_uri() -> str | None:
    """The configured MLflow tracking URI, or None when tracking is off."""
    return os.environ.get(TRACKING_URI_VARIABLE) or None


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def numeric_metrics(values: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The finite numbers of a (nested) metrics dictionary, as flat MLflow metric names.

    Args:
        values: For example ``{"loss": 0.3, "per_class": {"water": {"iou": 0.9}}}``.
        prefix: Prepended to every name.

    Returns:
        For the example: ``{"loss": 0.3, "per_class.water.iou": 0.9}``; booleans, ``None``, strings and lists
        are left out.
    """
    flat: dict[str, float] = {}
    for key, value in values.items():
        name = _UNSAFE_KEY_CHARACTERS.sub("_", f"{prefix}{key}")
        if isinstance(value, Mapping):
            flat.update(numeric_metrics(value, prefix=f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            flat[name] = float(value)
    return flat


class Tracker:
    """Records nothing: what runs without a tracking URI, and on every rank but the first."""

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record the run's parameters."""

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Record the numbers among ``metrics`` (nested dictionaries flattened) at ``step``."""

    def log_files(self, paths: Iterable[Path]) -> None:
        """Attach files to the run (those that exist)."""

    def finish(self) -> None:
        """Mark the run as finished."""


class MlflowTracker(Tracker):
    """Logs to the MLflow run of this process: the one ``MLFLOW_RUN_ID`` names (Azure ML jobs), or a new one."""

    def __init__(self, run_name: str, tags: Mapping[str, str]) -> None:
        import mlflow

        self._mlflow = mlflow
        attach = bool(os.environ.get(RUN_ID_VARIABLE))
        try:
            # An existing run (Azure ML's job run) keeps its own name.
            self._run = mlflow.start_run(run_name=None if attach else run_name, tags=dict(tags))
        except Exception as exc:
            raise LandcoverError(
                f"{TRACKING_URI_VARIABLE}={tracking_uri()}: cannot start an MLflow run ({_first_line(exc)[:160]})",
                f"check the tracking server or unset {TRACKING_URI_VARIABLE} to train without tracking",
            ) from exc
        self._finished = False
        atexit.register(self._end_if_unfinished)

    @property
    def run_id(self) -> str:
        """The MLflow run's id."""
        return str(self._run.info.run_id)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record the run's parameters (values as strings; ``None`` left out)."""
        self._guarded(self._mlflow.log_params, {k: v for k, v in params.items() if v is not None})

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Record the numbers among ``metrics`` at ``step``."""
        self._guarded(self._mlflow.log_metrics, numeric_metrics(metrics), step=step)

    def log_files(self, paths: Iterable[Path]) -> None:
        """Upload files that exist as artifacts of the run."""
        for path in paths:
            if Path(path).is_file():
                self._guarded(self._mlflow.log_artifact, str(path))

    def finish(self) -> None:
        """End the run as ``FINISHED``."""
        self._finished = True
        self._guarded(self._mlflow.end_run)

    def _end_if_unfinished(self) -> None:
        if not self._finished and self._mlflow.active_run() is not None:
            self._guarded(self._mlflow.end_run, status="FAILED")

    def _guarded(self, call: Any, *args: Any, **kwargs: Any) -> None:
        """Tracking never stops a training run: a failure to log becomes a warning."""
        try:
            call(*args, **kwargs)
        except Exception as exc:
            error_console.print(f"[yellow]warning:[/] MLflow: {_first_line(exc)[:200]}", soft_wrap=True)


def start_tracking(run_name: str, *, enabled: bool = True, tags: Mapping[str, str] | None = None) -> Tracker:
    """A tracker for this process: MLflow when a tracking URI is set and ``enabled``, else one that does nothing.

    Args:
        run_name: Name of a new run (an existing Azure ML job run keeps its own).
        enabled: False on every rank but the first.
        tags: Extra run tags (the landcover version is always added).

    Returns:
        The tracker.

    Raises:
        LandcoverError: The tracking store cannot be reached or refuses the run.
    """
    if not enabled or tracking_uri() is None:
        return Tracker()
    return MlflowTracker(run_name, {"landcover.version": __version__, **(tags or {})})


def track_training(settings: TrainSettings, world_size: int, done: list[dict[str, Any]], enabled: bool) -> Tracker:
    """Start tracking a training run: its settings as parameters, and the epochs a resumed run already has.

    Args:
        settings: The run's resolved settings (logged with ``settings_version``, their format version).
        world_size: Number of MPI ranks.
        done: Metrics of the epochs finished before a resume (empty for a new run).
        enabled: Whether this rank logs (the first rank only).

    Returns:
        The tracker; the training loop logs each epoch's metrics to it, then the final model.
    """
    tracker = start_tracking("landcover train", enabled=enabled, tags={"landcover.command": "train"})
    tracker.log_params({**settings.to_stored(), "settings_version": settings.FORMAT_VERSION, "world_size": world_size})
    for epoch_metrics in done:
        tracker.log_metrics(epoch_metrics, step=int(epoch_metrics["epoch"]))
    return tracker


def track_evaluation(options: EvaluateSettings, result: Mapping[str, Any]) -> None:
    """Log an evaluation (one run): its inputs, its metrics and timing, ``metrics.json`` and ``preview.png``.

    Args:
        options: The evaluation's settings.
        result: What ``evaluate`` returns (``metrics`` is None without labels).
    """
    tracker = start_tracking(
        f"landcover evaluate {Path(options.input_filename).name}", tags={"landcover.command": "evaluate"}
    )
    tracker.log_params(
        {
            "input_filename": str(options.input_filename),
            "model_filename": str(options.model_filename),
            "region": ",".join(f"{k}={v}" for k, v in result["region"].items()),
            "exact": options.exact,
            "block": options.block,
        }
    )
    tracker.log_metrics(
        {**(result.get("metrics") or {}), "seconds": result["seconds"], "km2_per_s": result["km2_per_s"]}
    )
    tracker.log_files(Path(path) for path in result["files"] if Path(path).name in ("metrics.json", "preview.png"))
    tracker.finish()
