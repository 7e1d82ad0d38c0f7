"""A Batch AI job template as an Azure ML command job (pure translation; the SDK is only used to build objects).

Translation: the image becomes the job's environment; ``nodeCount`` the instance count; ``processCount``
(a total in Batch AI) an MPI distribution of ``processCount / nodeCount`` per instance (Azure ML starts
mpirun itself); every path under ``$AZ_BATCHAI_MOUNT_ROOT/blobfuse/<folder>`` a ``uri_folder`` on the
workspace datastore, mounted read-only as an input or read-write as an output (``--model-dir`` and
``--output-dir`` are outputs), with the command line rewritten to ``${{inputs.x}}`` / ``${{outputs.y}}``;
``outputDirectories`` become named outputs and ``environmentVariables`` environment variables.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass
from typing import Any

from clibase.text import counted
from runner.jobspec import OUTPUT_OPTIONS, JobSpec, JobSpecError
from runner.shellwords import split
from runner.store import JobState

MOUNT = r"\$(?:\{AZ_BATCHAI_MOUNT_ROOT\}|AZ_BATCHAI_MOUNT_ROOT)"
BLOB_PATH = re.compile(MOUNT + r"/blobfuse/([A-Za-z0-9_.-]+)((?:/[^\s'\"]*)?)")
OTHER_MOUNT_PATH = re.compile(MOUNT + r"[^\s'\"]*")
OUTPUT_VARIABLE = re.compile(r"\$(?:\{AZ_BATCHAI_OUTPUT_(\w+)\}|AZ_BATCHAI_OUTPUT_(\w+))")
SAFE_TOKEN = re.compile(r"[\w${}./:@%+=,-]+")

STATES = {
    "NotStarted": JobState.QUEUED,
    "Queued": JobState.QUEUED,
    "Preparing": JobState.QUEUED,
    "Provisioning": JobState.QUEUED,
    "Starting": JobState.QUEUED,
    "Running": JobState.RUNNING,
    "Finalizing": JobState.RUNNING,
    "CancelRequested": JobState.RUNNING,
    "Completed": JobState.SUCCEEDED,
    "Failed": JobState.FAILED,
    "Canceled": JobState.FAILED,
    "NotResponding": JobState.FAILED,
}


@dataclass(frozen=True)
class Translated:
    """The command line with placeholders and the inputs / outputs it names."""

    command: str
    inputs: dict[str, str]
    outputs: dict[str, str]


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text).lower()
    return name if name[:1].isalpha() else f"x_{name}"


def datastore_uri(datastore: str, path: str) -> str:
    """``azureml://`` address of a path on a datastore."""
    return f"azureml://datastores/{datastore}/paths/{path.strip('/')}"


def translate_command(spec: JobSpec, name: str, datastore: str, extra_args: str = "") -> Translated:
    """Rewrite the job's command line for Azure ML; collect its inputs and outputs.

    Raises:
        JobSpecError: A path under the mount root that is not in ``blobfuse/`` (or an unknown output id).
    """
    field = f"properties.{spec.tool}"
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    known_outputs = {out.id: out for out in spec.output_directories}
    for index, out in enumerate(spec.output_directories):
        match = BLOB_PATH.fullmatch(out.path_prefix.rstrip("/"))
        if not match:
            raise JobSpecError(
                f"properties.outputDirectories[{index}].pathPrefix {out.path_prefix!r} is not under "
                "$AZ_BATCHAI_MOUNT_ROOT/blobfuse, so it has no place on the datastore"
            )
        prefix = f"{match.group(1)}{match.group(2)}"
        outputs[_identifier(out.id)] = datastore_uri(
            datastore, "/".join(p for p in (prefix, name, out.path_suffix) if p)
        )
    tokens = split(f"{spec.command} {extra_args}".strip())

    def output_placeholder(match: re.Match[str]) -> str:
        key = match.group(1) or match.group(2)
        if key not in known_outputs:
            raise JobSpecError(f"{field}: ${{AZ_BATCHAI_OUTPUT_{key}}} names no outputDirectories entry")
        return f"${{{{outputs.{_identifier(key)}}}}}"

    def blob_placeholder(match: re.Match[str], *, written: bool) -> str:
        folder, rest = match.group(1), match.group(2)
        key = _identifier(folder)
        uri = datastore_uri(datastore, folder)
        if written or key in outputs:
            outputs[key] = uri
            inputs.pop(key, None)
            return f"${{{{outputs.{key}}}}}{rest}"
        inputs[key] = uri
        return f"${{{{inputs.{key}}}}}{rest}"

    rewritten = []
    for position, token in enumerate(tokens):
        written = position > 0 and tokens[position - 1] in OUTPUT_OPTIONS
        token = OUTPUT_VARIABLE.sub(output_placeholder, token)
        token = BLOB_PATH.sub(functools.partial(blob_placeholder, written=written), token)
        leftover = OTHER_MOUNT_PATH.search(token)
        if leftover:
            raise JobSpecError(
                f"{field}: {leftover.group(0)} is not under $AZ_BATCHAI_MOUNT_ROOT/blobfuse, so it "
                "cannot be mapped to the workspace datastore"
            )
        rewritten.append(token if SAFE_TOKEN.fullmatch(token) else shlex.quote(token))
    # A folder written by the job may also be read by it (e.g. --init-from in models/): mount it once, rw.
    for key in set(inputs) & set(outputs):
        del inputs[key]
    command = " ".join(rewritten)
    for key in outputs:
        command = command.replace(f"${{{{inputs.{key}}}}}", f"${{{{outputs.{key}}}}}")
    return Translated(command, inputs, outputs)


def process_count_per_instance(spec: JobSpec) -> int:
    """Batch AI's total process count spread over the nodes; counts that do not divide are refused."""
    if spec.process_count % spec.node_count:
        raise JobSpecError(
            f"properties: {counted(spec.process_count, 'process')} do not divide evenly over "
            f"{counted(spec.node_count, 'node')} (Azure ML runs the same number on every node)"
        )
    return spec.process_count // spec.node_count


def build_job(
    spec: JobSpec,
    *,
    name: str,
    image: str,
    compute: str,
    datastore: str,
    experiment: str = "landcover",
    extra_args: str = "",
) -> Any:
    """The azure-ai-ml ``CommandJob`` for a job template.

    Raises:
        JobSpecError: Unmappable paths or process counts.
    """
    from azure.ai.ml import Input, MpiDistribution, Output
    from azure.ai.ml.entities import CommandJob, Environment, JobResourceConfiguration

    translated = translate_command(spec, name, datastore, extra_args)
    per_instance = process_count_per_instance(spec)
    return CommandJob(
        name=name,
        display_name=name,
        experiment_name=experiment,
        command=translated.command,
        inputs={k: Input(type="uri_folder", path=v, mode="ro_mount") for k, v in translated.inputs.items()},
        outputs={k: Output(type="uri_folder", path=v, mode="rw_mount") for k, v in translated.outputs.items()},
        environment=Environment(image=image),
        environment_variables={**spec.environment, "LANDCOVER_PROGRESS": "plain"},
        compute=compute,
        resources=JobResourceConfiguration(instance_count=spec.node_count),
        distribution=MpiDistribution(process_count_per_instance=per_instance) if spec.mpi else None,
    )


def job_yaml(job: Any) -> str:
    """The job as Azure ML YAML (what ``az ml job create -f`` takes)."""
    import io

    stream = io.StringIO()
    job.dump(stream)
    text = stream.getvalue()
    return text if text.endswith("\n") else text + "\n"


def execution_state(status: str | None) -> JobState:
    """An Azure ML job status as the runner's executionState."""
    return STATES.get(status or "", JobState.QUEUED)
