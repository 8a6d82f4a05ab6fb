"""The httpx WebhookSender against a real HTTP server on 127.0.0.1: what it keeps of an answer,
redirects not followed, the timeout, unreachable receivers, Retry-After; and the resolver."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from adapters.http.webhooks import HttpxWebhookSender, SystemAddressResolver, parse_retry_after
from tests import services
from tests.receiver import Received, Receiver


async def test_a_2xx_with_its_excerpt_and_the_request_as_sent() -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (202, {}, "é".encode() * 3000)
        outcome = await HttpxWebhookSender().send(
            receiver.url, {"webhook-id": "abc", "content-type": "application/json"}, b'{"a":1}'
        )
        (request,) = receiver.requests()
    assert outcome.succeeded and outcome.http_code == 202
    assert outcome.response is not None and len(outcome.response.encode()) <= 2048 + 3
    assert request.body == b'{"a":1}' and request.headers["webhook-id"] == "abc"


async def test_a_pinned_address_is_where_the_connection_goes() -> None:
    """With `address`, the host is not resolved again: a name that resolves nowhere (.invalid)
    still reaches the receiver at the address given, and the request still names the host."""
    with Receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        url = f"http://receiver.invalid:{port}/hook"
        outcome = await HttpxWebhookSender().send(url, {}, b"{}", address="127.0.0.1")
        unpinned = await HttpxWebhookSender().send(url, {}, b"{}")
        (request,) = receiver.requests()
    assert outcome.succeeded, outcome.response
    assert request.headers["host"] == f"receiver.invalid:{port}"
    assert unpinned.http_code is None  # Resolving the name itself fails.


@pytest.mark.parametrize("tail", ["/a\r\nX-Injected: 1", "/a\x7f"])
async def test_a_url_httpx_refuses_is_a_failed_outcome(tail: str) -> None:
    with Receiver() as receiver:
        outcome = await HttpxWebhookSender().send(receiver.url + tail, {}, b"{}")
        assert receiver.requests() == []
    assert (outcome.succeeded, outcome.http_code) == (False, None)
    assert "InvalidURL" in (outcome.response or "")


async def test_redirects_are_failures_not_followed() -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (302, {"Location": "http://169.254.169.254/"}, b"")
        outcome = await HttpxWebhookSender().send(receiver.url, {}, b"{}")
        assert len(receiver.requests()) == 1
    assert (outcome.succeeded, outcome.http_code) == (False, 302)


async def test_timeout_and_unreachable() -> None:
    def slow(request: Received) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return 200, {}, b"late"

    with Receiver() as receiver:
        receiver.respond = slow
        started = time.monotonic()
        outcome = await HttpxWebhookSender(timeout=0.5).send(receiver.url, {}, b"{}")
        assert time.monotonic() - started < 1.4
    assert outcome.http_code is None and "Timed out" in (outcome.response or "")
    closed = f"http://127.0.0.1:{services.free_port()}/hook"
    outcome = await HttpxWebhookSender().send(closed, {}, b"{}")
    assert outcome.http_code is None and outcome.response


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after(code: int) -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (code, {"Retry-After": "120"}, b"busy")
        outcome = await HttpxWebhookSender().send(receiver.url, {}, b"{}")
    assert (outcome.http_code, outcome.retry_after) == (code, 120.0)


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    later = format_datetime(now + timedelta(minutes=2), usegmt=True)
    assert parse_retry_after(later, now) == 120.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


async def test_resolver() -> None:
    resolver = SystemAddressResolver()
    assert await resolver.resolve("127.0.0.1") == ["127.0.0.1"]
    assert await resolver.resolve("[::1]") == ["::1"]
    assert "127.0.0.1" in await resolver.resolve("localhost")
    with pytest.raises((LookupError, OSError)):
        await resolver.resolve("no-such-host.invalid")


def _certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for `host`, and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_a_pinned_https_send_still_checks_the_hosts_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS the pinned connection still names the host: the server sees it as the server
    name, and a certificate for another name is refused."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert, key = _certificate(tmp_path, "hooks.test")
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    # The sender's TLS context trusts what SSL_CERT_FILE names, as httpx's does.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        sender = HttpxWebhookSender(timeout=5)
        good = await sender.send(f"https://hooks.test:{port}/in", {}, b"{}", address="127.0.0.1")
        wrong = await sender.send(f"https://other.test:{port}/in", {}, b"{}", address="127.0.0.1")
        await sender.close()
    finally:
        server.shutdown()
        server.server_close()
    assert (good.http_code, good.response) == (200, "ok")
    assert wrong.http_code is None and "certificate" in (wrong.response or "").lower()
    assert server_names[:2] == ["hooks.test", "other.test"]
