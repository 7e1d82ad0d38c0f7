"""`runner list` never cuts a job name, at any width: the names paste into `runner show`."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from runner.commands.job_table import print_jobs
from runner.layout import JOB_NAME
from runner.store import JobRecord, JobState, save_record
from tests.helpers import REPO

names = st.from_regex(JOB_NAME, fullmatch=True)
rows = st.lists(
    st.tuples(
        names,
        st.sampled_from([*(str(s) for s in JobState), "unreadable"]),
        st.sampled_from(["", "0", "1", "137"]),
        st.sampled_from(["", "process", "docker", "slurm", "azureml"]),
        st.sampled_from(["", "2026-12-06T20:17:48.123456+00:00"]),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda row: row[0],
)


def render(table_rows, width: int) -> list[str]:
    out = io.StringIO()
    print_jobs(Console(file=out, width=width, force_terminal=False, color_system=None), table_rows)
    return out.getvalue().splitlines()


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(min_value=20, max_value=200))
def test_every_name_is_whole_on_one_line_and_the_table_fits(table_rows, width):
    lines = render(table_rows, width)
    for name, *_ in table_rows:
        assert any(name in line.replace("│", " ").split() for line in lines), (name, lines)
    if any("┃" in line for line in lines):  # the table: within the width
        assert max(len(line) for line in lines) <= width, lines
    else:  # a name per line, its details on the next
        assert lines[::2] == [row[0] for row in table_rows]


def cells(lines: list[str]) -> list[list[str]]:
    """The table's rows, each cell's folded pieces joined (a row starts where the name column is not empty)."""
    body = [line.strip("│").split("│") for line in lines if line.startswith("│")]
    joined: list[list[str]] = []
    for parts in body:
        if parts[0].strip():
            joined.append([""] * len(parts))
        joined[-1] = [whole + piece.strip() for whole, piece in zip(joined[-1], parts, strict=True)]
    return joined


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(min_value=20, max_value=200))
def test_every_other_value_is_shown_in_full(table_rows, width):
    lines = render(table_rows, width)
    if any("┃" in line for line in lines):
        assert cells(lines) == [list(row) for row in table_rows]
    else:
        for row, details in zip(table_rows, lines[1::2], strict=True):
            assert all(value in details for value in row[1:])


def test_runner_list_at_80_columns_keeps_long_names_whole(tmp_path):
    jobs = tmp_path / "jobs"
    names = ["demo-train-20261206-201748", "evaluate-" + "x" * 55]
    for name in names:
        record = JobRecord(
            name=name, backend="process", state=JobState.SUCCEEDED, command=["true"], stdout="", stderr=""
        )
        record.exit_code = 0
        save_record(jobs / name, record)
    result = subprocess.run(
        [sys.executable, "-m", "runner", "list", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "80"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    words = result.stdout.replace("│", " ").split()
    assert all(name in words for name in names), result.stdout
