"""Invariants over generated inputs (issue 25): every ``landcover`` command, and the runner's job templates.

Hypothesis generates the inputs (:mod:`tests.invariants.strategies`): rasters of random band counts, dtypes,
sizes, CRSs (EPSG, geographic, feet, a non-EPSG WKT, none) and grids, truncated or corrupted at random offsets;
checkpoints with broken parts; option values at and past the bounds of each settings field (derived from the
pydantic models, so a new option is covered without a new line here); outputs that coincide with, contain or
sit inside inputs (also through symbolic links) or over a user's files; reruns over damaged earlier results;
job templates mutated field by field. :mod:`tests.invariants.scenarios` writes each into a fresh tree, and
:func:`tests.invariants.harness.check_run` runs the command and checks, for every run:

- no traceback; exit 0, or exit 2 with a one-line error;
- no file outside the command's outputs created, changed or removed (a hash snapshot of the tree before and
  after); inputs byte-identical; files the tool did not write kept, also inside its outputs;
- every output of an exit-0 run opens and is valid (GeoTIFFs and VRTs in rasterio with finite values, JSON
  without NaN, checkpoints through ``load_model``, ONNX in ONNX Runtime, PNGs in Pillow); no partial files;
- no exit 0 on input that must be refused (garbage, or an output overlapping an input).

Profiles (:mod:`tests.invariants.profiles`): ``ci`` (default: a fixed seed, a few examples per property, part
of ``make test``) and ``fuzz`` (``make fuzz``: a fresh seed, many examples, failures shrunk). At the end pytest
prints ``N generated runs of M commands, all invariants held`` or the invariants that broke.

Run one property: ``PYTHONPATH=$PWD .venv/bin/python -m pytest tests/invariants -q -k evaluate``.
"""
