"""Azure ML settings: options, then environment variables, then the config file ``runner cloud configure`` writes.

Credentials are never stored here: they come from azure-identity's DefaultAzureCredential (``az login``,
managed identity, or the ``AZURE_CLIENT_ID`` / ``AZURE_TENANT_ID`` / ``AZURE_CLIENT_SECRET`` variables).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from clibase.atomic import write_text_atomic
from runner.errors import RunnerError
from runner.images import IMAGE_NAME

ENVIRONMENT = {
    "subscription_id": "AZURE_SUBSCRIPTION_ID",
    "resource_group": "AZURE_RESOURCE_GROUP",
    "workspace": "AZUREML_WORKSPACE",
    "compute": "AZUREML_COMPUTE",
    "datastore": "AZUREML_DATASTORE",
    "registry": "RUNNER_REGISTRY",
}
DEFAULT_DATASTORE = "workspaceblobstore"


@dataclass(frozen=True)
class CloudConfig:
    """Where cloud jobs go."""

    subscription_id: str | None = None
    resource_group: str | None = None
    workspace: str | None = None
    compute: str | None = None
    datastore: str | None = None
    registry: str | None = None

    def default_image(self) -> str | None:
        """The trainer image in the configured registry (what ``runner build --push`` pushes)."""
        return f"{self.registry.rstrip('/')}/{IMAGE_NAME}" if self.registry else None


class CloudConfigError(RunnerError):
    """The cloud config file cannot be read; the message names it."""

    hint = "fix or remove it, then run `runner cloud configure` again"


def config_path() -> Path:
    """``$RUNNER_CLOUD_CONFIG``, or ``~/.config/landcover-runner/cloud.json``."""
    return Path(os.environ.get("RUNNER_CLOUD_CONFIG") or Path.home() / ".config" / "landcover-runner" / "cloud.json")


def _plain(value: str, *, registry: bool = False) -> bool:
    """Whether a setting can go into Azure's URLs as it is (a registry may hold a namespace after its host)."""
    banned = "?#\\" if registry else "?#\\/"
    return bool(value.strip()) and "://" not in value and not any(c.isspace() or c in banned for c in value)


def load_config(**options: str | None) -> CloudConfig:
    """Merge options (highest), environment variables, and the config file (lowest).

    Raises:
        CloudConfigError: The config file is not valid JSON, not an object of strings, or unreadable.
    """
    path = config_path()
    try:
        stored = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CloudConfigError(f"{path}: not a readable cloud config ({exc})") from exc
    if not isinstance(stored, dict) or not all(isinstance(value, str) for value in stored.values()):
        raise CloudConfigError(
            f"{path}: not a cloud config (a JSON object of strings, as `runner cloud configure` writes)"
        )
    values = {}
    for item in fields(CloudConfig):
        values[item.name] = options.get(item.name) or os.environ.get(ENVIRONMENT[item.name]) or stored.get(item.name)
    values["datastore"] = values["datastore"] or DEFAULT_DATASTORE
    for name, value in values.items():
        if value is not None and not _plain(value, registry=name == "registry"):
            flag = "--" + name.removesuffix("_id").replace("_", "-")
            raise CloudConfigError(
                f"{flag} {value!r} is not an Azure name (no spaces, slashes, ? or #; a registry is a host, no https://)"
            )
    return CloudConfig(**values)


def save_config(config: CloudConfig) -> Path:
    """Write the config file (no secrets: there are none in it)."""
    stored = {k: v for k, v in asdict(config).items() if v}
    return write_text_atomic(config_path(), json.dumps(stored, indent=2) + "\n")  # a failed write keeps the old


def require_workspace(config: CloudConfig) -> None:
    """Check that the workspace settings are all there.

    Raises:
        CloudConfigError: Naming the settings that are missing.
    """
    missing = [
        flag
        for flag, value in (
            ("--subscription", config.subscription_id),
            ("--resource-group", config.resource_group),
            ("--workspace", config.workspace),
        )
        if not value
    ]
    if missing:
        raise CloudConfigError(
            f"no Azure ML workspace configured ({', '.join(missing)} missing)",
            "run `runner cloud configure` or set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE",
        )
