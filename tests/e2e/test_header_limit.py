"""`meridian api` caps the size of a request's head (its line and headers): past the cap it
answers 431 without reading the rest, and stays up for everyone else."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e

LIMIT = 16 * 1024


@pytest.fixture(scope="module")
def api() -> Iterator[ApiProcess]:
    env = {
        "MERIDIAN_ENV": "development",
        "MERIDIAN_ADAPTERS": "memory",
        "MERIDIAN_MAX_HEADER_SIZE": str(LIMIT),
    }
    process = ApiProcess(env).start()
    try:
        yield process
    finally:
        process.stop()


def _connect(api: ApiProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", api.port), timeout=10)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one response `sock` receives (then closed or not)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of the body"
        body += chunk
    return int(status_line.split()[1]), headers, body[:length]


def _assert_431(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 431, body
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    document = json.loads(body)
    assert document["error"] == "RequestHeaderFieldsTooLarge"
    assert str(LIMIT) in document["detail"]


def test_an_unfinished_head_over_the_cap_is_answered_at_once(api: ApiProcess) -> None:
    # The head never ends: an uncapped server keeps waiting for the rest of it.
    with _connect(api) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (LIMIT + 1024))
        _assert_431(*_read_response(sock))


def test_a_100_mb_header_is_not_read(api: ApiProcess) -> None:
    """The client is still sending when the 431 comes back: the server stopped at the cap."""
    total = 100 * 1024 * 1024
    sent = 0
    finished = threading.Event()

    def send(sock: socket.socket) -> None:
        nonlocal sent
        piece = b"a" * 65536
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            while sent < total and not finished.is_set():
                sock.sendall(piece)
                sent += len(piece)
                time.sleep(0.001)  # at most ~64 MB/s: the whole header takes over 1.5 s
        except OSError:
            pass  # the server closed the connection

    with _connect(api) as sock:
        sender = threading.Thread(target=send, args=(sock,), daemon=True)
        sender.start()
        response = _read_response(sock)
        received_after = sent
        finished.set()
        sender.join(10)
    _assert_431(*response)
    assert received_after < total, "the answer came only once the whole header was sent"


def test_many_headers_count_together(api: ApiProcess) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(LIMIT // 100)}
    response = httpx.get(f"{api.base_url}/healthz", headers=headers, timeout=10)
    assert response.status_code == 431
    assert response.json()["error"] == "RequestHeaderFieldsTooLarge"


def test_a_head_under_the_cap_is_served_and_the_server_stays_up(api: ApiProcess) -> None:
    for _ in range(3):
        with _connect(api) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (LIMIT * 2))
            _assert_431(*_read_response(sock))
    started = time.monotonic()
    # Under the cap, a large header is fine, and a keep-alive connection serves several
    # requests (the count starts again with each request).
    with httpx.Client(base_url=api.base_url, timeout=10) as client:
        for _ in range(3):
            response = client.get("/healthz", headers={"X-Big": "a" * (LIMIT // 2)})
            assert response.status_code == 200
            # A body is not a head: one well over the cap, sent with its head in one write.
            response = client.post("/v1/organizations/", content=b"x" * (LIMIT * 8))
            assert response.status_code == 401
    assert time.monotonic() - started < 5
