"""``runner cloud upload FOLDER --to PATH``: copy a folder (training data, models) onto the workspace datastore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from runner.cloud_config import CloudConfig
from runner.commands.cloud.options import WORKSPACE, client_for
from runner.commands.report import fail
from runner.commands.site_options import with_settings
from runner.text import counted


@with_settings(CloudConfig, *WORKSPACE)
def upload(
    folder: Annotated[Path, typer.Argument(help="Local folder to upload.", metavar="FOLDER")],
    to: Annotated[str, typer.Option("--to", help="Path on the datastore, e.g. training_data.", metavar="PATH")],
    settings: CloudConfig,
) -> None:
    """Upload every file under FOLDER to the --to path on the configured datastore (what jobs mount).

    Examples:
      runner cloud upload data/training_data --to training_data
    """
    from runner.backends.azureml.client import upload_folder

    if not folder.is_dir():
        fail(f"{folder}: no such folder", "give a local folder to upload")
    if not any(p.is_file() for p in folder.rglob("*")):
        fail(f"{folder}: no files to upload", "give the folder that holds the data (e.g. data/training_data)")
    parts = to.strip("/").split("/")
    if not to.strip("/") or ".." in parts or any(not part.strip() for part in parts) or "\\" in to:
        fail(f"--to {to!r} is not a datastore path", "give a relative path such as training_data")
    client = client_for(settings)
    datastore = settings.datastore
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    with Progress() as progress:
        task = progress.add_task(f"uploading to {datastore}/{to}", total=count)
        files = upload_folder(client, datastore, folder, to, lambda path: progress.advance(task))
    Console().print(f"uploaded {counted(len(files), 'file')} to azureml://datastores/{datastore}/paths/{to.strip('/')}")
