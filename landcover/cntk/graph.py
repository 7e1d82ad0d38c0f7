"""A read-only view of a CNTK v2 model graph: variables, functions, and who produces what.

CNTK saves a ``CompositeFunction`` whose ``primitive_functions`` list holds every op (including the
inner ops of block functions such as ``Convolution``) and whose ``inputs`` list holds every variable
(parameters and constants with their values). An op's output is named ``<uid>_Output_<k>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from landcover.cntk.proto import Dictionary


class GraphError(ValueError):
    """The file is not a CNTK v2 model, or its graph is not what the importer expects."""


# CNTK PrimitiveOpType codes used by the tutorial's graph.
RELU = 3
SLICE = 14
RESHAPE = 16
PLUS = 19
MINUS = 20
CONVOLUTION = 33
REDUCE = 39
BATCH_NORM = 40
SPLICE = 43
BLOCK = 57

_PARAMETER_KINDS = {2, 3}  # Parameter, Constant


@dataclass
class Variable:
    """A graph input: a parameter, constant, placeholder or input."""

    uid: str
    kind: int
    name: str
    value: np.ndarray | None


@dataclass
class Function:
    """One primitive function (op) of the graph."""

    uid: str
    op: int
    inputs: list[str]
    attributes: dict[str, Any]
    block_name: str = ""
    block_root: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


def _array(view: Any) -> np.ndarray:
    kind = view.WhichOneof("values")
    if kind not in ("float_values", "double_values"):
        raise GraphError(f"unsupported tensor storage {kind!r}")
    dims = [int(d) for d in view.shape.shape_dim]
    values = np.asarray(getattr(view, kind).value, dtype=np.float32)
    if values.size != int(np.prod(dims)):
        raise GraphError("a tensor holds fewer values than its shape says (truncated file?)")
    return values.reshape(dims[::-1])


def _plain(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    item = getattr(value, kind)
    if kind == "dictionary_value":
        return {k: _plain(v) for k, v in item.data.items()}
    if kind == "vector_value":
        return [_plain(v) for v in item.value]
    if kind == "nd_shape_value":
        return tuple(int(d) for d in item.shape_dim)
    if kind == "axis_value":
        return ("axis", item.static_axis_idx, item.name)
    if kind == "nd_array_view_value":
        return _array(item)
    return item


class CntkGraph:
    """The parsed graph of one ``.model`` file."""

    def __init__(self, data: bytes) -> None:
        """Parse a model file's bytes.

        Args:
            data: The raw file contents.

        Raises:
            GraphError: The bytes are not a CNTK v2 composite function.
        """
        root = Dictionary()
        try:
            root.ParseFromString(data)
        except DecodeError as exc:
            raise GraphError(f"not a CNTK v2 model file ({exc})") from exc
        fields = root.data
        if "type" not in fields or fields["type"].string_value != "CompositeFunction":
            raise GraphError("not a CNTK v2 model file (no CompositeFunction at its root)")
        for key in ("root", "inputs", "primitive_functions"):
            if key not in fields:
                raise GraphError(f"CNTK model has no {key!r} entry (truncated file?)")
        self.root = fields["root"].string_value
        self.variables: dict[str, Variable] = {}
        for entry in fields["inputs"].vector_value.value:
            item = _plain(entry)
            self.variables[item["uid"]] = Variable(item["uid"], item["kind"], item.get("name", ""), item.get("value"))
        self.functions: dict[str, Function] = {}
        for entry in fields["primitive_functions"].vector_value.value:
            item = _plain(entry)
            function = Function(
                uid=item["uid"],
                op=item["op"],
                inputs=list(item["inputs"]),
                attributes=item.get("attributes") or {},
                block_name=item.get("block_function_op_name", ""),
                block_root=(item.get("block_function_composite") or {}).get("root", ""),
            )
            function.parameters = {
                self.variables[uid].name: uid
                for uid in function.inputs
                if uid in self.variables and self.variables[uid].kind in _PARAMETER_KINDS
            }
            self.functions[function.uid] = function
        if self.root not in self.functions:
            raise GraphError("the graph's root function is missing (truncated file?)")

    def parameter_uids(self) -> set[str]:
        """Uids of every parameter and constant stored in the file."""
        return {uid for uid, v in self.variables.items() if v.kind in _PARAMETER_KINDS}

    def producer(self, output: str) -> Function | None:
        """The function whose output is named ``output``, or None for a graph input."""
        uid, sep, _ = output.rpartition("_Output_")
        return self.functions.get(uid) if sep else None

    def data_inputs(self, function: Function) -> list[str]:
        """A function's inputs that are not parameters or constants, in order."""
        return [name for name in function.inputs if name not in function.parameters.values()]

    def value(self, uid: str) -> np.ndarray:
        """The stored tensor of a parameter or constant."""
        value = self.variables[uid].value
        if value is None:
            raise GraphError(f"parameter {uid} has no stored value")
        return value

    def inner(self, function: Function, op: int) -> Function | None:
        """Search a block's inner composite, from its root backwards, for the first op of type ``op``."""
        pending = [function.block_root]
        while pending:
            inner = self.functions.get(pending.pop())
            if inner is None:
                continue
            if inner.op == op:
                return inner
            pending += [name.rpartition("_Output_")[0] for name in inner.inputs if "_Output_" in name]
        return None
