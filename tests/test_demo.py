"""`make demo` (scripts/demo.py) echoes every command quoted, so a pasted line runs what the demo ran, and ends by
naming the evaluation's preview.png. The commands themselves are recorded here, not run (the real demo takes
minutes; the job templates it submits are tested in tests/runner)."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.cli import app as runner_app
from tests.cli_help import ROOT, parse_example


def load_demo():
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo(tmp_path, monkeypatch):
    module = load_demo()
    root = tmp_path / ".runner"
    monkeypatch.setattr(module, "RUNNER_ROOT", root)
    monkeypatch.setattr(module, "SHARED", tmp_path / "no-shared")
    ran: list[list[str]] = []

    def fake_run(argv, **kwargs):
        ran.append(list(argv))
        if "submit" in argv and any(word.startswith("demo-eval-") for word in argv):
            name = next(word for word in argv if word.startswith("demo-eval-"))
            images = (
                root / "mounts/blobfuse/evaluation_output/local/experiments/default/jobs" / name / "a1/outputs/images"
            )
            images.mkdir(parents=True)
            (images / "preview.png").write_bytes(b"")

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    module.ran = ran
    return module


def test_every_echoed_command_pastes_as_what_ran(demo, capsys):
    demo.main()
    out = capsys.readouterr().out
    echoed = [shlex.split(line[2:]) for line in out.splitlines() if line.startswith("$ ")]
    assert len(echoed) == len(demo.ran) >= 4
    for words, argv in zip(echoed, demo.ran, strict=True):
        assert argv[:2] == [sys.executable, "-m"] and Path(words[0]).name == argv[2]
        assert words[1:] == argv[3:]
        if argv[2] == "runner":
            parse_example(runner_app, "runner", shlex.join(["runner", *words[1:]]))
    training = next(words for words in echoed if "--extra-args" in words)
    assert "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/models/demo-" in training[training.index("--extra-args") + 1]


def test_the_summary_names_the_preview_and_pasteable_commands(demo, capsys):
    demo.main()
    lines = capsys.readouterr().out.splitlines()
    preview = next(line for line in lines if line.startswith("preview: "))
    path = Path(preview.split()[1])
    assert path.name == "preview.png" and path.is_file()
    jobs = [line.split(":", 1)[1] if line.startswith("jobs:") else line for line in lines if "runner list" in line]
    follow = lines[lines.index(next(line for line in lines if line.startswith("jobs:"))) + 1]
    for line in (*jobs, follow):
        words = shlex.split(line)
        parse_example(runner_app, "runner", shlex.join(["runner", *words[1:]]))


DEMO = load_demo()


@given(st.lists(st.text(min_size=0, max_size=12), max_size=6))
def test_shown_quotes_any_argument(words):
    assert shlex.split(DEMO.shown("runner", *words))[1:] == words
