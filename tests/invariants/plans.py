"""Strategies of whole :class:`~tests.invariants.scenarios.Plan` objects, one per property of the harness."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.data.generated import Mutation
from tests.invariants.scenarios import COMMANDS, PLAIN_PAIR, Pair, Plan
from tests.invariants.strategies import (
    corruptions,
    label_specs,
    option_arguments,
    patch_specs,
    placements,
    raster_specs,
)

MUTATIONS: list[Mutation] = [
    "none",
    "nan-std",
    "zero-std",
    "negative-variance",
    "nan-weights",
    "bands-3",
    "format-string",
]
USES_MODEL = frozenset({"evaluate", "predict", "score", "export"})


@st.composite
def pairs(draw: st.DrawFn) -> Pair:
    """An image with its damage and a label raster with its damage."""
    image = draw(raster_specs())
    labels = draw(label_specs(image))
    damaged = draw(st.sampled_from(["none", "none", "image", "labels"]), label="damaged")
    image_damage = draw(corruptions()) if damaged == "image" else None
    return image, image_damage, labels, draw(corruptions()) if damaged == "labels" else None


@st.composite
def cntk_blobs(draw: st.DrawFn) -> bytes:
    """Bytes given as a CNTK model: garbage, nothing, or a valid CNTK graph of another network, damaged."""
    from tests.data.cntk_fixtures import single_relu_model

    valid = single_relu_model()
    return draw(
        st.one_of(
            st.binary(max_size=64),
            st.just(b""),
            st.just(valid),
            st.integers(0, len(valid) - 1).map(lambda cut: valid[:cut]),
            st.just(b"PK\x03\x04" + bytes(60)),
        )
    )


@st.composite
def input_plans(draw: st.DrawFn, command: str) -> Plan:
    """Generated inputs for ``command`` (rasters, checkpoints, patches, model files); plain output and options."""
    count = 2 if command in ("predict", "score", "train") and draw(st.booleans()) else 1
    generated = tuple(draw(pairs()) for _ in range(count))
    if command == "train":  # at least one plain pair beside the generated ones, so training can start
        generated = (PLAIN_PAIR, *generated)
    return Plan(
        command=command,
        pairs=generated,
        mutation=draw(st.sampled_from(["none", "none", *MUTATIONS])) if command in USES_MODEL else "none",
        patches=tuple(draw(st.lists(patch_specs(), min_size=1, max_size=2))) if command == "convert-patches" else (),
        blob=draw(cntk_blobs()) if command == "import-cntk" else b"",
        explicit_labels=command == "evaluate" and draw(st.booleans()),
    )


@st.composite
def option_plans(draw: st.DrawFn, command: str) -> Plan:
    """Plain inputs for ``command``, one to three options at or past their bounds."""
    spec = COMMANDS[command]
    options = draw(option_arguments(spec.model, skip=spec.given, no_huge=spec.long))
    return Plan(command=command, options=tuple(options), blob=draw(cntk_blobs()) if command == "import-cntk" else b"")


@st.composite
def placement_plans(draw: st.DrawFn, command: str) -> Plan:
    """Plain inputs for ``command``, its output placed relative to inputs and user files, with or without --force."""
    return Plan(
        command=command,
        placement=draw(placements()),
        force=draw(st.booleans()),
        blob=draw(cntk_blobs()) if command == "import-cntk" else b"",
    )
