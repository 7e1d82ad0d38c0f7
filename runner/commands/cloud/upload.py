"""``runner cloud upload FOLDER --to PATH``: copy a folder (training data, models) onto the workspace datastore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from runner.commands.cloud.options import ResourceGroup, Subscription, Workspace, call_azure, client_for, settings
from runner.errors import fail


def upload(
    folder: Annotated[Path, typer.Argument(help="Local folder to upload.", metavar="FOLDER")],
    to: Annotated[str, typer.Option("--to", help="Path on the datastore, e.g. training_data.", metavar="PATH")],
    subscription: Subscription = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
) -> None:
    """Upload every file under FOLDER to the --to path on the configured datastore (what jobs mount).

    Examples:
      runner cloud upload data/training_data --to training_data
    """
    from azure.identity import DefaultAzureCredential
    from azure.storage.blob import ContainerClient

    if not folder.is_dir():
        fail(f"{folder}: no such folder", "give a local folder to upload")
    config = settings(subscription, resource_group, workspace)
    client = client_for(config)
    store = call_azure(client.datastores.get, config.datastore)
    container = ContainerClient(
        f"https://{store.account_name}.blob.{store.endpoint}", store.container_name, credential=DefaultAzureCredential()
    )
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    with Progress() as progress:
        task = progress.add_task(f"uploading to {config.datastore}/{to}", total=len(files))
        for path in files:
            with open(path, "rb") as data:
                call_azure(container.upload_blob, f"{to.strip('/')}/{path.relative_to(folder)}", data, overwrite=True)
            progress.advance(task)
    Console().print(f"uploaded {len(files)} files to azureml://datastores/{config.datastore}/paths/{to.strip('/')}")
