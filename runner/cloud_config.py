"""Azure ML settings: options, then environment variables, then the config file ``runner cloud configure`` writes.

Credentials are never stored here: they come from azure-identity's DefaultAzureCredential (``az login``,
managed identity, or the ``AZURE_CLIENT_ID`` / ``AZURE_TENANT_ID`` / ``AZURE_CLIENT_SECRET`` variables).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import model_validator

from runner.errors import RunnerError
from runner.images import IMAGE_NAME
from runner.site_settings import SiteSettings, setting

DEFAULT_DATASTORE = "workspaceblobstore"


class CloudConfigError(RunnerError):
    """The cloud config file cannot be read; the message names it."""

    hint = "fix or remove it, then run `runner cloud configure` again"


def _plain(value: str, *, registry: bool = False) -> bool:
    """Whether a setting can go into Azure's URLs as it is (a registry may hold a namespace after its host)."""
    banned = "?#\\" if registry else "?#\\/"
    return bool(value.strip()) and "://" not in value and not any(c.isspace() or c in banned for c in value)


class CloudConfig(SiteSettings):
    """Where cloud jobs go."""

    FILE_VARIABLE: ClassVar[str] = "RUNNER_CLOUD_CONFIG"
    FILE_NAME: ClassVar[str] = "cloud.json"

    subscription_id: str | None = setting("AZURE_SUBSCRIPTION_ID", "ID", "Azure subscription id", flag="--subscription")
    """The Azure subscription that holds the workspace."""
    resource_group: str | None = setting("AZURE_RESOURCE_GROUP", "NAME", "Resource group of the workspace")
    workspace: str | None = setting("AZUREML_WORKSPACE", "NAME", "Azure ML workspace")
    compute: str | None = setting("AZUREML_COMPUTE", "CLUSTER", "Compute cluster")
    """The compute cluster jobs run on (``runner cloud submit --compute`` chooses one per job)."""
    datastore: str = setting("AZUREML_DATASTORE", "NAME", "Datastore", DEFAULT_DATASTORE)
    """The datastore ``runner cloud upload`` writes to and jobs mount."""
    registry: str | None = setting("RUNNER_REGISTRY", "REGISTRY", "Image registry, e.g. myacr.azurecr.io")
    """The registry ``runner build --push`` pushes to: the host of the default image."""

    @classmethod
    def file_error(cls, path: Path, reason: str | None) -> RunnerError:
        """``PATH: not a readable cloud config (...)`` or ``PATH: not a cloud config (...)``."""
        if reason is None:
            return CloudConfigError(
                f"{path}: not a cloud config (a JSON object of strings, as `runner cloud configure` writes)"
            )
        return CloudConfigError(f"{path}: not a readable cloud config ({reason})")

    @classmethod
    def holds_settings(cls, stored: Any) -> bool:
        """A JSON object of strings."""
        return isinstance(stored, dict) and all(isinstance(value, str) for value in stored.values())

    @model_validator(mode="after")
    def _plain_names(self) -> Self:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is not None and not _plain(value, registry=name == "registry"):
                flag = "--" + name.removesuffix("_id").replace("_", "-")
                raise CloudConfigError(
                    f"{flag} {value!r} is not an Azure name (no spaces, slashes, ? or #; a registry is a host, no "
                    "https://)"
                )
        return self

    def default_image(self) -> str | None:
        """The trainer image in the configured registry (what ``runner build --push`` pushes)."""
        return f"{self.registry.rstrip('/')}/{IMAGE_NAME}" if self.registry else None


load_config = CloudConfig.load
config_path = CloudConfig.config_path


def save_config(config: CloudConfig) -> Path:
    """Write the config file (no secrets: there are none in it)."""
    return config.save()


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
