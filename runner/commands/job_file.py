"""Reading the job template a submit command names, with a hint that points at the templates this machine has.

Outside a checkout there is no ``jobs/`` folder: a missing job file's hint names the templates that
``runner local setup`` wrote under the local root (``ROOT/templates/*.json``), or says how to get them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runner.jobspec import JobSpec, MissingJobFileError, check_extra_args, load_job
from runner.layout import LocalRoot, default_root

JOB_FILE_HELP = (
    "A Batch AI job template (JSON): jobs/*.json in a checkout, ROOT/templates/*.json after `runner local setup`."
)
JobFile = Annotated[Path, typer.Argument(help=JOB_FILE_HELP, metavar="JOB_FILE")]
"""The job template every submit command takes."""
JobName = Annotated[str | None, typer.Option(help="Job name \\[default: template name + time].", metavar="NAME")]
ExtraArgs = Annotated[str, typer.Option("--extra-args", help="Appended to the job's command line.", metavar="ARGS")]
Wait = Annotated[bool, typer.Option("--wait", help="Stay, streaming the logs, until the job ends.")]


def templates_hint(root: Path | None) -> str:
    """Where the job templates are: the ones ``runner local setup`` wrote under the root, or how to write them."""
    templates = LocalRoot(root or default_root()).root / "templates"
    found = sorted(templates.glob("*.json")) if templates.is_dir() else []
    if found:
        return f"the templates `runner local setup` wrote are in {templates}/: " + ", ".join(p.name for p in found)
    return f"check the path; `runner local setup` writes the job templates to {templates}/"


def read_job(job_file: Path, extra_args: str, root: Path | None = None) -> JobSpec:
    """The validated job template and ``--extra-args``.

    Raises:
        JobSpecError: The template or ``--extra-args`` is malformed; a missing file's hint says where templates are.
    """
    try:
        spec = load_job(job_file)
        check_extra_args(extra_args)
    except MissingJobFileError as exc:
        raise MissingJobFileError(exc.message, templates_hint(root)) from None
    return spec
