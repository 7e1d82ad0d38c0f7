"""Job templates that cannot be right, submitted to every backend: ``runner local|slurm|cloud submit``.

The checks live in the one job template validation (``runner.jobspec``), so each bad template is refused with the
same line by every submit command; the local-only lines (nodeCount, a processCount beyond this machine) follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.bad_inputs.case import BadInput
from tests.bad_inputs.setups import file, folder, local_root, template

CLOUD_ENV = {
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
    "AZURE_RESOURCE_GROUP": "rg",
    "AZUREML_WORKSPACE": "ws",
    "AZUREML_COMPUTE": "gpu",
}
SUBMITS: dict[str, tuple[str, ...]] = {
    "local": ("local", "submit", "bad.json", "--name", "bad1"),
    "local-dry": ("local", "submit", "bad.json", "--dry-run"),
    "slurm": ("slurm", "submit", "bad.json", "--dry-run"),
    "cloud": ("cloud", "submit", "bad.json", "--dry-run"),
}


def _mpi(data: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = data["properties"]["customMpiSettings"]
    return settings


def _set(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["properties"].update(changes)

    return change


def _command(text: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        _mpi(data)["commandLine"] = text

    return change


def _env(*pairs: tuple[str, str]) -> Callable[[dict[str, Any]], None]:
    return _set(environmentVariables=[{"name": name, "value": value} for name, value in pairs])


def _outputs(*entries: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    return _set(outputDirectories=list(entries))


def _counts(mpi: int | None, **properties: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if mpi is None:
            _mpi(data).pop("processCount", None)
        else:
            _mpi(data)["processCount"] = mpi
        data["properties"].update(properties)

    return change


def _tool(tool: str, settings: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del data["properties"]["customMpiSettings"]
        data["properties"][tool] = settings

    return change


ROOT_OUT = "$AZ_BATCHAI_MOUNT_ROOT/blobfuse/out"
BAD_TEMPLATES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "dotdot-output-prefix",
        _outputs({"id": "OUT", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/../../etc"}),
        "outputDirectories[0].pathPrefix: '$AZ_BATCHAI_MOUNT_ROOT/../../etc' leads out of $AZ_BATCHAI_MOUNT_ROOT",
    ),
    (
        "dotdot-output-suffix",
        _outputs({"id": "OUT", "pathPrefix": ROOT_OUT, "pathSuffix": "../../.."}),
        "pathSuffix '../../..' leads out of the output directory",
    ),
    (
        "absolute-output-suffix",
        _outputs({"id": "OUT", "pathPrefix": ROOT_OUT, "pathSuffix": "/etc"}),
        "pathSuffix '/etc' leads out of the output directory",
    ),
    (
        "dotdot-stdouterr",
        _set(stdOutErrPathPrefix="${AZ_BATCHAI_MOUNT_ROOT}/afs/../../../tmp"),
        "stdOutErrPathPrefix: '${AZ_BATCHAI_MOUNT_ROOT}/afs/../../../tmp' leads out",
    ),
    (
        "dotdot-command-line",
        _command("landcover train --input-dir $AZ_BATCHAI_MOUNT_ROOT/blobfuse/../../home/data --epochs 1"),
        "'$AZ_BATCHAI_MOUNT_ROOT/blobfuse/../../home/data' leads out of $AZ_BATCHAI_MOUNT_ROOT",
    ),
    (
        "dotdot-command-line-option-equals",
        _command("landcover train --model-dir=$AZ_BATCHAI_MOUNT_ROOT/.. --epochs 1"),
        "leads out of $AZ_BATCHAI_MOUNT_ROOT",
    ),
    ("empty-command-line", _command(""), "properties.customMpiSettings: the command line is empty"),
    ("blank-command-line", _command("   "), "the command line is empty"),
    (
        "empty-script-path",
        _tool("pyTorchSettings", {"pythonScriptFilePath": ""}),
        "properties.pyTorchSettings: the command line is empty",
    ),
    (
        "counts-do-not-divide",
        _counts(3, nodeCount=2),
        "processCount 3 does not divide over nodeCount 2",
    ),
    (
        "fewer-processes-than-nodes",
        _counts(1, nodeCount=4),
        "processCount 1 does not divide over nodeCount 4",
    ),
    (
        "process-counts-disagree",
        _counts(2, processCount=4),
        "the process counts disagree (properties.customMpiSettings.processCount = 2, properties.processCount = 4)",
    ),
    (
        "cntk-process-counts-disagree",
        lambda data: (
            _set(numberOfProcesses=3)(data)
            or _tool("cntkSettings", {"pythonScriptFilePath": "x.py", "numberOfProcesses": 2})(data)
        ),
        "the process counts disagree",
    ),
    (
        "duplicate-output-ids",
        _outputs({"id": "OUT", "pathPrefix": ROOT_OUT}, {"id": "OUT", "pathPrefix": ROOT_OUT + "2"}),
        "outputDirectories[1].id 'OUT' is given twice",
    ),
    ("env-name-with-dash", _env(("MY-VAR", "1")), "environmentVariables[0].name 'MY-VAR' is not a variable name"),
    ("env-name-leading-digit", _env(("1ST", "1")), "'1ST' is not a variable name"),
    ("env-name-empty", _env(("", "1")), "environmentVariables[0].name '' is not a variable name"),
    ("env-name-with-space", _env(("A B", "1")), "'A B' is not a variable name"),
    ("env-name-with-equals", _env(("A=B", "1")), "'A=B' is not a variable name"),
    (
        "env-overrides-mount-root",
        _env(("AZ_BATCHAI_MOUNT_ROOT", "/tmp")),
        "'AZ_BATCHAI_MOUNT_ROOT' would override a variable Batch AI sets for every job",
    ),
    (
        "env-overrides-output",
        _env(("OK", "1"), ("AZ_BATCHAI_OUTPUT_MODEL", "/tmp")),
        "environmentVariables[1].name 'AZ_BATCHAI_OUTPUT_MODEL' would override",
    ),
    ("env-name-twice", _env(("A", "1"), ("A", "2")), "environmentVariables[1].name 'A' is given twice"),
    ("node-count-zero", _set(nodeCount=0), "properties.nodeCount must be at least 1"),
    ("process-count-zero", _counts(0), "the process count must be at least 1"),
    ("node-count-string", _set(nodeCount="2"), 'properties.nodeCount must be an integer, not "2"'),
    ("node-count-bool", _set(nodeCount=True), "properties.nodeCount must be an integer, not true"),
    ("unknown-property", _set(nodeCounts=2), "properties.nodeCounts is not a known field"),
    ("no-tool-settings", _tool("customMpiSettings", {}), "needs pythonScriptFilePath or commandLine"),
    ("json-array", lambda data: [data], "job must be an object"),
    ("no-properties", lambda data: {}, "job.properties is required"),
    ("no-stdouterr-prefix", lambda data: data["properties"].clear(), "properties.stdOutErrPathPrefix is required"),
]

CASES: list[BadInput] = []
for key, change, message in BAD_TEMPLATES:
    for where, argv in SUBMITS.items():
        CASES.append(
            BadInput(
                id=f"runner-submit-{where}-{key}",
                cli="runner",
                argv=argv,
                message=("bad.json: ", message),
                setup=(local_root(), template("bad.json", change=change)),
                env=CLOUD_ENV if where == "cloud" else {},
                untouched=(".runner", "bad.json"),
            )
        )

for where, argv in SUBMITS.items():
    CASES += [
        BadInput(
            id=f"runner-submit-{where}-not-json",
            cli="runner",
            argv=argv,
            message="bad.json: not valid JSON (line 1, column 2",
            setup=(local_root(), file("bad.json", "{properties}")),
            env=CLOUD_ENV if where == "cloud" else {},
            untouched=(".runner", "bad.json"),
        ),
        BadInput(
            id=f"runner-submit-{where}-missing-file",
            cli="runner",
            argv=argv,
            message="bad.json: no such job file",
            setup=(local_root(),),
            env=CLOUD_ENV if where == "cloud" else {},
            untouched=(".runner", "bad.json"),
        ),
        BadInput(
            id=f"runner-submit-{where}-folder-as-file",
            cli="runner",
            argv=argv,
            message="bad.json: no such job file",
            setup=(local_root(), folder("bad.json")),
            env=CLOUD_ENV if where == "cloud" else {},
            untouched=(".runner",),
        ),
        BadInput(
            id=f"runner-submit-{where}-not-utf8",
            cli="runner",
            argv=argv,
            message="bad.json: not a UTF-8 text file",
            setup=(local_root(), file("bad.json", b"\xff\xfe{}")),
            env=CLOUD_ENV if where == "cloud" else {},
            untouched=(".runner", "bad.json"),
        ),
    ]

# What a template means on this machine (the local backends only): one line each.
CASES += [
    BadInput(
        id="runner-submit-local-node-count-note",
        cli="runner",
        argv=("local", "submit", "t.json", "--dry-run"),
        message="note: nodeCount 2: the local backends run every node's processes on this one machine (4 processes",
        exit_code=0,
        setup=(local_root(), template("t.json", change=_counts(4, nodeCount=2))),
        untouched=(".runner", "t.json"),
    ),
    BadInput(
        id="runner-submit-local-process-count-beyond-cores",
        cli="runner",
        argv=("local", "submit", "t.json", "--dry-run"),
        message="processes share cores",
        exit_code=0,
        setup=(local_root(), template("t.json", change=_counts(8))),
        untouched=(".runner", "t.json"),
    ),
    BadInput(
        id="runner-submit-local-process-count-far-beyond",
        cli="runner",
        argv=("local", "submit", "t.json", "--name", "big"),
        message=("processCount 100000 is far beyond this machine", "or submit to a cluster"),
        setup=(local_root(), template("t.json", change=_counts(100000))),
        untouched=(".runner", "t.json"),
    ),
    BadInput(
        id="runner-submit-slurm-process-count-far-beyond-is-the-clusters",
        cli="runner",
        argv=("slurm", "submit", "t.json", "--dry-run"),
        message="#SBATCH",
        exit_code=0,
        setup=(local_root(), template("t.json", change=_counts(512, nodeCount=64))),
        untouched=(".runner", "t.json"),
    ),
]
