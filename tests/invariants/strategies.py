"""Hypothesis strategies: rasters, damage, option values derived from the settings models, output placements.

Option values come from the pydantic fields themselves (:func:`option_arguments`): a field's type and its
``ge`` / ``le`` / ``gt`` / ``lt`` bounds give the values at and past each bound, its choices give their values
and near-misses, so an option added to a settings model is generated without touching this module.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import annotated_types
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from landcover.settings import CliMeta, Settings, flag_of
from tests.data.generated import CRSS, Corruption, PatchSpec, RasterSpec

# ---------------------------------------------------------------------------------------------- rasters


IMAGE_CHANGES: dict[str, list[Any]] = {
    "bands": [3, 1, 5, 2],
    "dtype": ["uint16", "int16", "float32", "float64", "int8", "int32"],
    "height": [1, 7, 33, 130, 257],
    "width": [1, 7, 33, 130, 257],
    "crs": [name for name in CRSS if name != "utm"],
    "origin": ["zero", "far"],
    "pixel": [0.6, 2.0, 1e-3, 1e3, -1.0],
    "shear": [0.2],
    "nodata": [0.0, 255.0],
    "fill": ["zeros", "constant", "extreme", "nan"],
}
"""What a generated image may have other than a plain NAIP tile's (:class:`RasterSpec` defaults)."""


T = TypeVar("T", RasterSpec, PatchSpec)


@st.composite
def changed(draw: st.DrawFn, plain: T, changes: dict[str, list[Any]], most: int = 3) -> T:
    """``plain`` with up to ``most`` of its attributes changed to values from ``changes`` (often none).

    Few changes at a time keep most runs near a valid input, where the interesting paths are, and make a
    failure shrink towards the one change that causes it.
    """
    names = draw(st.lists(st.sampled_from(sorted(changes)), max_size=most, unique=True), label="changed")
    values = {name: draw(st.sampled_from(changes[name]), label=name) for name in names}
    return replace(plain, seed=draw(st.integers(0, 2**16), label="seed"), **values)


def raster_specs() -> st.SearchStrategy[RasterSpec]:
    """GeoTIFF specs: a plain NAIP tile, or one with a few of its band count, dtype, size, CRS, grid, values changed."""
    return changed(RasterSpec(), IMAGE_CHANGES)


def label_specs(image: RasterSpec) -> st.SearchStrategy[RasterSpec]:
    """Label rasters for ``image``: one band of classes on its grid, or with a few things changed."""
    changes: dict[str, list[Any]] = {
        "bands": [4, 3],
        "dtype": ["uint16", "int16", "float32"],
        "height": [image.height + 16, 1],
        "width": [image.width + 1, max(1, image.width - 1)],
        "crs": [name for name in CRSS if name != image.crs],
        "origin": [name for name in ("near", "far") if name != image.origin],
        "pixel": [image.pixel * 2],
        "nodata": [0.0, 255.0],
        "fill": ["zeros", "constant", "extreme", "scene", "nan"],
    }
    return changed(image.labels(), changes, most=2)


def corruptions() -> st.SearchStrategy[Corruption]:
    """A file cut, overwritten or zeroed at a random offset, or emptied."""
    return st.builds(
        Corruption,
        how=st.sampled_from(["truncate", "overwrite", "zero", "empty"]),
        offset=st.floats(0.0, 0.95),
        length=st.sampled_from([1, 16, 512, 4096]),
        seed=st.integers(0, 2**16),
    )


def patch_specs() -> st.SearchStrategy[PatchSpec]:
    """Chesapeake ``.npz`` patches: right, or with a few of channels, shape, dtype, key, label values changed."""
    changes: dict[str, list[Any]] = {
        "channels": [9, 8, 4, 1],
        "size": [1, 7, 130],
        "dtype": ["float64", "uint8", "int16", "float16"],
        "label_values": [(0,), (300.0, -1.0), (7, 15, 255), (math.nan, 1.0)],
        "key": ["image"],
        "ndim": [3, 5],
    }
    return changed(PatchSpec(), changes, most=2)


# ---------------------------------------------------------------------------------------------- options

FRESH = "fresh"
"""The folder under a run's tree where a generated path option may point a new output."""

TEXT_PROBES = (
    "",
    " ",
    "0",
    "-1",
    "nan",
    "inf",
    "1e999",
    "1024",
    "1024px",
    "1000m",
    "0px",
    "-5m",
    "1e12",
    "x" * 300,
    "..",
    "/",
    "-78.65,37.05,-78.63,37.06",
    "-180,-90,180,90",
    "0,0,0,0",
    "1,2,3",
    "a,b,c,d",
    "nan,nan,nan,nan",
)
"""Text values that sit at the edges of what text options parse (sizes, boxes, numbers, names)."""

PATH_PROBES = (
    "{ws}/" + FRESH + "/new",
    "{ws}/missing.tif",
    "",
    "{ws}/data/keep",
    "{ws}/data/keep/notes.txt",
    "{ws}/data/pairs",
    "{ws}/data/scene/scene_NAIP.tif",
    "{ws}/models/m.pt",
    "{ws}/loop",
    "/dev/null",
    "{ws}/" + "n" * 300,
)
"""Values of a path option: new, missing, a folder, a user's file, an input (the scenarios write ``data/pairs``,
``data/scene``, ``models/m.pt``), a symbolic-link loop, a device, a name too long. A run may write under
``FRESH`` (a scenario declares it an output), nowhere else."""

_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


def _bounds(field: FieldInfo) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for item in field.metadata:
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(item, name, None)
            if isinstance(item, getattr(annotated_types, name.capitalize())) and value is not None:
                bounds[name] = float(value)
    return bounds


def _base_type(annotation: Any) -> Any:
    """The field's type without ``| None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _ints(bounds: dict[str, float], huge: bool) -> list[int]:
    values = [0, -1, 1]
    for name, shift in (("ge", 0), ("gt", 1), ("le", 0), ("lt", -1)):
        if name in bounds:
            edge = int(bounds[name]) + shift
            values += [edge, edge - 1, edge + 1]
    if huge:
        values += [2**31, 2**63, -(2**63) - 1, 10**30]
    return sorted(set(values), key=lambda v: (abs(v) > 2**20, abs(v), v))


def _floats(bounds: dict[str, float], huge: bool) -> list[str]:
    values = ["0", "-0.0", "-1", "1e-320", "nan", "inf", "-inf"]
    for name in ("ge", "gt", "le", "lt"):
        if name in bounds:
            edge = bounds[name]
            values += [repr(edge), repr(math.nextafter(edge, -math.inf)), repr(math.nextafter(edge, math.inf))]
    if huge:
        values += ["1e308", "1e309", "-1e308"]
    return list(dict.fromkeys(values))


def _choices(kind: Any) -> list[str]:
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        names = [str(member.value) for member in kind]
        aliases = list(getattr(kind, "aliases", dict)())
    else:  # typing.Literal
        names, aliases = [str(arg) for arg in typing.get_args(kind)], []
    return [*names, *aliases, "", names[0].upper(), names[0] + " ", "nope"]


def value_texts(field: FieldInfo, *, huge: bool = True) -> st.SearchStrategy[str] | None:
    """Command-line texts for a field's value: at and past its bounds, its choices and near-misses.

    Returns ``None`` for a flag (a boolean: present or not).

    Raises:
        TypeError: A field type this derivation does not know yet (add it here, so that it is generated).
    """
    kind = _base_type(field.annotation)
    bounds = _bounds(field)
    if typing.get_origin(kind) is list and typing.get_args(kind) == (str,):
        kind = str  # a repeatable option: one generated occurrence
    if kind is Path:
        return st.sampled_from(PATH_PROBES)
    if kind is bool or typing.get_origin(kind) is list:
        return None
    if kind is int:
        return st.sampled_from([str(v) for v in _ints(bounds, huge)])
    if kind is float:
        return st.sampled_from(_floats(bounds, huge))
    if kind is str:
        return st.one_of(st.sampled_from(TEXT_PROBES), _SAFE_TEXT)
    if (isinstance(kind, type) and issubclass(kind, enum.Enum)) or typing.get_origin(kind) is typing.Literal:
        return st.sampled_from(_choices(kind))
    if typing.get_origin(kind) is tuple:
        return st.sampled_from([probe for probe in TEXT_PROBES if "," in probe])
    raise TypeError(f"no generated values for a field of type {field.annotation}")


def option_fields(model: type[Settings], skip: frozenset[str]) -> list[str]:
    """The option fields of ``model`` that a property draws values for (not arguments, not ``skip``)."""
    names = []
    for name, field in model.model_fields.items():
        meta = CliMeta.of(field)
        on_cli = meta is not None and not meta.argument
        if on_cli and name not in skip and (value_texts(field) is not None or _base_type(field.annotation) is bool):
            names.append(name)
    return names


@st.composite
def option_arguments(
    draw: st.DrawFn, model: type[Settings], *, skip: frozenset[str] = frozenset(), no_huge: frozenset[str] = frozenset()
) -> list[str]:
    """One to three of ``model``'s options with generated values, as command-line arguments.

    Args:
        model: The command's settings model.
        skip: Fields the scenario gives itself (its inputs and outputs) or that cannot run briefly.
        no_huge: Fields whose huge values ask for long work rather than being wrong (``--epochs``).
    """
    names = draw(st.lists(st.sampled_from(option_fields(model, skip)), min_size=1, max_size=3, unique=True))
    arguments: list[str] = []
    for name in names:
        field = model.model_fields[name]
        texts = value_texts(field, huge=name not in no_huge)
        if texts is None:
            arguments.append(flag_of(model, name))
        else:
            arguments.append(f"{flag_of(model, name)}={draw(texts)}")
    return arguments


# ---------------------------------------------------------------------------------------------- placements

PLACEMENTS = (
    "new",
    "empty-folder",
    "bystander",
    "same-name",
    "equal-input",
    "inside-input",
    "contains-input",
    "symlink-to-input",
    "dangling-symlink",
)
"""Where an output goes relative to the inputs and to files the user has (see :mod:`tests.invariants.scenarios`)."""


def placements() -> st.SearchStrategy[str]:
    """An output placement (the plain new folder first, so failures shrink towards it)."""
    return st.sampled_from(PLACEMENTS)
