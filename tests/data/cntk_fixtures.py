"""Small hand-built CNTK v2 graphs (protobuf) for importer tests that need no ../shared."""

from __future__ import annotations

from typing import Any

from landcover.cntk.proto import Dictionary


def _set(value: Any, item: Any) -> None:
    if isinstance(item, bool):
        value.value_type = 1
        value.bool_value = item
    elif isinstance(item, int):
        value.value_type = 3
        value.size_t_value = item
    elif isinstance(item, str):
        value.value_type = 6
        value.string_value = item
    elif isinstance(item, list):
        value.value_type = 9
        for element in item:
            _set(value.vector_value.value.add(), element)
    elif isinstance(item, dict):
        value.value_type = 10
        for key, element in item.items():
            _set(value.dictionary_value.data[key], element)
    else:
        raise TypeError(type(item))


def composite(functions: list[dict[str, Any]], inputs: list[dict[str, Any]], root: str) -> bytes:
    """Serialise a CompositeFunction with the given primitive functions and inputs."""
    message = Dictionary()
    message.version = 1
    for key, item in {
        "type": "CompositeFunction",
        "root": root,
        "uid": "CompositeFunction1",
        "version": 3,
        "inputs": inputs,
        "primitive_functions": functions,
    }.items():
        _set(message.data[key], item)
    return message.SerializeToString()


def single_relu_model() -> bytes:
    """A valid CNTK graph of another architecture: one ReLU over an input."""
    inputs = [{"type": "Variable", "uid": "Input1", "kind": 0, "name": "features"}]
    functions = [{"type": "PrimitiveFunction", "uid": "ReLU2", "op": 3, "inputs": ["Input1"], "attributes": {}}]
    return composite(functions, inputs, "ReLU2")
