"""The docker backend: the same command inside the image, on NVIDIA GPUs, with Batch AI's mount root.

``container_spec`` is pure: it returns the keyword arguments of ``docker.from_env().containers.run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner.jobspec import BATCHAI_MOUNT_ROOT

DEFAULT_SHM = "8g"  # PyTorch's data loaders and NCCL use /dev/shm; docker's default 64 MB is far too small
READ_ONLY_INPUTS = ("blobfuse/scripts", "blobfuse/training_data", "blobfuse/evaluation_data")


def gpu_request(gpus: str) -> list[Any]:
    """NVIDIA device request for ``all`` or a count (none for ``0``)."""
    from docker.types import DeviceRequest

    if gpus == "0":
        return []
    count = -1 if gpus == "all" else int(gpus)
    return [DeviceRequest(count=count, capabilities=[["gpu"]])]


def container_spec(
    *,
    image: str,
    command: list[str],
    environment: dict[str, str],
    mount_root: Path,
    name: str,
    gpus: str = "all",
    shm_size: str | None = None,
    user: str = "1000:1000",
) -> dict[str, Any]:
    """Everything ``containers.run`` needs for one job.

    The local mount root is bound at Batch AI's own path, read-write (models and outputs go there), with the
    input folders (scripts, training and evaluation data) bound again read-only on top.
    """
    volumes = {str(mount_root): {"bind": BATCHAI_MOUNT_ROOT, "mode": "rw"}}
    for folder in READ_ONLY_INPUTS:
        if (mount_root / folder).is_dir():
            volumes[str(mount_root / folder)] = {"bind": f"{BATCHAI_MOUNT_ROOT}/{folder}", "mode": "ro"}
    return {
        "image": image,
        "command": command,
        "environment": environment,
        "volumes": volumes,
        "device_requests": gpu_request(gpus),
        "shm_size": shm_size or DEFAULT_SHM,
        "ulimits": _ulimits(),
        "user": user,
        "name": f"landcover-{name}",
        "working_dir": BATCHAI_MOUNT_ROOT,
        "detach": True,
        "labels": {"landcover-runner.job": name},
    }


def _ulimits() -> list[Any]:
    from docker.types import Ulimit

    return [Ulimit(name="memlock", soft=-1, hard=-1), Ulimit(name="stack", soft=67108864, hard=67108864)]


def docker_client() -> Any:
    """A client for the local Docker engine.

    Raises:
        RuntimeError: With a one-line reason when no engine can be reached.
    """
    try:
        import docker
    except ImportError as exc:
        raise RuntimeError("the docker Python SDK is not installed (pip install docker)") from exc
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # docker raises several types; all mean "no usable engine"
        raise RuntimeError(f"cannot reach a Docker engine ({str(exc).splitlines()[0][:100]})") from exc
    return client
