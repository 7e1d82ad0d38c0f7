"""The memory and CPUs this process may use: the machine's, narrowed by its container's cgroup limits.

``/proc/meminfo`` and the affinity mask describe the host; inside a container (Docker ``--memory`` /
``--cpus``, Kubernetes, Azure ML) the cgroup's limits are what counts. Both cgroup v2 (``memory.max``,
``memory.current``, ``cpu.max``) and v1 (``memory.limit_in_bytes``, ``memory.usage_in_bytes``,
``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``) are read, at the process's own cgroup and every level above it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
MEMINFO = Path("/proc/meminfo")
FALLBACK_MEMORY = 8 * 2**30
UNLIMITED_V1 = 2**60  # cgroup v1 writes "no limit" as a huge page-aligned number


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _levels(root: Path, controller: str, proc_cgroup: Path) -> list[Path]:
    """The cgroup directories that may limit this process, innermost first (v2 and v1 layouts)."""
    bases = {"": root, controller: root / controller}  # v2 (unified) and v1 (one hierarchy per controller)
    levels: list[Path] = []
    for line in (_read(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        names = parts[1].split(",") if parts[1] else [""]
        for name in names:
            if name in bases:
                path = bases[name] / parts[2].lstrip("/")
                while True:
                    levels.append(path)
                    if path == bases[name]:
                        break
                    path = path.parent
    levels += [root, root / controller]
    return list(dict.fromkeys(p for p in levels if p.is_dir()))


def _number(text: str | None) -> int | None:
    if text is None or text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value < 0 or value >= UNLIMITED_V1 else value


def _stat(directory: Path, key: str) -> int:
    for line in (_read(directory / "memory.stat") or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.isdigit():
            return int(value)
    return 0


def cgroup_memory_available(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int | None:
    """Bytes the cgroup limits still allow (limit - usage + reclaimable file cache); ``None`` without a limit."""
    available: int | None = None
    for directory in _levels(root, "memory", proc_cgroup):
        for limit_name, usage_name, inactive in (
            ("memory.max", "memory.current", "inactive_file"),
            ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),
        ):
            limit = _number(_read(directory / limit_name))
            if limit is None:
                continue
            usage = _number(_read(directory / usage_name)) or 0
            room = max(0, limit - usage + _stat(directory, inactive))
            available = room if available is None else min(available, room)
    return available


def memory_available(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP, meminfo: Path = MEMINFO) -> int:
    """Bytes this process can still use: ``MemAvailable``, narrowed by the cgroup's limit."""
    host = FALLBACK_MEMORY
    for line in (_read(meminfo) or "").splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable" and value.split():
            host = int(value.split()[0]) * 1024
    limited = cgroup_memory_available(root, proc_cgroup)
    return host if limited is None else min(host, limited)


def cgroup_cpu_limit(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """CPUs' worth of time the cgroup allows (quota / period); ``None`` without a limit."""
    limit: float | None = None
    for directory in _levels(root, "cpu", proc_cgroup):
        quota, period = None, None
        v2 = _read(directory / "cpu.max")
        if v2 is not None and len(v2.split()) == 2:
            quota, period = _number(v2.split()[0]), _number(v2.split()[1])
        elif (v1 := _read(directory / "cpu.cfs_quota_us")) is not None:
            quota, period = _number(v1), _number(_read(directory / "cpu.cfs_period_us"))
        if quota and period:
            limit = quota / period if limit is None else min(limit, quota / period)
    return limit


def cpu_count(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """CPUs this process may run on: its affinity mask, narrowed by the cgroup's CPU quota (rounded up)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_limit(root, proc_cgroup)
    return max(1, cpus if quota is None else min(cpus, math.ceil(quota)))


def default_threads(ranks_on_node: int) -> int:
    """Intra-op threads per rank when none are asked for: this node's CPUs shared by its ranks (at least 1)."""
    return max(1, cpu_count() // max(1, ranks_on_node))
