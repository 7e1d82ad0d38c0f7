"""What a file really is, by its first bytes: so an error names the format the user gave, not the one expected.

A model file that is an ONNX export, a GeoTIFF, a NumPy array or a JSON document is named as such ("this is
an ONNX model"), instead of the message of whatever library failed to read it ("a pickled Python object").
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD_BYTES = 64

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "a GeoTIFF"),
    (b"MM\x00*", "a GeoTIFF"),
    (b"II+\x00", "a GeoTIFF (BigTIFF)"),
    (b"MM\x00+", "a GeoTIFF (BigTIFF)"),
    (b"\x93NUMPY", "a NumPy .npy array"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.", "a legacy PyTorch file"),
)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "a truncated or damaged ZIP archive (a PyTorch checkpoint or NumPy .npz cut short?)"
    if names and all(name.endswith(".npy") for name in names):
        return "a NumPy .npz archive"
    if any(name.endswith("data.pkl") for name in names):
        return "a PyTorch file"
    return "a ZIP archive"


def _protobuf_kind(head: bytes) -> str | None:
    """ONNX (``ModelProto``: field 1 ``ir_version``, then ``producer_name`` ...) or CNTK v2 (a ``Dictionary``)."""
    if head[:1] == b"\x08" and b"\n\x07version" in head[:16]:  # CNTK's Dictionary: {"version": ...} first
        return "a CNTK model"
    if len(head) > 3 and head[0] == 0x08 and head[1] < 0x80 and head[2] in (0x12, 0x1A, 0x22, 0x3A, 0x42):
        return "an ONNX model"
    return None


def file_kind(path: Path) -> str | None:
    """A short name of the file's format ("an ONNX model", "a GeoTIFF", ...), or None when it is not recognised.

    Never raises: an unreadable file is simply not recognised.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if not head:
        return "an empty file"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    protobuf = _protobuf_kind(head)
    if protobuf is not None:
        return protobuf
    text = head.lstrip()
    if text[:1] in (b"{", b"["):
        return "a JSON document"
    return None
