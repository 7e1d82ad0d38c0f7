"""Progress in logs: plain lines at every tenth of the work or after 30 s, never a live bar's frames under mpirun."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.io import progress
from landcover.io.progress import PLAIN_INTERVAL_S, PLAIN_STEP, ProgressReporter
from tests.helpers import REPO, mpirun_prefix

steps = st.lists(st.tuples(st.integers(0, 50), st.floats(min_value=0.0, max_value=100.0)), max_size=200)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), steps)
def test_plain_lines_come_at_each_tenth_or_after_30_s_and_at_the_end(total, advances):
    clock = Clock()
    lines: list[tuple[float, float]] = []  # (clock, done) at each line
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LANDCOVER_PROGRESS", "plain")
        patch.setattr(progress.time, "perf_counter", clock)
        patch.setattr(progress, "emit", lambda line: lines.append((clock.now, reporter.done)))
        reporter = ProgressReporter("work", total, "units")
        start, done = clock.now, 0
        for percent, seconds in advances:
            clock.now += seconds
            amount = min(percent * total // 100, total - done)
            reporter.advance(amount)
            done += amount
            if done < total and lines and lines[-1][0] != clock.now:
                assert clock.now - lines[-1][0] <= PLAIN_INTERVAL_S + seconds  # never silent for much over 30 s
        reporter.advance(total - done)
        reporter.advance(0)  # nothing more: no second line for the end
    assert lines and lines[-1][1] == total and [done for _, done in lines].count(total) == 1
    previous = (start, 0.0)
    for at, done_then in lines[:-1]:  # every line but the last was due: a tenth more, or 30 s later
        assert done_then - previous[1] >= PLAIN_STEP * total or at - previous[0] >= PLAIN_INTERVAL_S
        previous = (at, done_then)
    elapsed = clock.now - start
    assert len(lines) <= 1 / PLAIN_STEP + 1 + math.ceil(elapsed / PLAIN_INTERVAL_S)


SCRIPT = """
from landcover.io.progress import ProgressReporter
with ProgressReporter("work", 1000, "units") as reporter:
    for step in range(1000):
        reporter.advance(1, note=f"loss {step}" if reporter.note_due(1) else None)
print("done")
"""


@pytest.mark.slow
def test_under_mpirun_piped_progress_is_a_few_plain_lines():
    """mpirun gives its ranks a pseudo-terminal even when its own output is a pipe: still no live bar."""
    started = time.monotonic()
    result = subprocess.run(
        [*mpirun_prefix(1), sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1] == "done" and "100.0%" in lines[-2]
    assert len(lines) - 1 <= 1 / PLAIN_STEP + 1 + math.ceil(elapsed / PLAIN_INTERVAL_S)
