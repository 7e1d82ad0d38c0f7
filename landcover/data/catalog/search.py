"""STAC API search (pystac-client): image items over an area, and the label items under each image.

Planetary Computer asset URLs carry a short-lived signature: when the API is theirs (or ``--sign
planetary-computer``), every item is signed as it arrives with the ``planetary-computer`` package. Transient
HTTP errors (429, 5xx) are retried with back-off; every failure is one :class:`LandcoverError` line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from landcover.io.errors import LandcoverError
from landcover.settings import Signing

RETRY_STATUSES = (429, 500, 502, 503, 504)


def signer(api_url: str, sign: str) -> Callable[[Any], None] | None:
    """The item modifier that signs asset URLs (``sign``: auto, planetary-computer or none), or None."""
    if not Signing(sign).signs(api_url):
        return None
    import planetary_computer

    return planetary_computer.sign_inplace


def _api_failure(api_url: str, exc: Exception) -> LandcoverError:
    """One line for a STAC API that cannot be reached or answers with an error."""
    import requests
    from pystac_client.exceptions import APIError

    chain = [exc, exc.__cause__, exc.__context__]
    connection = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)
    text = str(exc)
    if any(isinstance(e, connection) for e in chain) or "NewConnectionError" in text or "timed out" in text:
        return LandcoverError(f"--stac-api {api_url}: unreachable", "check the address (and that the API is up)")
    if isinstance(exc, requests.exceptions.RetryError):
        return LandcoverError(f"--stac-api {api_url}: kept failing after retries", "try again later")
    if isinstance(exc, APIError):
        status = f"HTTP {exc.status_code}" if getattr(exc, "status_code", None) else "error"
        detail = str(exc).splitlines()[0][:160] if str(exc) else ""
        return LandcoverError(f"--stac-api {api_url}: {status} {detail}".rstrip(), "check the URL and the search")
    return LandcoverError(f"--stac-api {api_url}: {type(exc).__name__}: {str(exc)[:160]}", "check the URL")


class Catalog:
    """An open STAC API with the project's retry, timeout and signing settings."""

    def __init__(self, api_url: str, *, sign: str = "auto", retries: int = 3, timeout_s: float = 30.0) -> None:
        """Open the API (reads its landing page).

        Raises:
            LandcoverError: Unreachable, or not a STAC API.
        """
        import requests
        from pystac_client import Client
        from pystac_client.stac_api_io import StacApiIO
        from urllib3.util.retry import Retry

        self.url = api_url
        retry = Retry(
            total=retries,
            backoff_factor=0.5,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,
            raise_on_status=False,
        )
        stac_io = StacApiIO(max_retries=retry, timeout=timeout_s)
        try:
            self.client = Client.open(api_url, modifier=signer(api_url, sign), stac_io=stac_io)
        except (requests.RequestException, OSError) as exc:
            raise _api_failure(api_url, exc) from exc
        except Exception as exc:  # pystac-client raises APIError and pystac errors for non-STAC answers
            raise _api_failure(api_url, exc) from exc

    def search(
        self,
        collection: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        intersects: dict[str, Any] | None = None,
        ids: list[str] | None = None,
        datetime: str | None = None,
        max_items: int | None = None,
    ) -> list[Any]:
        """The items of one collection matching the area and dates, sorted by id.

        Raises:
            LandcoverError: The API failed or refused the search.
        """
        try:
            search = self.client.search(
                collections=[collection],
                bbox=list(bbox) if bbox else None,
                intersects=intersects,
                ids=ids or None,
                datetime=datetime,
                max_items=max_items,
                limit=100,
            )
            items = list(search.items())
        except Exception as exc:
            raise _api_failure(self.url, exc) from exc
        return sorted(items, key=lambda item: item.id)
