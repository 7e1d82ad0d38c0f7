"""A real HTTP server on 127.0.0.1 that honours Range requests and counts the bytes it serves.

``http.server`` answers every GET with the whole file; GDAL's ``/vsicurl/`` asks for byte ranges, so this
handler answers ``Range: bytes=a-b`` with ``206 Partial Content`` (one range per request, as GDAL asks by
default when multi-range is off) and records how many body bytes went out for each path.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@dataclass
class Traffic:
    """What the server sent: body bytes and requests per path."""

    bytes_served: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, sent: int) -> None:
        with self.lock:
            self.bytes_served[path] += sent
            self.requests[path] += 1

    def reset(self) -> None:
        with self.lock:
            self.bytes_served.clear()
            self.requests.clear()


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Serves files from a directory, honouring single byte ranges; counts what it sends."""

    traffic: Traffic

    def __init__(self, *args, traffic: Traffic, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.traffic = traffic
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the traffic counters instead."""

    def expired_signature(self) -> bool:
        """Answer 403, as Azure Blob Storage does, for a URL whose SAS signature expired (``se`` in the past)."""
        expiry = parse_qs(urlsplit(self.path).query).get("se")
        if not expiry or expiry[0] >= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"):
            return False
        body = b"<Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>"
        self.send_response(HTTPStatus.FORBIDDEN)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)
        self.traffic.add(urlsplit(self.path).path, 0)
        return True

    def do_HEAD(self) -> None:
        if not self.expired_signature():
            super().do_HEAD()

    def do_GET(self) -> None:
        if self.expired_signature():
            return
        path = Path(self.translate_path(self.path))
        match = RANGE.match(self.headers.get("Range", "").strip())
        if not path.is_file() or not match:
            super().do_GET()
            if path.is_file():
                self.traffic.add(self.path, path.stat().st_size)
            return
        size = path.stat().st_size
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(0, size - int(last or 0)), size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return
        with open(path, "rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.traffic.add(self.path, len(body))


@dataclass
class RangeServer:
    """A running server: its base URL and the traffic it has served."""

    url: str
    traffic: Traffic


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[RangeServer]:
    """Serve ``directory`` on a free port of 127.0.0.1 until the block ends."""
    traffic = Traffic()
    handler = partial(RangeRequestHandler, directory=str(directory), traffic=traffic)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RangeServer(f"http://127.0.0.1:{server.server_address[1]}", traffic)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
