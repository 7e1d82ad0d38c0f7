"""Every file either command puts in place goes through ``clibase.atomic``: flushed, renamed, its folder flushed.

The class is closed twice: no module of ``landcover``, ``runner`` or ``clibase`` renames a file anywhere else
(read from their source), and each writer that renames (job records, the Slurm and cloud configs, a staged
result of ``landcover``) is watched doing it: every rename comes after an fsync of the file it moves and
before an fsync of the folder that receives it.
"""

from __future__ import annotations

import ast
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clibase.atomic import atomic_path, move_into_place, write_text_atomic

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "tests" / "data" / "runner" / "records"
RENAMES = {"replace", "rename", "renames", "move"}


def _renames(source: str) -> list[str]:
    """Calls that rename a file: ``os.replace``/``os.rename``/``shutil.move``, ``path.replace(x)``/``.rename(x)``.

    ``str.replace(a, b)`` (two arguments) and ``dataclasses.replace(obj, field=...)`` (keywords) are not renames.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in RENAMES:
            continue
        owner = node.func.value
        module = isinstance(owner, ast.Name) and owner.id in ("os", "shutil")
        path_method = len(node.args) == 1 and not node.keywords and not module
        if module or path_method:
            found.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
    return found


def test_nothing_renames_a_file_outside_the_atomic_module() -> None:
    problems = []
    for package in ("landcover", "runner", "clibase"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ROOT / "clibase" / "atomic.py":
                problems += [f"{path.relative_to(ROOT)} {found}" for found in _renames(path.read_text())]
    assert problems == [], "put files in place with clibase.atomic (atomic_path, move_into_place)"


def test_the_check_finds_each_kind_of_rename() -> None:
    source = "os.replace(a, b)\nos.rename(a, b)\nshutil.move(a, b)\ntmp.replace(path)\np.rename(q)\n"
    assert len(_renames(source)) == 5
    assert _renames("s.replace('a', 'b')\ndataclasses.replace(plan, details=d)\nt.replace(tzinfo=None)\n") == []


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Path]]]:
    """What the process flushes and renames, in order: ``("fsync", path)``, ``("replace", source)``, ..."""
    events: list[tuple[str, Path]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}"))))
        real_fsync(fd)

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        events.append(("replace", Path(source).resolve()))
        events.append(("into", Path(target).resolve()))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    yield events


def _assert_durable(events: list[tuple[str, Path]], expected: int) -> None:
    """Each rename (at least ``expected``, the writer's files): its file flushed before, its folder after."""
    renames = [index for index, (kind, _) in enumerate(events) if kind == "replace"]
    assert len(renames) >= expected, events
    for index in renames:
        source, target = events[index][1], events[index + 1][1]
        assert ("fsync", source) in events[:index], f"{source} renamed before it was flushed: {events}"
        assert ("fsync", target.parent) in events[index + 2 :], f"{target.parent} not flushed: {events}"


def _job_record(folder: Path) -> int:
    from runner.store import load_record, save_record

    job = folder / "job"
    job.mkdir()
    shutil.copy(RECORDS / "v1-process.json", job / "record.json")
    save_record(job, load_record(job))
    return 1


def _slurm_config(folder: Path) -> int:
    from runner.backends.slurm.config import SlurmConfig, save_config

    os.environ["RUNNER_SLURM_CONFIG"] = str(folder / "slurm.json")
    save_config(SlurmConfig(partition="gpu"))
    return 1


def _cloud_config(folder: Path) -> int:
    from runner.cloud_config import CloudConfig, save_config

    os.environ["RUNNER_CLOUD_CONFIG"] = str(folder / "cloud.json")
    save_config(CloudConfig(workspace="ws"))
    return 1


def _staged_result(folder: Path) -> int:
    from landcover.io.outputs import Named, staged_folder

    names = ["metrics.json", "maps/pred.tif", "maps/deep/conf.tif"]
    out = Named(path=folder / "out", option="--output-dir")
    with staged_folder(out, command="test", names=names, force=False) as result:
        for name in names:
            result.path(name).write_text(name)
    return len(names)


WRITERS: dict[str, Callable[[Path], int]] = {
    "job record": _job_record,
    "slurm config": _slurm_config,
    "cloud config": _cloud_config,
    "staged result": _staged_result,
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_writer_flushes_the_file_then_renames_then_flushes_the_folder(
    writer: str, journal: list[tuple[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNER_SLURM_CONFIG", "")
    monkeypatch.setenv("RUNNER_CLOUD_CONFIG", "")
    renamed = WRITERS[writer](tmp_path.resolve())
    _assert_durable(journal, renamed)


@settings(max_examples=20, deadline=None)
@given(names=st.lists(st.from_regex(r"[a-z]{1,8}(/[a-z]{1,8}){0,2}", fullmatch=True), min_size=1, max_size=5))
def test_moved_files_arrive_whole_and_leave_nothing_behind(names: list[str], tmp_path_factory) -> None:
    base = tmp_path_factory.mktemp("move")
    names = [name for name in dict.fromkeys(names) if not any(other.startswith(name + "/") for other in names)]
    moves = []
    for index, name in enumerate(names):
        source = base / "staging" / f"{index}.part"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(name)
        (base / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        moves.append((source, base / "out" / name))
    move_into_place(moves)
    assert {name: (base / "out" / name).read_text() for name in names} == {name: name for name in names}
    assert list((base / "staging").iterdir()) == []


def test_write_text_atomic_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "metrics.json"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["metrics.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
