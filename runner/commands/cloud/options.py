"""Options shared by the cloud commands, and the one place that turns settings into an MLClient."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from runner.cloud_config import CloudConfig, load_config, require_workspace

Subscription = Annotated[
    str | None,
    typer.Option("--subscription", help="Azure subscription id \\[default: $AZURE_SUBSCRIPTION_ID].", metavar="ID"),
]
ResourceGroup = Annotated[
    str | None,
    typer.Option(
        "--resource-group", help="Resource group of the workspace \\[default: $AZURE_RESOURCE_GROUP].", metavar="NAME"
    ),
]
Workspace = Annotated[
    str | None, typer.Option("--workspace", help="Azure ML workspace \\[default: $AZUREML_WORKSPACE].", metavar="NAME")
]


def client_for(config: CloudConfig) -> Any:
    """An MLClient for the configured workspace, or a one-line error saying what is missing."""
    from runner.backends.azureml import client

    require_workspace(config)
    assert config.subscription_id and config.resource_group and config.workspace
    return client.ml_client(config.subscription_id, config.resource_group, config.workspace)


def settings(
    subscription: str | None, resource_group: str | None, workspace: str | None, **rest: str | None
) -> CloudConfig:
    """Options, then environment, then the config file.

    Raises:
        CloudConfigError: The config file cannot be read.
    """
    return load_config(subscription_id=subscription, resource_group=resource_group, workspace=workspace, **rest)
