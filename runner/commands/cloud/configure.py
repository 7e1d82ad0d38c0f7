"""``runner cloud configure``: store the workspace, cluster, datastore and registry (never credentials)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from runner.cloud_config import config_path, save_config
from runner.commands.cloud.options import ResourceGroup, Subscription, Workspace, settings


def configure(
    subscription: Subscription = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    compute: Annotated[
        str | None, typer.Option(help="Compute cluster \\[default: $AZUREML_COMPUTE].", metavar="CLUSTER")
    ] = None,
    datastore: Annotated[
        str | None, typer.Option(help="Datastore \\[default: workspaceblobstore].", metavar="NAME")
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(help="Image registry, e.g. myacr.azurecr.io \\[default: $RUNNER_REGISTRY].", metavar="REGISTRY"),
    ] = None,
) -> None:
    """Write the cloud settings file; credentials stay with az login / managed identity / environment.

    Examples:
      runner cloud configure --subscription SUB --resource-group RG --workspace WS --compute gpu-cluster
    """
    config = settings(subscription, resource_group, workspace, compute=compute, datastore=datastore, registry=registry)
    path = save_config(config)
    Console().print(f"wrote {path}" if path == config_path() else str(path))
