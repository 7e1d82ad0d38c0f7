"""Whether a file a command wrote is valid: it opens in the tool that reads its kind, and its values are sane.

:func:`problem` returns ``None`` for a valid file, else one line saying what is wrong. Kinds are told by
suffix; a file of an unknown kind only has to be readable.
"""

from __future__ import annotations

import json
from pathlib import Path

READ_SIDE = 1024
"""Rasters larger than this many pixels a side are read decimated (a mosaic may span a continent)."""
PARTIAL_MARKS = (".part", ".tmp", ".partial")
"""Name endings of files that are still being written (left behind, they are debris)."""


def _raster(path: Path) -> str | None:
    import numpy as np
    import rasterio

    with rasterio.open(path) as src:
        if src.width < 1 or src.height < 1 or src.count < 1:
            return f"a {src.width} x {src.height} raster of {src.count} bands"
        shape = (src.count, min(src.height, READ_SIDE), min(src.width, READ_SIDE))  # all of it, or decimated
        data = src.read(masked=True, out_shape=shape)
    if data.dtype.kind == "f" and data.count() and not np.isfinite(data.compressed()).all():
        return "non-finite values outside nodata"
    return None


def _json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _checkpoint(path: Path) -> str | None:
    from landcover.model.checkpoint import load_model

    load_model(path)
    return None


def _onnx(path: Path) -> str | None:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    if not session.get_inputs() or not session.get_outputs():
        return "an ONNX graph without inputs or outputs"
    return None


def _png(path: Path) -> str | None:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
    return None


def _text(path: Path) -> str | None:
    path.read_text(encoding="utf-8")
    return None


def _json_file(path: Path) -> str | None:
    _json(path.read_text(encoding="utf-8"))
    return None


def _jsonl(path: Path) -> str | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                _json(line)
            except ValueError as exc:
                return f"line {number}: {exc}"
    return None


READERS = {
    ".tif": _raster,
    ".tiff": _raster,
    ".vrt": _raster,
    ".json": _json_file,
    ".jsonl": _jsonl,
    ".pt": _checkpoint,
    ".onnx": _onnx,
    ".png": _png,
    ".qml": _text,
    ".txt": _text,
    ".csv": _text,
}


def problem(path: Path) -> str | None:
    """What is wrong with ``path`` as an output of a finished run (``None``: nothing)."""
    if any(path.name.endswith(mark) or f"{mark}." in path.name for mark in PARTIAL_MARKS):
        return "a partial file left behind"
    if path.name == ".lock":
        return None
    reader = READERS.get(path.suffix.lower())
    try:
        if path.stat().st_size == 0 and reader is not None:
            return "empty"
        if reader is None:
            path.read_bytes()  # a file of another kind only has to be readable
            return None
        return reader(path)
    except Exception as exc:  # any failure to read it is the finding
        text = str(exc).splitlines()[0] if str(exc) else ""
        return f"does not open: {type(exc).__name__}: {text[:160]}"
