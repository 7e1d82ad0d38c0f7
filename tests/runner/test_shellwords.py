"""The command-line splitter: shlex's arguments in linear time, and the shell syntax a template cannot use."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from runner.shellwords import SplitError, shell_syntax, split, split_command
from tests.helpers import assert_one_line_error, runner

SHELL_TEXT = st.text(alphabet=st.sampled_from(list(" \t\n'\"\\ab$|;(&>`{}")), max_size=40)


def _shlex(text: str) -> list[str] | None:
    try:
        return shlex.split(text)
    except ValueError:
        return None


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(SHELL_TEXT)
@example('a \'b c\' "d \\" e" f\\ g')
@example("''")
@example('"\\\\"')
@example("a\\")
@example("'unclosed")
def test_split_gives_shlex_arguments(text):
    try:
        got: list[str] | None = split(text)
    except SplitError:
        got = None
    assert got == _shlex(text)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(SHELL_TEXT)
def test_shell_syntax_is_found_only_outside_single_quotes(text):
    try:
        words = split_command(text)
    except SplitError:
        return
    found = shell_syntax(words)
    if found is not None:
        assert found in text
    quoted = "'" + text.replace("'", "") + "'"  # the same text in single quotes: a literal, never shell syntax
    assert shell_syntax(split_command(quoted)) is None


@pytest.mark.parametrize(
    ("command", "found"),
    [
        ("a | b", "|"),
        ("a; b", ";"),
        ("a && b", "&&"),
        ("a > out.txt", ">"),
        ("a 2>&1", ">"),
        ("echo $(date)", "$("),
        ('echo "$(date)"', "$("),
        ("echo `date`", "`"),
        ("ls $HOME", "$HOME"),
        ("bash -c 'a | b; echo $(date)'", None),
        ('bash -c "a | b"', None),
        ("a\\;b", None),
        ("x $AZ_BATCHAI_MOUNT_ROOT/a", None),
    ],
)
def test_shell_syntax(command, found):
    assert shell_syntax(split_command(command), lambda name: name.startswith("AZ_BATCHAI_")) == found


def test_a_3_mb_command_line_is_read_in_linear_time(tmp_path: Path):
    """shlex took minutes on this (quadratic in an argument's length); the dry run now answers at once."""
    (tmp_path / "mounts" / "afs").mkdir(parents=True)
    big = "$AZ_BATCHAI_MOUNT_ROOT/" + "a" * 3_000_000
    template = {
        "properties": {
            "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
            "customMpiSettings": {"commandLine": f"landcover train --input-dir {big}", "processCount": 1},
        }
    }
    job = tmp_path / "big.json"
    job.write_text(json.dumps(template))
    # A 3 MB argument is more than exec takes: refused, in one line, long before the generous timeout.
    result = runner("local", "submit", str(job), "--root", str(tmp_path), "--dry-run", timeout=120)
    assert_one_line_error(result, "argument 4 of the command line is", "bytes in one argument")
    assert len(result.stderr) < 1000
    # Many ordinary arguments, 660 kB in all: printed whole.
    template["properties"]["customMpiSettings"]["commandLine"] = "landcover train" + " --epochs 1" * 60_000
    job.write_text(json.dumps(template))
    result = runner("local", "submit", str(job), "--root", str(tmp_path), "--dry-run", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("--epochs 1") == 60_000
