"""Counts in messages read right ("1 scene", "1 process"): every count before a plural noun goes through the one
helper both packages share (`clibase/text.py`), which picks the noun's number."""

from __future__ import annotations

import ast
import re

from hypothesis import given
from hypothesis import strategies as st

from clibase.text import counted, plural
from tests.cli_help import ROOT

NOUNS = [
    "scene",
    "pair",
    "epoch",
    "file",
    "rank",
    "image",
    "node",
    "job",
    "step",
    "tile",
    "GPU",
    "class",
    "item",
    "thread",
    "worker",
    "patch",
    "collection",
    "sample",
    "model",
    "checkpoint",
    "folder",
    "output",
    "row",
    "candidate",
    "window",
    "pixel",
    "batch",
    "crop",
    "chunk",
    "band",
    "label",
    "code",
    "layer",
    "parameter",
    "setting",
    "line",
    "entry",
    "block",
    "request",
    "test",
    "error",
    "warning",
    "record",
    "retry",
    "attempt",
    "script",
    "template",
    "column",
    "process",
]
PLURALS = {plural(noun) for noun in NOUNS} | {"entries", "retries"}


def _last_name(node: ast.expr) -> str:
    """The name an expression ends in: ``len`` of ``len(x)``, ``COMMAND`` of ``cls.COMMAND``."""
    while isinstance(node, ast.Subscript | ast.Call):
        node = node.value if isinstance(node, ast.Subscript) else node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _counted(part: ast.expr) -> bool:
    return isinstance(part, ast.FormattedValue) and _last_name(part.value) == "counted"


def bare_counts(source: str) -> list[str]:
    """``{n} nouns`` in the f-strings of ``source``: a value (not a constant's name, not a ``W x H`` size, not a
    ``!r`` name) followed by a plural noun."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        for index, (value, after) in enumerate(zip(parts, [*parts[1:], None], strict=True)):
            if not isinstance(value, ast.FormattedValue) or value.conversion != -1 or value.format_spec is not None:
                continue
            if not (isinstance(after, ast.Constant) and isinstance(after.value, str)):
                continue
            word = re.match(r" (\w+)\b(\(s\))?", after.value)
            if (
                word is None
                or (word.group(1) not in PLURALS and not word.group(2))
                or _last_name(value.value).isupper()
            ):
                continue
            between = parts[index - 1] if index >= 1 else None
            if isinstance(between, ast.Constant) and between.value == " x " and not _counted(parts[index - 2]):
                continue  # a size: W x H pixels
            found.append(f"line {node.lineno}: {{{ast.unparse(value.value)}}} {word.group(1)}")
    return found


def test_no_count_before_a_plural_noun_bypasses_the_helper():
    problems = []
    for path in sorted(
        path for package in ("landcover", "runner", "clibase") for path in (ROOT / package).rglob("*.py")
    ):
        problems += [f"{path.relative_to(ROOT)} {found}" for found in bare_counts(path.read_text())]
    assert problems == [], "write counted(n, 'noun') (clibase/text.py)"


def test_the_check_catches_a_bare_count():
    assert bare_counts('f"{len(scenes)} scenes, {n} processes"') == [
        "line 1: {len(scenes)} scenes",
        "line 1: {n} processes",
    ]
    assert bare_counts("f\"{w} x {h} pixels {MIN_SIZE} pixels {name!r} items {counted(n, 'scene')}\"") == []
    assert bare_counts("f\"{counted(e, 'epoch')} x {s} steps\"") == ["line 1: {s} steps"]


@given(st.integers(0, 10**6), st.sampled_from(NOUNS))
def test_one_takes_the_singular_and_every_other_count_the_plural(count, noun):
    text = counted(count, noun)
    assert text == (f"1 {noun}" if count == 1 else f"{count} {plural(noun)}")
