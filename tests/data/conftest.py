"""Fixtures for the data tests: synthetic IDX files and a local HTTP server with Range support.

Nothing here reaches the network: the server listens on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import gzip
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


@pytest.fixture
def idx_bytes():
    """A function: a uint8 array -> its IDX file content."""
    return _idx_bytes


@pytest.fixture
def make_split():
    """Write images/labels IDX files of one split into a folder; returns (images, labels)."""

    def make(folder: Path, split: str = "train", n: int = 20, gz: bool = True, seed: int = 0):
        rng = np.random.default_rng(seed)
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".gz" if gz else ""
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            data = _idx_bytes(array)
            (folder / f"{split}-{kind}-ubyte{suffix}").write_bytes(
                gzip.compress(data, mtime=0) if gz else data
            )
        return images, labels

    return make


class _Handler(BaseHTTPRequestHandler):
    """Serves server.files; server.plans[path] lists what to do on successive requests:
    "ok", "fail" (HTTP 503) or "drop" (send half the bytes, then close the connection)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        server = self.server
        range_header = self.headers.get("Range")
        server.requests.append((self.path, range_header))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        plan = server.plans.get(self.path)
        action = plan.pop(0) if plan else "ok"
        if action == "fail":
            self.send_error(503)
            return
        start = int(range_header.split("=")[1].split("-")[0]) if range_header else 0
        if start >= len(body) and range_header:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.end_headers()
            return
        if range_header:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload[: len(payload) // 2] if action == "drop" else payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server():
    """A local file server: set .files[path] = bytes and .plans[path] = [actions]; .url(path)
    gives its address and .requests records (path, Range header) of every request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.files, server.plans, server.requests = {}, {}, []
    server.url = lambda path="/": f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def dead_url() -> str:
    """An address where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
