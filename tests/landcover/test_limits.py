"""Container limits: cgroup v2 and v1 files, written in temporary directories."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_cgroup_v2_memory_and_cpu_limits(tmp_path):
    root, proc = tmp_path / "cgroup", tmp_path / "self-cgroup"
    proc.write_text("0::/job/task\n")
    _files(
        root,
        {
            "job/task/memory.max": str(4 * GIB),
            "job/task/memory.current": str(1 * GIB),
            "job/task/memory.stat": f"anon 123\ninactive_file {GIB // 2}",
            "job/memory.max": "max",
            "job/task/cpu.max": "150000 100000",
            "cpu.max": "max 100000",
        },
    )
    assert cgroup_memory_available(root, proc) == 3 * GIB + GIB // 2
    assert memory_available(root, proc, _meminfo(tmp_path, 20)) == 3 * GIB + GIB // 2
    assert memory_available(root, proc, _meminfo(tmp_path, 2)) == 2 * GIB  # the host has less than the limit
    assert cgroup_cpu_limit(root, proc) == 1.5
    assert cpu_count(root, proc) == min(2, len(os.sched_getaffinity(0)))


def test_an_outer_v2_limit_counts_too(tmp_path):
    root, proc = tmp_path / "cgroup", tmp_path / "self-cgroup"
    proc.write_text("0::/job/task\n")
    _files(
        root,
        {
            "job/task/memory.max": "max",
            "job/memory.max": str(2 * GIB),
            "job/memory.current": str(GIB),
            "job/cpu.max": "50000 100000",
        },
    )
    assert cgroup_memory_available(root, proc) == GIB
    assert cgroup_cpu_limit(root, proc) == 0.5
    assert cpu_count(root, proc) == 1


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
