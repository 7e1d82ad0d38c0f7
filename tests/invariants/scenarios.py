"""Every ``landcover`` command as a generated scenario: inputs written from drawn specs, outputs placed, options.

A :class:`Plan` is pure data that Hypothesis draws; :func:`build` writes it into a fresh tree and returns the
:class:`~tests.invariants.harness.Scenario` to run. Inputs live under ``data/`` (images, pairs, scenes) and
``models/`` (checkpoints); outputs go where the plan's placement says. :data:`COMMANDS` says, per command, its
settings model, which fields the scenario gives itself, and which fields' huge values mean long work.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from landcover.cli import app
from landcover.io.lock import LOCK_NAME
from landcover.io.outputs import MANIFEST_NAME
from landcover.settings import Settings
from tests.data.generated import (
    Corruption,
    Mutation,
    PatchSpec,
    RasterSpec,
    corrupt,
    mutate_checkpoint,
    pixels,
    representable,
    write_patch,
    write_raster,
)
from tests.invariants.harness import Run, Scenario, check_run
from tests.invariants.strategies import FRESH

MODELS: dict[str, type[Settings]] = {
    str(info.name): info.callback.settings_model  # type: ignore[union-attr]
    for info in app.registered_commands
    if hasattr(info.callback, "settings_model")
}
"""Each command's settings model, as the ``landcover`` app declares it (``settings_command``)."""

Pair = tuple[RasterSpec, Corruption | None, RasterSpec, Corruption | None]
"""An image and its labels, each with its damage (``None``: intact)."""

PLAIN_PAIR: Pair = (RasterSpec(), None, RasterSpec().labels(), None)


@dataclass(frozen=True)
class Plan:
    """What one generated run of a command is given.

    Attributes:
        command: The ``landcover`` command.
        pairs: Image / label pairs (the scene of ``evaluate``, the scenes of ``predict``, the pairs of the rest).
        mutation: What is wrong with the checkpoint (``none``: a fresh, valid one).
        placement: Where the output goes (:data:`~tests.invariants.strategies.PLACEMENTS`).
        force: Add ``--force`` where the command has it.
        options: Further generated options.
        patches: ``convert-patches``' ``.npz`` files.
        blob: ``import-cntk``'s model file.
        explicit_labels: ``evaluate`` is given ``--labels`` (else it finds them by name).
    """

    command: str
    pairs: tuple[Pair, ...] = (PLAIN_PAIR,)
    mutation: Mutation = "none"
    placement: str = "new"
    force: bool = False
    options: tuple[str, ...] = ()
    patches: tuple[PatchSpec, ...] = ()
    blob: bytes = b""
    explicit_labels: bool = False


@cache
def _fresh_checkpoint() -> bytes:
    from tests.data.models import fresh_checkpoint

    with tempfile.TemporaryDirectory() as folder:
        return fresh_checkpoint(Path(folder) / "m.pt").read_bytes()


def _labels_problem(spec: RasterSpec, image: RasterSpec, *, warps: bool) -> str | None:
    """Why computing on these labels is wrong (``warps``: the command reprojects labels onto the image)."""
    if spec.bands != 1:
        return f"labels of {spec.bands} bands"
    if warps and "far" in (spec.origin, image.origin) and spec.origin != image.origin:
        return "labels that do not cover the image"
    if not warps and (spec.height, spec.width) != (image.height, image.width):
        return "labels of another size than the image"
    if not warps and (spec.crs, spec.origin, spec.pixel) != (image.crs, image.origin, image.pixel):
        return "labels on another grid than the image"
    data = pixels(spec)
    if np.issubdtype(data.dtype, np.floating) and np.isnan(data).any():
        return "labels with NaN"
    known = (data >= 1) & (data <= 6)
    codes = (data >= 0) & (data <= 6)
    nodata = representable(spec.nodata, data.dtype)
    if nodata is not None:
        codes |= data == nodata
        known &= data != nodata
    if not codes.all():
        return "labels with codes that are no class"
    if not known.any():
        return "labels with no known class"
    return None


def _image_problem(spec: RasterSpec) -> str | None:
    if spec.bands != 4:
        return f"an image of {spec.bands} bands"
    data = pixels(spec)
    if np.issubdtype(data.dtype, np.floating) and np.isnan(data).any():
        return "an image with NaN pixels"
    nodata = representable(spec.nodata, data.dtype)
    if nodata is not None and (data == nodata).all():
        return "an image that is all nodata"
    return None


def _damage_problem(damage: Corruption | None, what: str) -> str | None:
    if damage is not None and damage.how in ("truncate", "empty"):
        return f"a {'truncated' if damage.how == 'truncate' else 'empty'} {what}"
    return None


@dataclass
class Tree:
    """A scenario's tree being written: the inputs made so far and why computing on them would be wrong."""

    ws: Path
    inputs: set[str] = field(default_factory=set)
    garbage: list[str] = field(default_factory=list)
    bookkeeping: set[str] = field(default_factory=set)

    def raster(self, rel: str, spec: RasterSpec, damage: Corruption | None) -> str:
        """Write a raster (then damage it) at ``rel``."""
        write_raster(self.ws / rel, spec)
        if damage is not None:
            corrupt(self.ws / rel, damage)
        self.inputs.add(rel)
        return rel

    def pair(self, folder: str, name: str, pair: Pair, *, labels: bool = True, warps: bool = False) -> str:
        """Write an image (``<name>_NAIP.tif``) and, when ``labels``, its ``_LandCover.tif``; note garbage.

        ``warps``: the command reprojects the labels onto the image's grid (``pairs``), so another grid is fine.
        """
        image, image_damage, label, label_damage = pair
        problems = [_image_problem(image), _damage_problem(image_damage, "image")]
        path = self.raster(f"{folder}/{name}_NAIP.tif", image, image_damage)
        if labels:
            self.raster(f"{folder}/{name}_LandCover.tif", label, label_damage)
            problems += [_labels_problem(label, image, warps=warps), _damage_problem(label_damage, "label file")]
        self.garbage += [problem for problem in problems if problem]
        return path

    def checkpoint(self, mutation: Mutation, rel: str = "models/m.pt") -> str:
        """Write the seeded fresh checkpoint at ``rel``, changed as ``mutation`` says."""
        target = self.ws / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_fresh_checkpoint())
        if mutation != "none":
            mutate_checkpoint(target, target, mutation)
            if mutation != "format-string":
                self.garbage.append(f"a checkpoint with {mutation}")
        self.inputs.add(rel)
        return rel

    def user_file(self, rel: str, text: str = "a user's file\n") -> None:
        """A file the user has, which no run may change or remove."""
        (self.ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.ws / rel).write_text(text)

    def place(self, plan: Plan, *, default: str, folder: bool, same_name: str, near: str) -> tuple[str, str | None]:
        """Where the output goes for ``plan.placement``; returns it and why an exit 0 would be wrong (an overlap).

        Args:
            plan: The run's plan.
            default: The output's plain place.
            folder: Whether the output is a folder (else a file).
            same_name: A name the command writes (in the output folder; the file itself for a file output).
            near: An input file or folder (relative) the overlapping placements aim at: the output is it, lies
                under it, holds it (the folder above the input's folder, for a folder output), or links to it.
        """
        kind, ws = plan.placement, self.ws
        holder = near if (ws / near).is_dir() else str(Path(near).parent)
        target = {
            "equal-input": near if (ws / near).is_dir() or not folder else holder,
            "inside-input": f"{near}/out",
            "contains-input": str(Path(holder).parent) if folder and Path(holder).parent != Path(".") else holder,
            "symlink-to-input": "linked",
            "dangling-symlink": "dangling",
        }.get(kind, default)
        if kind == "empty-folder" and folder:
            (ws / target).mkdir(parents=True)
        elif kind == "bystander":
            self.user_file(f"{target}/notes.txt" if folder else target)
        elif kind == "same-name":
            self.user_file(f"{target}/{same_name}" if folder else target)
        elif kind == "symlink-to-input":
            os.symlink(ws / (holder if folder else near), ws / target)
        elif kind == "dangling-symlink":
            os.symlink(ws / "nowhere" / ("out" if folder else "out.file"), ws / target)
        if not folder:  # the tool's records beside a file output: its manifest and its folder's lock
            self.new_path(target)
        return target, self.overlap(target, kind)

    def new_path(self, target: str) -> None:
        """Declare ``target`` (and the tool's records beside it) an output the run may create."""
        parent = Path(target).parent
        self.bookkeeping |= {target, (parent / MANIFEST_NAME).as_posix(), (parent / LOCK_NAME).as_posix()}

    def overlap(self, target: str, kind: str) -> str | None:
        """Why writing to ``target`` is wrong: it is, lies inside or holds an input (links resolved)."""
        where = Path(os.path.realpath(self.ws / target))
        for rel in sorted(self.inputs):
            path = Path(os.path.realpath(self.ws / rel))
            if where == path or path in where.parents or where in path.parents:
                return f"the output {target} ({kind}) overlapping input {rel}"
        return None

    def scenario(self, argv: list[str], outputs: list[str], overlap: str | None, plan: Plan) -> Scenario:
        """The scenario of this tree: ``argv`` plus the plan's options and ``--force``."""
        extra = list(plan.options)
        if plan.force and "force" in MODELS[plan.command].model_fields:
            extra.append("--force")
        for option in extra:  # a generated path option naming a new path may make it (an output option)
            value = option.split("=", 1)[-1]
            if value.startswith("{ws}/") and not os.path.lexists(self.ws / value[5:]):
                self.new_path(value[5:])
        return Scenario(
            argv=(*argv, *extra),
            inputs=frozenset(self.inputs),
            outputs=frozenset([*outputs, *self.bookkeeping, FRESH]),
            garbage="; ".join(dict.fromkeys(self.garbage)) or None,
            overlap=overlap,
        )


def _evaluate(plan: Plan, tree: Tree) -> Scenario:
    scene = tree.pair("data/scene", "scene", plan.pairs[0])
    model = tree.checkpoint(plan.mutation)
    out, overlap = tree.place(plan, default="out", folder=True, same_name="metrics.json", near=scene)
    argv = ["evaluate", "--input-filename", f"{{ws}}/{scene}", "--model-filename", f"{{ws}}/{model}"]
    if plan.explicit_labels:  # else found by the _NAIP -> _LandCover naming
        argv += ["--labels", f"{{ws}}/{scene.replace('_NAIP', '_LandCover')}"]
    return tree.scenario([*argv, "--output-dir", f"{{ws}}/{out}"], [out], overlap, plan)


def _predict(plan: Plan, tree: Tree) -> Scenario:
    for index, pair in enumerate(plan.pairs):
        tree.pair("data/scenes", f"s{index}", pair, labels=False)
    tree.inputs.add("data/scenes")
    model = tree.checkpoint(plan.mutation)
    out, overlap = tree.place(plan, default="maps", folder=True, same_name="summary.json", near="data/scenes")
    argv = ["predict", "--scenes", "{ws}/data/scenes", "--model-filename", f"{{ws}}/{model}"]
    return tree.scenario([*argv, "--output-dir", f"{{ws}}/{out}"], [out], overlap, plan)


def _score(plan: Plan, tree: Tree) -> Scenario:
    for index, pair in enumerate(plan.pairs):
        tree.pair("data/pairs", f"p{index}", pair)
    tree.inputs.add("data/pairs")
    model = tree.checkpoint(plan.mutation)
    argv = ["score", f"{{ws}}/{model}", "{ws}/data/pairs"]
    if plan.placement == "new":
        return tree.scenario(argv, [], None, plan)
    out, overlap = tree.place(plan, default="preview.png", folder=False, same_name="preview.png", near=model)
    return tree.scenario([*argv, "--preview", f"{{ws}}/{out}"], [out], overlap, plan)


def _train(plan: Plan, tree: Tree) -> Scenario:
    for index, pair in enumerate(plan.pairs):
        tree.pair("data/pairs", f"p{index}", pair)
    tree.inputs.add("data/pairs")
    out, overlap = tree.place(plan, default="run", folder=True, same_name="trained.pt", near="data/pairs")
    argv = ["train", "--input-dir", "{ws}/data/pairs", "--model-dir", f"{{ws}}/{out}"]
    given = {option.split("=")[0] for option in plan.options}
    for name, value in (("--epochs", "1"), ("--epoch-size", "2"), ("--batch-size", "2"), ("--threads", "1")):
        if name not in given:
            argv += [name, value]
    return tree.scenario(argv, [out], overlap, plan)


def _export(plan: Plan, tree: Tree) -> Scenario:
    model = tree.checkpoint(plan.mutation)
    out, overlap = tree.place(plan, default="m.onnx", folder=False, same_name="m.onnx", near=model)
    argv = ["export", f"{{ws}}/{model}", f"{{ws}}/{out}", "--check-size", "64"]
    if plan.pairs != (PLAIN_PAIR,):
        argv += ["--check-image", f"{{ws}}/{tree.pair('data/check', 'c', plan.pairs[0], labels=False)}"]
    return tree.scenario(argv, [out], overlap, plan)


def _pairs(plan: Plan, tree: Tree) -> Scenario:
    argv = ["pairs"]
    for index, pair in enumerate(plan.pairs):
        image = tree.pair("data/rasters", f"r{index}", pair, warps=True)
        argv += ["--images", f"{{ws}}/{image}", "--labels", f"{{ws}}/{image.replace('_NAIP', '_LandCover')}"]
        if pair[0].crs == "none":
            tree.garbage.append("a pair with no CRS")
    out, overlap = tree.place(plan, default="pairs", folder=True, same_name="summary.json", near="data/rasters")
    return tree.scenario([*argv, "--output-dir", f"{{ws}}/{out}"], [out], overlap, plan)


def _convert_patches(plan: Plan, tree: Tree) -> Scenario:
    for index, patch in enumerate(plan.patches or (PatchSpec(),)):
        write_patch(tree.ws / f"data/npz/n{index}.npz", patch)
        tree.inputs |= {f"data/npz/n{index}.npz", "data/npz"}
        classes = all(0 <= value <= 6 for value in patch.label_values)  # False for NaN too
        if patch.channels <= 8 or patch.ndim != 4 or patch.key != "arr_0" or not classes:
            tree.garbage.append(f"a patch {patch}")
    out, overlap = tree.place(plan, default="pairs", folder=True, same_name="n0_NAIP.tif", near="data/npz")
    argv = ["convert-patches", "{ws}/data/npz", f"{{ws}}/{out}"]
    return tree.scenario(argv, [out], overlap, plan)


def _import_cntk(plan: Plan, tree: Tree) -> Scenario:
    source = tree.ws / "models/tutorial.model"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(plan.blob)
    tree.inputs.add("models/tutorial.model")
    tree.garbage.append("a model file that is no CNTK U-Net")
    out, overlap = tree.place(plan, default="t.pt", folder=False, same_name="t.pt", near="models/tutorial.model")
    argv = ["import-cntk", "{ws}/models/tutorial.model", f"{{ws}}/{out}"]
    return tree.scenario(argv, [out], overlap, plan)


def _sample_data(plan: Plan, tree: Tree) -> Scenario:
    same = "training_data/C00_NAIP.tif"
    out, overlap = tree.place(plan, default="sample", folder=True, same_name=same, near="data/keep/notes.txt")
    return tree.scenario(["sample-data", f"{{ws}}/{out}"], [out], overlap, plan)


def _models(plan: Plan, tree: Tree) -> Scenario:
    return tree.scenario(["models"], [], None, plan)


@dataclass(frozen=True)
class Command:
    """A command under test: how to build its scenario and which fields of its settings model to draw.

    Attributes:
        name: The ``landcover`` command.
        build: Writes a plan's inputs and returns the scenario.
        given: Fields the scenario gives itself (inputs, outputs), or leaves out on purpose (``--compile``).
        long: Fields whose huge values ask for long work (or that take long at any value, e.g. ``--compile``).
    """

    name: str
    build: Callable[[Plan, Tree], Scenario]
    given: frozenset[str] = frozenset()
    long: frozenset[str] = frozenset()

    @property
    def model(self) -> type[Settings]:
        """The settings model the options are derived from: the one the command takes."""
        return MODELS[self.name]


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command("evaluate", _evaluate, frozenset({"input_filename", "model_filename", "output_dir"})),
        Command("predict", _predict, frozenset({"scenes", "model_filename", "output_dir"})),
        Command("score", _score, frozenset({"model_path", "data_dir"})),
        Command("export", _export, frozenset({"model_path", "out_path"})),
        Command(
            "train",
            _train,
            frozenset({"input_dir", "model_dir", "compile"}),
            long=frozenset({"epochs", "epoch_size", "batch_size", "threads", "memory_budget_gb"}),
        ),
        Command("pairs", _pairs, frozenset({"images", "labels", "output_dir", "stac_api"})),
        Command("convert-patches", _convert_patches, frozenset({"npz_dir", "out_dir"})),
        Command("import-cntk", _import_cntk, frozenset({"source", "destination"})),
        Command("sample-data", _sample_data, frozenset({"out_dir"})),
        # --measure times every model for --seconds each: left out, as train's --compile is
        Command("models", _models, frozenset({"measure"})),
    )
}


def build(plan: Plan, ws: Path) -> Scenario:
    """Write ``plan``'s inputs into the empty tree ``ws`` and return its scenario."""
    tree = Tree(ws)
    tree.user_file("data/keep/notes.txt")  # a user's file beside the inputs: no run may touch it
    os.symlink("loop", ws / "loop")  # a symbolic-link loop for path options
    return dataclasses.replace(COMMANDS[plan.command].build(plan, tree), about=repr(plan))


def fresh_tree() -> tempfile.TemporaryDirectory[str]:
    """A new, empty temporary tree for one generated run (removed afterwards, even if a run locked files)."""
    return tempfile.TemporaryDirectory(prefix="invariant-", ignore_cleanup_errors=True)


def check_plan(plan: Plan) -> Run:
    """Build ``plan`` in a fresh tree, run it and check every invariant (:func:`check_run`)."""
    with fresh_tree() as folder:
        return check_run(build(plan, Path(folder)), Path(folder))


def remove_tree(path: Path) -> None:
    """Remove a tree whose modes a run may have changed."""
    shutil.rmtree(path, ignore_errors=True)
