"""The one place the cloud commands turn settings into an MLClient."""

from __future__ import annotations

from typing import Any

from runner.cloud_config import CloudConfig, require_workspace

WORKSPACE = ("subscription_id", "resource_group", "workspace")
"""The settings that name the workspace (every cloud command that reaches Azure takes them)."""


def client_for(config: CloudConfig) -> Any:
    """An MLClient for the configured workspace, or a one-line error saying what is missing."""
    from runner.backends.azureml import client

    require_workspace(config)
    assert config.subscription_id and config.resource_group and config.workspace
    return client.ml_client(config.subscription_id, config.resource_group, config.workspace)
