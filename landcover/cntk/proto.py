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


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name="CNTK.proto", package=_PACKAGE, syntax="proto3")

    nd_shape = proto.message_type.add(name="NDShape")
    _field(nd_shape, "shape_dim", 1, _F.TYPE_UINT64, repeated=True)

    axis = proto.message_type.add(name="Axis")
    _field(axis, "static_axis_idx", 1, _F.TYPE_INT32)
    _field(axis, "name", 2, _F.TYPE_STRING)
    _field(axis, "is_ordered_dynamic_axis", 3, _F.TYPE_BOOL)

    array = proto.message_type.add(name="NDArrayView")
    data_type = array.enum_type.add(name="DataType")
    for name, number in [("Unknown", 0), ("Float", 1), ("Double", 2), ("Float16", 4), ("Int8", 5), ("Int16", 6)]:
        data_type.value.add(name=name, number=number)
    storage = array.enum_type.add(name="StorageFormat")
    for name, number in [("Dense", 0), ("SparseCSC", 1), ("SparseBlockCol", 2)]:
        storage.value.add(name=name, number=number)
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

    vector = proto.message_type.add(name="Vector")
    _field(vector, "value", 1, _F.TYPE_MESSAGE, type_name="DictionaryValue", repeated=True)

    dictionary = proto.message_type.add(name="Dictionary")
    entry = dictionary.nested_type.add(name="DataEntry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name="DictionaryValue")
    _field(dictionary, "version", 1, _F.TYPE_UINT64)
    _field(dictionary, "data", 2, _F.TYPE_MESSAGE, type_name="Dictionary.DataEntry", repeated=True)

    value = proto.message_type.add(name="DictionaryValue")
    value_type = value.enum_type.add(name="Type")
    for number, name in enumerate(
        [
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
    ):
        value_type.value.add(name=name, number=number)
    value.oneof_decl.add(name="value")
    _field(value, "version", 1, _F.TYPE_UINT64)
    _field(value, "value_type", 2, _F.TYPE_ENUM, type_name="DictionaryValue.Type")
    for name, number, kind, type_name in [
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
    ]:
        _field(value, name, number, kind, type_name=type_name, oneof=0)
    return proto


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())

Dictionary: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.Dictionary"))
"""The root message class of a CNTK v2 ``.model`` file."""
