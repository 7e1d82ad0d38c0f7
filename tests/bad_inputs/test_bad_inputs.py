"""Runs every row of the bad-input table (``cases_*.py``): exit code, message, one line, untouched files."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import tests.bad_inputs as package
from tests.bad_inputs.case import BadInput
from tests.bad_inputs.conftest import snapshot
from tests.bad_inputs.invoke import invoke


def _cases() -> list[BadInput]:
    cases: list[BadInput] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("cases_")):
        cases.extend(importlib.import_module(f"{package.__name__}.{module}").CASES)
    ids = [case.id for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate bad-input ids: {duplicates}"
    return cases


CASES = _cases()


def _run(case: BadInput, workspace: Path) -> tuple[int, str, str]:
    argv, env = case.expand(workspace)
    outcome = invoke(
        case.cli, argv, workspace, env, stdin=case.stdin, subprocess_run=case.subprocess, timeout=case.timeout
    )
    if outcome.trace is not None:
        pytest.fail(f"{case.cli} {' '.join(argv)} raised instead of handling the input:\n{outcome.trace}")
    return outcome.code, outcome.stdout, outcome.stderr


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.id, marks=[pytest.mark.slow] if case.slow else []) for case in CASES]
)
def test_bad_input(case: BadInput, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for make in case.setup:
        make(workspace)
    before = {path: snapshot(workspace / path) for path in case.untouched}

    code, out, err = _run(case, workspace)

    shown = f"exit {code}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert "Traceback" not in out + err, shown
    assert code == case.exit_code, shown
    text = err if code != 0 else out + err
    for fragment in case.fragments:
        assert fragment in text, f"{fragment!r} not in the output\n{shown}"
    if case.one_line and code != 0:
        assert len(err.strip().splitlines()) == 1, f"the error is not one line\n{shown}"
    for path, state in before.items():
        assert snapshot(workspace / path) == state, f"{path} changed\n{shown}"
