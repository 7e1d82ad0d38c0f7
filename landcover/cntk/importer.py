"""Import the tutorial's pretrained CNTK v2 models into our checkpoint format, without CNTK.

Every tensor is mapped by walking the graph from its output back to its input and matching each op
against the tutorial's architecture (``shared/design/seed-model.md``): classifier, decoder sums, transposed
convolutions, the encoder's basic blocks, the stem and the per-window mean subtraction. Anything that does
not match, or any stored tensor left unmapped, is refused: a partial checkpoint is never written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from landcover.cntk.graph import (
    BATCH_NORM,
    BLOCK,
    CONVOLUTION,
    MINUS,
    PLUS,
    REDUCE,
    RELU,
    RESHAPE,
    SLICE,
    SPLICE,
    CntkGraph,
    Function,
    GraphError,
)
from landcover.constants import MARGIN, WINDOW
from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import make_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet


class _Mapper:
    """Walks a tutorial graph and collects a PyTorch state dict for :class:`TutorialUNet`."""

    def __init__(self, graph: CntkGraph) -> None:
        self.graph = graph
        self.state: dict[str, torch.Tensor] = {}
        self.used: set[str] = set()

    # -- single ops -------------------------------------------------------------------------------

    def function(self, output: str, what: str) -> Function:
        function = self.graph.producer(output)
        if function is None:
            raise GraphError(f"expected {what}, found graph input {output}")
        return function

    def expect(self, output: str, op: int, what: str, block: str = "") -> Function:
        function = self.function(output, what)
        if function.op != op or (block and function.block_name != block):
            raise GraphError(f"expected {what} at {function.uid}")
        return function

    def single_input(self, function: Function) -> str:
        inputs = self.graph.data_inputs(function)
        if len(inputs) != 1:
            raise GraphError(f"{function.uid} has {len(inputs)} data inputs, expected 1")
        return inputs[0]

    def take(self, function: Function, cntk_name: str, torch_name: str, transform: Any = None) -> None:
        uid = function.parameters.get(cntk_name)
        if uid is None:
            raise GraphError(f"{function.uid} has no parameter {cntk_name!r}")
        value = self.graph.value(uid)
        self.state[torch_name] = torch.from_numpy(np.array(transform(value) if transform else value, copy=True))
        self.used.add(uid)

    def conv(self, output: str, prefix: str, *, bias: bool, stride: int = 1, transpose: bool = False) -> str:
        """Map a convolution block; return its data input."""
        name = "ConvolutionTranspose" if transpose else "Convolution"
        function = self.expect(output, BLOCK, f"{name} block for {prefix}", name)
        inner = self.graph.inner(function, CONVOLUTION)
        if inner is None:
            raise GraphError(f"{function.uid} holds no convolution")
        strides = inner.attributes.get("strides", (1,))
        if int(strides[0]) != stride:
            raise GraphError(f"{function.uid} has stride {strides[0]}, expected {stride} for {prefix}")
        self.take(function, "W", f"{prefix}.weight")
        if bias:
            self.take(function, "b", f"{prefix}.bias", lambda b: b.reshape(-1))
        elif "b" in function.parameters:
            raise GraphError(f"{function.uid} has a bias where the tutorial's {prefix} has none")
        return self.single_input(function)

    def batch_norm(self, output: str, prefix: str) -> str:
        function = self.expect(output, BLOCK, f"BatchNormalization for {prefix}", "BatchNormalization")
        inner = self.graph.inner(function, BATCH_NORM)
        if inner is None or not inner.attributes.get("spatial", False):
            raise GraphError(f"{function.uid} is not a spatial BatchNormalization")
        for cntk_name, torch_name in [
            ("scale", "weight"),
            ("bias", "bias"),
            ("aggregate_mean", "running_mean"),
            ("aggregate_variance", "running_var"),
        ]:
            self.take(function, cntk_name, f"{prefix}.{torch_name}")
        self.take(
            function,
            "aggregate_count",
            f"{prefix}.num_batches_tracked",
            lambda c: np.asarray(int(c.reshape(-1)[0]), dtype=np.int64),
        )
        return self.single_input(function)

    def conv_bn(self, output: str, prefix: str, *, relu: bool, stride: int = 1) -> str:
        if relu:
            output = self.single_input(self.expect(output, RELU, f"ReLU after {prefix}"))
        output = self.batch_norm(output, f"{prefix}.bn")
        return self.conv(output, f"{prefix}.conv", bias=False, stride=stride)

    def plus_terms(self, output: str, what: str) -> list[str]:
        """Flatten a tree of Plus ops into its terms."""
        function = self.expect(output, PLUS, what)
        terms: list[str] = []
        for name in self.graph.data_inputs(function):
            producer = self.graph.producer(name)
            if producer is not None and producer.op == PLUS:
                terms += self.plus_terms(name, what)
            else:
                terms.append(name)
        return terms

    # -- architecture -----------------------------------------------------------------------------

    def classify_terms(self, terms: list[str], what: str) -> dict[str, str]:
        """Sort a decoder sum's terms into lateral (from a transposed conv), input (x0) and skip."""
        found: dict[str, str] = {}
        for term in terms:
            function = self.expect(term, BLOCK, f"convolution in {what}", "Convolution")
            source = self.graph.producer(self.single_input(function))
            if source is not None and source.block_name == "ConvolutionTranspose":
                role = "lateral"
            elif source is not None and source.op == SPLICE:
                role = "input"
            else:
                role = "skip"
            if role in found:
                raise GraphError(f"{what} has two {role} terms")
            found[role] = term
        return found

    def decoder_level(self, output: str, level: int, *, with_input: bool) -> tuple[str, str, str | None]:
        """Map ``relu(skip(r) + lateral(up(o)) [+ input(x0)])``; return (r, o, x0)."""
        plus = self.single_input(self.expect(output, RELU, f"ReLU of decoder level {level}"))
        terms = self.classify_terms(self.plus_terms(plus, f"decoder level {level}"), f"decoder level {level}")
        expected = {"skip", "lateral", "input"} if with_input else {"skip", "lateral"}
        if set(terms) != expected:
            raise GraphError(f"decoder level {level} has terms {sorted(terms)}, expected {sorted(expected)}")
        skip_input = self.conv(terms["skip"], f"skip{level}", bias=True)
        upsampled = self.conv(terms["lateral"], f"lateral{level}", bias=True)
        below = self.conv(upsampled, f"up{level + 1}", bias=False, stride=2, transpose=True)
        x0 = self.conv(terms["input"], f"input{level}", bias=True) if with_input else None
        return skip_input, below, x0

    def stage(self, output: str, index: int, blocks: int) -> str:
        for block in reversed(range(blocks)):
            prefix = f"stage{index}.{block}"
            stride = 2 if index > 1 and block == 0 else 1
            output = self.conv_bn(output, f"{prefix}.second", relu=True)
            output = self.conv_bn(output, f"{prefix}.first", relu=True, stride=stride)
        return output

    def window_normalisation(self, output: str) -> str:
        """Check x0 = splice(R - mean(R), G - mean(G), B - mean(B), NIR); return the raw input."""
        leaves: list[str] = []
        pending = [output]
        while pending:
            name = pending.pop(0)
            function = self.graph.producer(name)
            if function is not None and function.op == SPLICE:
                pending = self.graph.data_inputs(function) + pending
            else:
                leaves.append(name)
        if len(leaves) != 4:
            raise GraphError(f"input normalisation joins {len(leaves)} channels, expected 4")
        sources = set()
        for channel, leaf in enumerate(leaves):
            function = self.function(leaf, f"channel {channel} of the input normalisation")
            if channel < 3:
                if function.op != MINUS:
                    raise GraphError(f"channel {channel} has no mean subtraction")
                value, mean = self.graph.data_inputs(function)
                reduce = self.expect(mean, REDUCE, f"mean of channel {channel}")
                if reduce.attributes.get("reductionOpName") != "Mean" or self.single_input(reduce) != value:
                    raise GraphError(f"channel {channel} subtracts something other than its own mean")
                function = self.expect(value, SLICE, f"slice of channel {channel}")
            elif function.op != SLICE:
                raise GraphError("channel 3 (NIR) is not passed through unchanged")
            if function.attributes.get("beginIndex") != channel:
                raise GraphError(f"channel {channel} of the normalisation reads another band")
            sources.add(self.single_input(function))
        if len(sources) != 1:
            raise GraphError("the input normalisation reads more than one input")
        return sources.pop()

    def map(self, config: ModelConfig) -> dict[str, torch.Tensor]:
        """Walk the whole graph from its output to its input; return the state dict."""
        output = self.graph.root + "_Output_0"
        while (function := self.graph.producer(output)) is not None and function.op in (SLICE, RESHAPE):
            output = self.single_input(function)
        classifier = self.expect(output, BLOCK, "the classifier convolution", "Convolution")
        root = self.graph.functions.get(classifier.block_root)
        if root is None or root.op != RELU:
            raise GraphError("the classifier has no ReLU on its scores")
        o1 = self.conv(output, "classifier", bias=True)
        r1, o2, x0 = self.decoder_level(o1, 1, with_input=True)
        r2, o3, _ = self.decoder_level(o2, 2, with_input=False)
        r3, r4, _ = self.decoder_level(o3, 3, with_input=False)
        blocks = config.blocks_per_stage
        for index, expected in [(4, r3), (3, r2), (2, r1)]:
            found = self.stage({4: r4, 3: r3, 2: r2}[index], index, blocks)
            if found != expected:
                raise GraphError(f"stage {index} does not start from stage {index - 1}'s output")
        stem_output = self.stage(r1, 1, blocks)
        stem_input = self.conv_bn(stem_output, "stem", relu=False)
        if x0 is None or stem_input != x0:
            raise GraphError("the stem and the decoder's input convolution read different inputs")
        self.window_normalisation(x0)
        left = self.graph.parameter_uids() - self.used
        if left:
            raise GraphError(f"{len(left)} stored tensors do not belong to the tutorial's architecture")
        return self.state


def import_cntk_model(source: str | os.PathLike[str]) -> TutorialUNet:
    """Read a tutorial CNTK v2 ``.model`` file into a :class:`TutorialUNet` (``window`` normalisation).

    Args:
        source: The CNTK model file.

    Returns:
        The model with every weight and BatchNorm statistic from the file.

    Raises:
        LandcoverError: The file is missing, not a CNTK model, truncated, or another architecture.
    """
    source = Path(source)
    if not source.is_file():
        raise LandcoverError(f"{source}: no such file", "give the path of a CNTK .model file")
    config = ModelConfig(normalisation="window")
    model = TutorialUNet(config)
    try:
        state = _Mapper(CntkGraph(source.read_bytes())).map(config)
        expected = model.state_dict()
        if set(state) != set(expected):
            missing = sorted(set(expected) - set(state))
            raise GraphError(f"no weights for {', '.join(missing[:3])}")
        for name, tensor in state.items():
            if tuple(tensor.shape) != tuple(expected[name].shape):
                raise GraphError(f"{name} has shape {tuple(tensor.shape)}, expected {tuple(expected[name].shape)}")
        model.load_state_dict(state)
    except GraphError as exc:
        raise LandcoverError(
            f"{source}: cannot import ({exc})",
            "only the 2018 tutorial's CNTK U-Net (model_mini_pub) can be imported",
        ) from exc
    return model.eval()


def import_cntk(source: str | os.PathLike[str], destination: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Import a tutorial CNTK model and write it as our checkpoint (atomically).

    Args:
        source: The CNTK ``.model`` file.
        destination: The ``.pt`` checkpoint to write.
        force: Overwrite an existing destination.

    Returns:
        The destination path.

    Raises:
        LandcoverError: Bad input (see :func:`import_cntk_model`) or an existing destination without force.
    """
    destination = Path(destination)
    if destination.exists() and not force:
        raise LandcoverError(f"{destination}: already exists", "pass --force to overwrite it")
    model = import_cntk_model(source)
    checkpoint = make_checkpoint(
        model,
        provenance={"source": str(source), "kind": "cntk-import", "crop_margin": MARGIN, "window": WINDOW},
    )
    return save_checkpoint(checkpoint, destination)
