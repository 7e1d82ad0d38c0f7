"""The edge to Azure: an MLClient per workspace, Azure SDK calls with their errors as one ``BackendError``.

Credentials come from azure-identity's DefaultAzureCredential (``az login``, a managed identity, or the
``AZURE_CLIENT_ID`` / ``AZURE_TENANT_ID`` / ``AZURE_CLIENT_SECRET`` variables); nothing here stores them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.backends.base import BackendError
from runner.details import AzureMLDetails


def ml_client(subscription_id: str, resource_group: str, workspace: str) -> Any:
    """An MLClient with DefaultAzureCredential (imported lazily: the SDK is slow to import)."""
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    return MLClient(DefaultAzureCredential(), subscription_id, resource_group, workspace)


def azure_error_line(exc: Exception) -> tuple[str, str]:
    """Reduce an Azure SDK error to one line and a hint."""
    from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError

    text = " ".join(str(exc).split())
    if isinstance(exc, ClientAuthenticationError) or "CredentialUnavailable" in type(exc).__name__:
        return (
            "no usable Azure credentials (or the login expired)",
            "run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET",
        )
    if isinstance(exc, ResourceNotFoundError):
        return (f"Azure says not found: {text[:160]}", "check --workspace, --compute and --resource-group")
    return (f"Azure request failed: {text[:200]}", "see `runner cloud configure --help`")


def call(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the Azure SDK.

    Raises:
        BackendError: Its error as one line naming what was wrong, with the fix.
    """
    try:
        return action(*args, **kwargs)
    except Exception as exc:  # the SDK raises many types; each becomes one line
        message, hint = azure_error_line(exc)
        raise BackendError(message, hint) from exc


def workspace_client(details: AzureMLDetails) -> Any:
    """The MLClient of the workspace a cloud job was submitted to."""
    return ml_client(details.subscription_id, details.resource_group, details.workspace)


def upload_folder(
    client: Any, datastore: str, folder: Path, to: str, uploaded: Callable[[Path], None] = lambda path: None
) -> list[Path]:
    """Upload every file under ``folder`` to the path ``to`` on a workspace datastore (blob storage).

    Args:
        client: The workspace's MLClient.
        datastore: The datastore's name.
        folder: The local folder.
        to: The path on the datastore.
        uploaded: Called after each file (progress).

    Returns:
        The files uploaded.

    Raises:
        BackendError: No such folder, or Azure refused a request.
    """
    from azure.identity import DefaultAzureCredential
    from azure.storage.blob import ContainerClient

    if not folder.is_dir():
        raise BackendError(f"{folder}: no such folder", "give a local folder to upload")
    store = call(client.datastores.get, datastore)
    container = ContainerClient(
        f"https://{store.account_name}.blob.{store.endpoint}", store.container_name, credential=DefaultAzureCredential()
    )
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    for path in files:
        with open(path, "rb") as data:
            call(container.upload_blob, f"{to.strip('/')}/{path.relative_to(folder)}", data, overwrite=True)
        uploaded(path)
    return files
