"""``runner cloud configure``: store the workspace, cluster, datastore and registry (never credentials)."""

from __future__ import annotations

from rich.console import Console

from runner.cloud_config import CloudConfig
from runner.commands.site_options import with_settings


@with_settings(CloudConfig)
def configure(settings: CloudConfig) -> None:
    """Write the cloud settings file; credentials stay with az login / managed identity / environment.

    Examples:
      runner cloud configure --subscription SUB --resource-group RG --workspace WS --compute gpu-cluster
    """
    Console().print(f"wrote {settings.save()}")
