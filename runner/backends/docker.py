"""The docker backend: the same command inside the image, with Batch AI's mount root and the host's network.

``container_spec`` is pure and is the one description of a container: ``docker_run_command`` renders it as
the ``docker run`` that ``--dry-run`` prints, ``create_arguments`` as the Docker SDK call the backend makes.
The container gets the image's environment plus the job's variables (nothing of the caller's), runs as the
invoking user (files in the mounts stay theirs), and its output is streamed into stdout.txt / stderr.txt
while it runs; it is removed once its exit code is recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from runner.backends.base import BackendError
from runner.backends.local import LaunchPlan, LocalBackend, SubmitOptions
from runner.backends.process import job_command
from runner.details import DEFAULT_SHM, ContainerSpec, DockerDetails
from runner.job_outputs import Mount
from runner.jobspec import BATCHAI_MOUNT_ROOT, JobSpec
from runner.layout import LocalRoot
from runner.store import JobRecord, JobState, now, update_record

__all__ = ["ContainerSpec", "DockerBackend", "container_spec", "create_arguments", "docker_run_command"]
READ_ONLY_INPUTS = ("blobfuse/scripts", "blobfuse/training_data", "blobfuse/evaluation_data")
GPU_ULIMITS = (("memlock", -1, -1), ("stack", 67108864, 67108864))  # NVIDIA's advice for NCCL / RDMA
LABEL = "landcover-runner.job"
STOP_TIMEOUT_S = 20
ENGINE_HINT = "install and start a Docker Engine: docs/image.md, section A Docker Engine"
TOOLKIT_HINT = "use --gpus 0 for the CPU, or install the NVIDIA Container Toolkit and restart Docker"


def resolve_gpus(requested: str, engine_has_gpus: bool) -> tuple[str, str | None]:
    """``auto`` / ``all`` / a count, against whether the engine has the NVIDIA runtime.

    Returns:
        The GPUs to request (``0``, ``all`` or a count) and a warning line (or None).

    Raises:
        BackendError: GPUs asked for explicitly on an engine without the NVIDIA runtime, or a bad value.
    """
    if requested != "auto" and requested != "all" and not requested.isdigit():
        raise BackendError(f"--gpus {requested!r} is not auto, all or a number", "e.g. --gpus auto, --gpus 0, --gpus 2")
    if requested == "auto":
        if engine_has_gpus:
            return "all", None
        return "0", "no NVIDIA runtime in the Docker engine: running on the CPU"
    if requested != "0" and not engine_has_gpus:
        raise BackendError(f"--gpus {requested}: the Docker engine has no NVIDIA GPU runtime", TOOLKIT_HINT)
    return requested, None


def container_spec(
    *,
    image: str,
    command: list[str],
    environment: dict[str, str],
    mount_root: Path,
    name: str,
    gpus: str = "0",
    shm_size: str | None = None,
    user: str = "1000:1000",
) -> ContainerSpec:
    """The container of one job.

    The local mount root is bound at Batch AI's own path, read-write (models and outputs go there), with the
    input folders (scripts, training and evaluation data) bound again read-only on top. Locked-memory and
    stack ulimits are raised only with GPUs (NCCL wants them; engines without GPUs may refuse them).
    """
    mounts = [(str(mount_root), BATCHAI_MOUNT_ROOT, "rw")]
    mounts += [
        (str(mount_root / folder), f"{BATCHAI_MOUNT_ROOT}/{folder}", "ro")
        for folder in READ_ONLY_INPUTS
        if (mount_root / folder).is_dir()
    ]
    return ContainerSpec(
        image=image,
        command=command,
        environment=environment,
        mounts=mounts,
        name=f"landcover-{name}",
        user=user,
        gpus=gpus,
        shm_size=shm_size or DEFAULT_SHM,
        ulimits=list(GPU_ULIMITS) if gpus != "0" else [],
        labels={LABEL: name},
    )


def docker_run_command(spec: ContainerSpec) -> list[str]:
    """The ``docker run`` command line of a container spec (what ``--dry-run`` prints)."""
    argv = ["docker", "run", "--name", spec.name, "--network", spec.network, "--user", spec.user]
    argv += ["--shm-size", spec.shm_size, "--workdir", spec.working_dir]
    argv += [f"--label={key}={value}" for key, value in spec.labels.items()]
    if spec.gpus != "0":
        argv += ["--gpus", spec.gpus]
    for ulimit, soft, hard in spec.ulimits:
        argv += ["--ulimit", f"{ulimit}={soft}:{hard}"]
    for source, target, mode in spec.mounts:
        argv += ["--volume", f"{source}:{target}:{mode}"]
    for key, value in sorted(spec.environment.items()):
        argv += ["--env", f"{key}={value}"]
    return [*argv, spec.image, *spec.command]


def create_arguments(spec: ContainerSpec) -> dict[str, Any]:
    """The keyword arguments of ``DockerClient.containers.create`` for a container spec."""
    from docker.types import DeviceRequest, Ulimit

    requests = []
    if spec.gpus != "0":
        requests = [DeviceRequest(count=-1 if spec.gpus == "all" else int(spec.gpus), capabilities=[["gpu"]])]
    return {
        "image": spec.image,
        "command": list(spec.command),
        "environment": dict(spec.environment),
        "volumes": {source: {"bind": target, "mode": mode} for source, target, mode in spec.mounts},
        "device_requests": requests,
        "ulimits": [Ulimit(name=n, soft=soft, hard=hard) for n, soft, hard in spec.ulimits],
        "shm_size": spec.shm_size,
        "user": spec.user,
        "name": spec.name,
        "network_mode": spec.network,
        "working_dir": spec.working_dir,
        "labels": dict(spec.labels),
    }


def launch_error(exc: Exception, image: str) -> BackendError:
    """A Docker error at container creation or start as one line with its fix."""
    text = " ".join(str(getattr(exc, "explanation", None) or exc).split())
    if type(exc).__name__ == "ImageNotFound" or "No such image" in text:
        return BackendError(f"image {image} is not in the local Docker engine", "run `runner build`, or pass --image")
    if "could not select device driver" in text:
        return BackendError("the Docker engine has no NVIDIA GPU runtime", TOOLKIT_HINT)
    if "rlimit" in text:
        return BackendError(f"the Docker engine refused a ulimit: {text[:160]}", "use --gpus 0")
    return BackendError(f"Docker could not start the container: {text[:200]}", "see `docker info`")


def docker_client() -> Any:
    """A client for the local Docker engine.

    Raises:
        BackendError: With a one-line reason when no engine can be reached.
    """
    try:
        import docker
    except ImportError as exc:
        raise BackendError("the docker Python SDK is not installed", "pip install docker") from exc
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # docker raises several types; all mean "no usable engine"
        reason = " ".join(str(exc).split())  # the SDK's whole reason, on one line
        raise BackendError(f"cannot reach a Docker engine ({reason})", ENGINE_HINT) from exc
    return client


def engine_has_gpus(client: Any) -> bool:
    """Whether the engine can give containers NVIDIA GPUs (the toolkit's runtime is registered)."""
    return "nvidia" in (client.info().get("Runtimes") or {})


def host_gpu_count() -> int:
    """GPUs ``nvidia-smi`` lists on this machine (0 without it)."""
    if shutil.which("nvidia-smi") is None:
        return 0
    result = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return sum(line.startswith("GPU ") for line in result.stdout.splitlines()) if result.returncode == 0 else 0


class NoEngineError(BackendError):
    """No Docker engine answers."""


def _engine() -> Any:
    try:
        return docker_client()
    except BackendError as exc:
        raise NoEngineError(f"--backend docker: {exc.message}", f"{exc.hint}, or use --backend process") from None


def _gpus(options: SubmitOptions) -> tuple[str, str | None]:
    """The GPUs to request and a warning line; a dry run with no engine to ask says what it assumed instead."""
    needs_engine = options.gpus in ("auto", "all") or (options.gpus.isdigit() and options.gpus != "0")
    try:
        return resolve_gpus(options.gpus, needs_engine and engine_has_gpus(_engine()))
    except NoEngineError as exc:
        if not options.dry_run:
            raise
        gpus = "0" if options.gpus == "auto" else options.gpus
        assumed = "no GPUs, the CPU" if gpus == "0" else f"--gpus {gpus} as given"
        return gpus, f"{exc.message.removeprefix('--backend docker: ')}: the command assumes {assumed}"


def _container(details: object) -> ContainerSpec:
    """The container a docker job's details hold."""
    if not isinstance(details, DockerDetails):
        kind = type(details).__name__
        raise BackendError(f"a docker job's record holds {kind}, not its container", "submit it again")
    return details.container


def _copy_output(container: Any, path: str, *, stdout: bool) -> None:
    with open(path, "ab") as out:
        for chunk in container.logs(stream=True, follow=True, stdout=stdout, stderr=not stdout):
            out.write(chunk)
            out.flush()


class DockerBackend(LocalBackend):
    """The job's command in the image; ranks under mpirun inside one container with the host's network."""

    name = "docker"

    def job_mount_root(self, local: LocalRoot) -> str:
        """Batch AI's own mount path, where the local mount root is bound."""
        return BATCHAI_MOUNT_ROOT

    def plan(self, spec: JobSpec, name: str, local: LocalRoot, options: SubmitOptions) -> LaunchPlan:
        """The container spec; ``--gpus auto`` asks the engine whether it has GPUs."""
        image = options.image or spec.image
        if not image:
            raise BackendError(
                "the job template names no image for the docker backend",
                "add properties.containerSettings.imageSourceRegistry.image or pass --image",
            )
        gpus, warning = _gpus(options)
        count = int(gpus) if gpus.isdigit() else host_gpu_count()
        paths = self.paths(spec, name, local, gpus=count)
        uid, gid = os.getuid(), os.getgid()
        hostfile = paths.variables["AZ_BATCHAI_MPI_HOST_FILE"] if spec.mpi else None
        command = job_command(spec, paths.variables, options.extra_args, as_root=uid == 0, hostfile=hostfile)
        plan = self.plan_for(spec, paths, command, notes=(warning,) if warning else ())
        container = container_spec(
            image=image,
            command=command,
            environment=plan.environment,
            mount_root=local.mounts,
            name=name,
            gpus=gpus,
            shm_size=spec.shm_size,
            user=f"{uid}:{gid}",
        )
        return dataclasses.replace(plan, details=DockerDetails(container=container))

    def describe(self, plan: LaunchPlan) -> str:
        """The exact ``docker run`` the backend performs."""
        return shlex.join(docker_run_command(_container(plan.details)))

    def preflight(self, plan: LaunchPlan) -> None:
        """The engine answers and has the image."""
        image = _container(plan.details).image
        client = _engine()
        try:
            client.images.get(image)
        except Exception as exc:
            raise launch_error(exc, image) from None

    def run(self, directory: Path) -> int | None:
        """Create and start the container (unless cancelled), stream its output, wait for its exit code."""
        client = docker_client()
        with update_record(directory) as record:
            if record.cancelled:
                return None
            spec = _container(record.details)
            try:
                container = client.containers.create(**create_arguments(spec))
            except Exception as exc:
                raise launch_error(exc, spec.image) from exc
            try:
                container.start()
            except Exception as exc:
                container.remove(force=True)
                raise launch_error(exc, spec.image) from exc
            record.container, record.state, record.started = container.id, JobState.RUNNING, now()
            stdout, stderr = record.stdout, record.stderr
        copies = [
            threading.Thread(target=_copy_output, args=(container, path), kwargs={"stdout": out}, daemon=True)
            for path, out in ((stdout, True), (stderr, False))
        ]
        for copy in copies:
            copy.start()
        result = container.wait()
        for copy in copies:
            copy.join(timeout=30)
        return int(result.get("StatusCode", 1))

    def bind_mounts(self, record: JobRecord) -> list[Mount]:
        """The container's bind mounts, as its record keeps them."""
        return list(_container(record.details).mounts)

    def stop(self, record: JobRecord) -> str | None:
        """Stop the container (SIGTERM to tini, which passes it to mpirun and the ranks); a container id is unique."""
        import docker.errors

        if not record.container:
            return None
        try:
            docker_client().containers.get(record.container).stop(timeout=STOP_TIMEOUT_S)
        except docker.errors.NotFound:  # already ended and removed
            return None
        return f"stopped container {record.container[:12]}"

    def cleanup(self, record: JobRecord) -> None:
        """Remove the container once its exit code is recorded."""
        import docker.errors

        if record.container:
            with contextlib.suppress(docker.errors.NotFound):
                docker_client().containers.get(record.container).remove(force=True)
