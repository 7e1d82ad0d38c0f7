"""The bad-input suite's session fixtures and its count line (``N bad inputs tried, N handled``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bad_inputs import setups

CASE_TEST = "test_bad_input["
_outcomes: dict[str, bool] = {}


@pytest.fixture(scope="session", autouse=True)
def _sample_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    setups.SAMPLE_CACHE_DIR[:] = [tmp_path_factory.mktemp("bad-inputs-cache")]
    yield


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember each case's outcome: handled when its call passed; a failed setup or teardown is not handled."""
    if CASE_TEST not in report.nodeid or report.skipped:
        return
    if report.when == "call" or report.failed:
        _outcomes[report.nodeid] = _outcomes.get(report.nodeid, True) and report.passed


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the suite's total: every case tried, and how many were handled (passed)."""
    if _outcomes:
        tried, handled = len(_outcomes), sum(_outcomes.values())
        terminalreporter.write_line(f"{tried} bad inputs tried, {handled} handled")


def snapshot(path: Path) -> object:
    """Content hash and mtime of a file, of every file under a folder, or ``None`` for a missing path."""
    import hashlib

    def one(item: Path) -> tuple[str, int]:
        return hashlib.sha256(item.read_bytes()).hexdigest(), item.stat().st_mtime_ns

    if path.is_symlink() and not path.exists():
        return ("dangling", str(path.readlink()))
    if path.is_file():
        return one(path)
    if path.is_dir():
        return {
            str(item.relative_to(path)): one(item) if item.is_file() else "dir"
            for item in sorted(path.rglob("*"))
            if item.is_file() or item.is_dir()
        }
    return None
