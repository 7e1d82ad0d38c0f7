"""Container limits: cgroup v2 hierarchies generated level by level, and v1 files, written in temporary folders."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.limits import cgroup_cpu_limit, cgroup_memory_available, cpu_count, memory_available

GIB = 2**30


def _files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")


def _meminfo(tmp_path: Path, available_gib: int) -> Path:
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:       99999999 kB\nMemAvailable:   {available_gib * GIB // 1024} kB\n")
    return path


@dataclass(frozen=True)
class Level:
    """One level of a cgroup v2 hierarchy: its memory limit, usage and reclaimable cache, and its CPU quota."""

    memory_max: int | None
    memory_current: int
    inactive_file: int
    cpu_quota: int | None
    cpu_period: int


levels = st.builds(
    Level,
    memory_max=st.none() | st.integers(GIB // 4, 16 * GIB),
    memory_current=st.integers(0, 20 * GIB),
    inactive_file=st.integers(0, GIB),
    cpu_quota=st.none() | st.integers(10_000, 800_000),
    cpu_period=st.sampled_from([50_000, 100_000, 200_000]),
)


def _write_v2(folder: Path, hierarchy: list[Level]) -> tuple[Path, Path]:
    """The hierarchy under ``folder/cgroup`` (the root first, this process's cgroup last) and its membership file."""
    root, proc = folder / "cgroup", folder / "self-cgroup"
    names = [f"l{depth}" for depth in range(1, len(hierarchy))]
    proc.write_text(f"0::/{'/'.join(names)}\n")
    for depth, level in enumerate(hierarchy):
        quota = "max" if level.cpu_quota is None else str(level.cpu_quota)
        limit = "max" if level.memory_max is None else str(level.memory_max)
        _files(
            root.joinpath(*names[:depth]),
            {
                "memory.max": limit,
                "memory.current": str(level.memory_current),
                "memory.stat": f"anon 123\ninactive_file {level.inactive_file}",
                "cpu.max": f"{quota} {level.cpu_period}",
            },
        )
    return root, proc


@settings(max_examples=60, deadline=None)
@given(hierarchy=st.lists(levels, min_size=1, max_size=4), host_gib=st.integers(1, 64))
def test_every_v2_level_limits_memory_and_cpus(hierarchy: list[Level], host_gib: int) -> None:
    """The room left is the least over the levels (limit - usage + reclaimable cache); the CPUs, the least quota."""
    rooms = [
        max(0, level.memory_max - level.memory_current + level.inactive_file)
        for level in hierarchy
        if level.memory_max is not None
    ]
    quotas = [level.cpu_quota / level.cpu_period for level in hierarchy if level.cpu_quota is not None]
    with tempfile.TemporaryDirectory() as folder:
        root, proc = _write_v2(Path(folder), hierarchy)
        assert cgroup_memory_available(root, proc) == (min(rooms) if rooms else None)
        host = host_gib * GIB
        assert memory_available(root, proc, _meminfo(Path(folder), host_gib)) == min([host, *rooms])
        assert cgroup_cpu_limit(root, proc) == (min(quotas) if quotas else None)
        cpus = len(os.sched_getaffinity(0))
        assert cpu_count(root, proc) == max(1, min(cpus, math.ceil(min(quotas))) if quotas else cpus)


def test_cgroup_v1_limits(tmp_path):
    root, proc = tmp_path / "cgroup", tmp_path / "self-cgroup"
    proc.write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n")
    _files(
        root,
        {
            "memory/docker/abc/memory.limit_in_bytes": str(6 * GIB),
            "memory/docker/abc/memory.usage_in_bytes": str(2 * GIB),
            "memory/docker/abc/memory.stat": f"cache 5\ntotal_inactive_file {GIB}",
            "memory/memory.limit_in_bytes": "9223372036854771712",  # v1's "no limit"
            "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "-1",
        },
    )
    (root / "cpu").symlink_to(root / "cpu,cpuacct")
    assert cgroup_memory_available(root, proc) == 5 * GIB
    assert cgroup_cpu_limit(root, proc) is None
    (root / "cpu,cpuacct/docker/abc/cpu.cfs_quota_us").write_text("100000\n")
    (root / "cpu,cpuacct/docker/abc/cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_limit(root, proc) == 1.0


def test_no_cgroup_files_means_the_host_figures(tmp_path):
    root, proc = tmp_path / "none", tmp_path / "self-cgroup"
    proc.write_text("0::/\n")
    assert cgroup_memory_available(root, proc) is None
    assert cgroup_cpu_limit(root, proc) is None
    assert memory_available(root, proc, _meminfo(tmp_path, 3)) == 3 * GIB
    assert cpu_count(root, proc) >= 1
