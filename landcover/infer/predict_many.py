"""``landcover predict``: map many scenes, alone or as MPI ranks sharing a work queue; resumable.

Rank 0 lists the scenes, checks the model and the output folder, removes what a killed run left half
written, and skips scenes whose maps are already complete (same source, model and precision). The other
scenes go into a queue that rank 0 serves (``work_queue``), largest local file first, so no rank idles
behind a slow scene. Each scene's map is written atomically; a scene that cannot be read is recorded with
its one-line reason and the rest go on. At the end rank 0 writes the mosaic VRT, ``summary.json`` and
``overview.png``, and the command fails (exit 2) naming how many scenes failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clibase.text import counted
from landcover.data.geo import area_km2
from landcover.data.scenes import list_scenes
from landcover.data.sources import SceneSource, is_url, open_scene
from landcover.infer.categories import style_path
from landcover.infer.model_file import load_checked_model
from landcover.infer.mosaic import write_mosaics, write_overview
from landcover.infer.outputs import write_json
from landcover.infer.scene_map import (
    TEMPORARY_PATTERNS,
    finished_map,
    map_path,
    map_tags,
    model_digest,
    scene_files,
    write_scene_map,
)
from landcover.io.console import console
from landcover.io.errors import LandcoverError, ReportedByAnotherRank
from landcover.io.outputs import Named, OutputFolder
from landcover.io.paths import check_output_dir
from landcover.io.progress import ProgressReporter
from landcover.parallel.world import World, init_world
from landcover.settings import PredictSettings

SUMMARY = "summary.json"
OVERVIEW = "overview.png"


@dataclass
class SceneOutcome:
    """What happened to one scene (one entry of ``summary.json``)."""

    index: int
    name: str
    source: str
    status: str  # "done", "skipped" (already complete) or "failed"
    map: str | None = None
    pixels: int = 0
    km2: float = 0.0
    seconds: float = 0.0
    rank: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Plan:
    """Rank 0's decisions, sent to every rank."""

    scenes: list[SceneSource]
    todo: list[int]
    skipped: list[SceneOutcome]
    model: str
    precision: str


@dataclass
class Tally:
    """Rank 0's running record of outcomes and progress."""

    total: int
    progress: ProgressReporter
    record: Callable[[SceneOutcome], None] = lambda _outcome: None
    start: float = field(default_factory=time.perf_counter)
    outcomes: list[SceneOutcome] = field(default_factory=list)
    km2: float = 0.0

    def add(self, outcome: SceneOutcome) -> None:
        """Record one scene's outcome and show progress (scenes, km², km²/s)."""
        self.outcomes.append(outcome)
        self.record(outcome)
        self.km2 += outcome.km2
        elapsed = time.perf_counter() - self.start
        done = f"{len(self.outcomes)}/{self.total}"
        if outcome.status == "failed":
            console.print(f"scene {done} {outcome.name}: [red]failed[/] ({outcome.error})", soft_wrap=True)
        else:
            console.print(
                f"scene {done} {outcome.name}: {outcome.km2:.2f} km² in {outcome.seconds:.1f} s (rank {outcome.rank})",
                soft_wrap=True,
            )
        self.progress.advance(1, f"{self.km2:,.2f} km², {self.km2 / max(elapsed, 1e-9):,.2f} km²/s")


def _one_line(exc: BaseException) -> str:
    """One line saying why a scene failed (GDAL's own message where rasterio points to it)."""
    if isinstance(exc, LandcoverError):
        return exc.message
    while "previous exception" in str(exc) and exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _local_size(source: SceneSource) -> int:
    path = source.local_path
    return path.stat().st_size if source.error is None and path is not None and path.is_file() else 0


def predict_inputs(options: PredictSettings, scenes: list[SceneSource]) -> list[Named]:
    """What ``predict`` reads, which ``--output-dir`` must neither be, hold nor sit inside."""
    inputs = [
        Named(path=s.local_path, option="scenes being mapped:")
        for s in scenes
        if s.local_path is not None and s.error is None
    ]
    if not is_url(options.scenes):
        inputs.append(Named(path=Path(options.scenes), option="--scenes"))
    return [*inputs, Named(path=options.model_filename, option="--model-filename")]


def make_plan(options: PredictSettings, out: OutputFolder) -> Plan:
    """List the scenes, check model and output folder, clean up, and decide what is left to do (rank 0).

    The output folder (:class:`~landcover.io.outputs.OutputFolder`) is checked, then locked for the run;
    what a killed run left half written is removed; every output name is claimed (a file landcover did not
    write there is refused). A scene counts as mapped only when its map is unchanged since it was recorded,
    opens to its last block, and was made from the scene as it is now (size and mtime), the same model and
    precision (:func:`~landcover.infer.scene_map.finished_map`).

    Raises:
        LandcoverError: Bad ``--scenes``, model or ``--output-dir``.
    """
    check_output_dir(options.output_dir, "--output-dir")  # up front: a file, read-only or uncreatable folder
    scenes = list_scenes(options.scenes, options.asset)
    load_checked_model(options.model_filename, 4)
    out.check(predict_inputs(options, scenes)).acquire()
    out.remove_leftovers(TEMPORARY_PATTERNS)
    model = model_digest(options.model_filename)
    precision = "fp32" if options.exact else "auto"
    paths = {i: map_path(options.output_dir, s) for i, s in enumerate(scenes) if s.error is None}
    out.claim([name for p in paths.values() for name in scene_files(p)] + [SUMMARY, OVERVIEW, "mosaic.vrt"])
    todo, skipped = [], []
    for index, source in enumerate(scenes):
        path = paths.get(index)
        tags = map_tags(source, model, precision)
        pixels = finished_map(path, tags) if path is not None and out.unchanged(path.name) else None
        if pixels is None or path is None:
            todo.append(index)
            continue
        skipped.append(SceneOutcome(index, source.name, source.location, "skipped", str(path), pixels))
    todo.sort(key=lambda index: _local_size(scenes[index]), reverse=True)
    return Plan(scenes, todo, skipped, model, precision)


def record_map(out: OutputFolder) -> Callable[[SceneOutcome], None]:
    """Record each finished map in the output folder's manifest (its size and mtime; rank 0)."""

    def record(outcome: SceneOutcome) -> None:
        if outcome.status == "done" and outcome.map is not None:
            for name in scene_files(Path(outcome.map)):
                out.record(name, save=False)
            out.manifest.save(out.folder)

    return record


class SceneMapper:
    """Maps scenes on one rank: the model and engine are built once."""

    def __init__(self, options: PredictSettings, plan: Plan, world: World) -> None:
        """Load the model and prepare the engine on this rank's device."""
        from landcover.infer.engine import Engine

        self.options, self.plan, self.rank = options, plan, world.rank
        model = load_checked_model(options.model_filename, 4)
        self.engine = Engine(model, world.device, exact=options.exact, block=options.block, probabilities=True)

    def __call__(self, index: int) -> SceneOutcome:
        """Map one scene; a scene that fails becomes a ``failed`` outcome with its reason."""
        source = self.plan.scenes[index]
        outcome = SceneOutcome(index, source.name, source.location, "failed", rank=self.rank)
        start = time.perf_counter()
        try:
            path = map_path(self.options.output_dir, source)
            with open_scene(source) as scene:
                tags = map_tags(source, self.plan.model, self.plan.precision)
                outcome.pixels = write_scene_map(self.engine, scene, path, tags)
                whole = scene.width * scene.height
                outcome.km2 = area_km2(scene.crs, scene.transform, scene.width, scene.height) * outcome.pixels / whole
            outcome.status, outcome.map = "done", str(path)
        except Exception as exc:  # one scene's failure must not stop the others
            reason = _one_line(exc)
            outcome.error = reason if reason.startswith(source.location) else f"{source.location}: {reason}"
        outcome.seconds = time.perf_counter() - start
        return outcome


def _finish(options: PredictSettings, plan: Plan, tally: Tally, ranks: int, out: OutputFolder) -> dict[str, Any]:
    """Write the mosaic, overview and summary; return the summary."""
    seconds = time.perf_counter() - tally.start
    outcomes = sorted([*plan.skipped, *tally.outcomes], key=lambda outcome: outcome.index)
    maps = [Path(o.map) for o in outcomes if o.map is not None]
    mosaics = write_mosaics(maps, options.output_dir, claim=out.claim) if maps else []
    if mosaics:
        write_overview(mosaics[0], options.output_dir / OVERVIEW, title=f"{counted(len(maps), 'scene')}")
        out.record(OVERVIEW, save=False)
    for mosaic in mosaics:
        out.record(mosaic.name, save=False)
        out.record(style_path(mosaic).name, save=False)
    failed = [o for o in outcomes if o.status == "failed"]
    summary = {
        "scenes": len(outcomes),
        "done": sum(o.status == "done" for o in outcomes),
        "skipped": len(plan.skipped),
        "failed": len(failed),
        "km2": tally.km2,
        "seconds": seconds,
        "km2_per_s": tally.km2 / seconds if seconds > 0 else 0.0,
        "ranks": ranks,
        "model": str(options.model_filename),
        "mosaics": [p.name for p in mosaics],
        "per_scene": [asdict(o) for o in outcomes],
    }
    write_json(options.output_dir / SUMMARY, summary)
    out.record(SUMMARY)
    return summary


def predict_many(options: PredictSettings) -> dict[str, Any] | None:
    """Run ``landcover predict`` on this rank; rank 0 returns the summary (other ranks None).

    Raises:
        LandcoverError: Bad command input (on rank 0).
        ReportedByAnotherRank: Rank 0 is reporting bad input (on every other rank).

    Scenes that fail do not raise: they are counted in the summary (see :func:`failed_scenes`).
    """
    world = init_world(options.threads)
    comm = None
    if world.size > 1:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    out = OutputFolder(options.output_dir, option="--output-dir", command="predict")
    try:
        return _predict(options, world, comm, out)
    finally:
        out.close()


def _predict(options: PredictSettings, world: World, comm: Any, out: OutputFolder) -> dict[str, Any] | None:
    """:func:`predict_many` with rank 0 holding the output folder ``out``."""
    from landcover.parallel.work_queue import run_queue

    plan: Plan | None = None
    try:
        plan = make_plan(options, out) if world.is_main else None
    finally:
        if comm is not None:
            plan = comm.bcast(plan, root=0)
    if plan is None:  # rank 0 is reporting bad input
        raise ReportedByAnotherRank
    mapper = SceneMapper(options, plan, world)
    tally: Tally | None = None
    with ProgressReporter("mapping scenes", len(plan.todo), "scenes", enabled=world.is_main) as progress:
        if world.is_main:
            console.print(
                f"{counted(len(plan.scenes), 'scene')}: {len(plan.skipped)} already mapped, {len(plan.todo)} to map "
                f"on {world.size} rank{'s' if world.size > 1 else ''} ({world.device})",
                soft_wrap=True,
            )
        tally = Tally(len(plan.todo), progress, record_map(out))
        run_queue(comm, plan.todo, mapper, tally.add)
    if not world.is_main:
        return None
    summary = _finish(options, plan, tally, world.size, out)
    console.print(
        f"mapped {counted(summary['done'], 'scene')} ({summary['km2']:.2f} km² in {summary['seconds']:.1f} s, "
        f"{summary['km2_per_s']:.2f} km²/s on {world.size} rank{'s' if world.size > 1 else ''}), "
        f"{summary['skipped']} already done, {summary['failed']} failed; {options.output_dir / SUMMARY}",
        soft_wrap=True,
    )
    return summary


def failed_scenes(summary: dict[str, Any], output_dir: Path) -> LandcoverError | None:
    """The one-line error for the scenes of a summary that failed; ``None`` when none did."""
    failed = [o for o in summary["per_scene"] if o["status"] == "failed"]
    if not failed:
        return None
    return LandcoverError(
        f"{len(failed)} of {counted(summary['scenes'], 'scene')} failed: {failed[0]['error']}"
        + (f" and {len(failed) - 1} more" if len(failed) > 1 else ""),
        f"see {output_dir / SUMMARY}; rerun to retry them",
    )
