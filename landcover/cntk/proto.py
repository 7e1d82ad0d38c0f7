"""The CNTK v2 model-file schema (``CNTK.proto``), built as a protobuf descriptor at import time.

CNTK stores a model as one uncompressed ``CNTK.proto.Dictionary`` message. Rather than depend on
``grpcio-tools`` to compile the ``.proto`` file, this module declares the same six messages with
``descriptor_pb2`` so that the plain ``protobuf`` package can parse model files.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto

_PACKAGE = "CNTK.proto"


def _field(
    message: descriptor_pb2.DescriptorProto,
    name: str,
    number: int,
    kind: int,
    *,
    type_name: str = "",
    repeated: bool = False,
    oneof: int | None = None,
) -> None:
    field = message.field.add()
    field.name = name
    field.number = number
    field.type = kind
    field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        field.type_name = f".{_PACKAGE}.{type_name}"
    if oneof is not None:
        field.oneof_index = oneof


def _enum(message: descriptor_pb2.DescriptorProto, name: str, values: list[tuple[str, int]]) -> None:
    enum = message.enum_type.add(name=name)
    for value_name, number in values:
        enum.value.add(name=value_name, number=number)


def _add_nd_shape(proto: descriptor_pb2.FileDescriptorProto) -> None:
    nd_shape = proto.message_type.add(name="NDShape")
    _field(nd_shape, "shape_dim", 1, _F.TYPE_UINT64, repeated=True)


def _add_axis(proto: descriptor_pb2.FileDescriptorProto) -> None:
    axis = proto.message_type.add(name="Axis")
    _field(axis, "static_axis_idx", 1, _F.TYPE_INT32)
    _field(axis, "name", 2, _F.TYPE_STRING)
    _field(axis, "is_ordered_dynamic_axis", 3, _F.TYPE_BOOL)


def _add_nd_array_view(proto: descriptor_pb2.FileDescriptorProto) -> None:
    array = proto.message_type.add(name="NDArrayView")
    _enum(
        array,
        "DataType",
        [("Unknown", 0), ("Float", 1), ("Double", 2), ("Float16", 4), ("Int8", 5), ("Int16", 6)],
    )
    _enum(array, "StorageFormat", [("Dense", 0), ("SparseCSC", 1), ("SparseBlockCol", 2)])
    for nested_name, kind in [
        ("FloatValues", _F.TYPE_FLOAT),
        ("DoubleValues", _F.TYPE_DOUBLE),
        ("IntValues", _F.TYPE_SINT32),
    ]:
        nested = array.nested_type.add(name=nested_name)
        _field(nested, "value", 1, kind, repeated=True)
    bytes_value = array.nested_type.add(name="BytesValue")
    _field(bytes_value, "value", 1, _F.TYPE_BYTES)
    array.oneof_decl.add(name="values")
    _field(array, "data_type", 1, _F.TYPE_ENUM, type_name="NDArrayView.DataType")
    _field(array, "storage_format", 2, _F.TYPE_ENUM, type_name="NDArrayView.StorageFormat")
    _field(array, "shape", 3, _F.TYPE_MESSAGE, type_name="NDShape")
    _field(array, "float_values", 4, _F.TYPE_MESSAGE, type_name="NDArrayView.FloatValues", oneof=0)
    _field(array, "double_values", 5, _F.TYPE_MESSAGE, type_name="NDArrayView.DoubleValues", oneof=0)
    _field(array, "bytes_value", 6, _F.TYPE_MESSAGE, type_name="NDArrayView.BytesValue", oneof=0)
    _field(array, "sint32_values", 7, _F.TYPE_MESSAGE, type_name="NDArrayView.IntValues", oneof=0)


def _add_vector(proto: descriptor_pb2.FileDescriptorProto) -> None:
    vector = proto.message_type.add(name="Vector")
    _field(vector, "value", 1, _F.TYPE_MESSAGE, type_name="DictionaryValue", repeated=True)


def _add_dictionary(proto: descriptor_pb2.FileDescriptorProto) -> None:
    dictionary = proto.message_type.add(name="Dictionary")
    entry = dictionary.nested_type.add(name="DataEntry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name="DictionaryValue")
    _field(dictionary, "version", 1, _F.TYPE_UINT64)
    _field(dictionary, "data", 2, _F.TYPE_MESSAGE, type_name="Dictionary.DataEntry", repeated=True)


_VALUE_TYPES = [
    "None",
    "Bool",
    "Int",
    "SizeT",
    "Float",
    "Double",
    "String",
    "NDShape",
    "Axis",
    "Vector",
    "Dictionary",
    "NDArrayView",
]
"""``DictionaryValue.Type``, numbered in order."""

_VALUE_FIELDS = [
    ("bool_value", 3, _F.TYPE_BOOL, ""),
    ("int_value", 4, _F.TYPE_INT32, ""),
    ("size_t_value", 5, _F.TYPE_UINT64, ""),
    ("float_value", 6, _F.TYPE_FLOAT, ""),
    ("double_value", 7, _F.TYPE_DOUBLE, ""),
    ("string_value", 8, _F.TYPE_STRING, ""),
    ("nd_shape_value", 9, _F.TYPE_MESSAGE, "NDShape"),
    ("axis_value", 10, _F.TYPE_MESSAGE, "Axis"),
    ("vector_value", 11, _F.TYPE_MESSAGE, "Vector"),
    ("dictionary_value", 12, _F.TYPE_MESSAGE, "Dictionary"),
    ("nd_array_view_value", 13, _F.TYPE_MESSAGE, "NDArrayView"),
]
"""The members of the ``DictionaryValue.value`` oneof: (name, number, type, message type)."""


def _add_dictionary_value(proto: descriptor_pb2.FileDescriptorProto) -> None:
    value = proto.message_type.add(name="DictionaryValue")
    _enum(value, "Type", [(name, number) for number, name in enumerate(_VALUE_TYPES)])
    value.oneof_decl.add(name="value")
    _field(value, "version", 1, _F.TYPE_UINT64)
    _field(value, "value_type", 2, _F.TYPE_ENUM, type_name="DictionaryValue.Type")
    for name, number, kind, type_name in _VALUE_FIELDS:
        _field(value, name, number, kind, type_name=type_name, oneof=0)


_MESSAGES = [_add_nd_shape, _add_axis, _add_nd_array_view, _add_vector, _add_dictionary, _add_dictionary_value]
"""One builder per message of ``CNTK.proto``, in the file's declaration order."""


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name="CNTK.proto", package=_PACKAGE, syntax="proto3")
    for add_message in _MESSAGES:
        add_message(proto)
    return proto


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())

Dictionary: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.Dictionary"))
"""The root message class of a CNTK v2 ``.model`` file."""
