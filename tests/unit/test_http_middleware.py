"""The pure ASGI middleware: body limits and request-scoped context managers."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from entrypoints.http.middleware import (
    REQUEST_SCOPES,
    BodySizeLimit,
    RequestScopes,
    enter_for_request,
)


def _scope(http_version: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "http_version": http_version, "path": "/v1/x", "headers": headers}


async def _run(app: Any, scope: Scope, bodies: list[bytes]) -> list[Message]:
    sent: list[Message] = []
    pending = [
        {"type": "http.request", "body": body, "more_body": n < len(bodies) - 1}
        for n, body in enumerate(bodies)
    ]

    async def receive() -> Message:
        return pending.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.mark.parametrize(
    ("http_version", "headers"),
    [
        ("2", []),  # HTTP/2 may stream a body without announcing its length.
        ("1.1", [(b"transfer-encoding", b"chunked")]),
    ],
)
async def test_streamed_bodies_are_cut_at_the_limit(
    http_version: str, headers: list[tuple[bytes, bytes]]
) -> None:
    sent = await _run(BodySizeLimit(_echo, limit=10), _scope(http_version, headers), [b"x" * 6] * 2)
    assert sent[0]["status"] == 413


async def test_http_1_bodies_within_their_announced_length_pass_untouched() -> None:
    scope = _scope("1.1", [(b"content-length", b"6")])
    sent = await _run(BodySizeLimit(_echo, limit=10), scope, [b"x" * 6])
    assert sent[-1]["body"] == b"6"
    announced_too_much = _scope("1.1", [(b"content-length", b"11")])
    assert (await _run(BodySizeLimit(_echo, limit=10), announced_too_much, [b""]))[0][
        "status"
    ] == 413


class _Manager:
    def __init__(self, log: list[str], name: str, fail: bool = False) -> None:
        self.log, self.name, self.fail = log, name, fail

    async def __aenter__(self) -> str:
        self.log.append(f"enter {self.name}")
        return self.name

    async def __aexit__(self, *exc: object) -> None:
        self.log.append(f"exit {self.name} {exc[0].__name__ if exc[0] else None}")
        if self.fail:
            raise RuntimeError(self.name)


async def test_request_scopes_are_left_after_the_response_last_first() -> None:
    log: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await enter_for_request(scope, _Manager(log, "a")) == "a"
        await enter_for_request(scope, _Manager(log, "b", fail=True))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        log.append("sent")

    with pytest.raises(RuntimeError, match="b"):
        await _run(RequestScopes(app), _scope("1.1", []), [b""])
    # One failing exit does not keep the others open.
    assert log == ["enter a", "enter b", "sent", "exit b None", "exit a None"]


async def test_request_scopes_see_the_route_s_exception() -> None:
    log: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await enter_for_request(scope, _Manager(log, "a"))
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await _run(RequestScopes(app), _scope("1.1", []), [b""])
    assert log == ["enter a", "exit a ValueError"]


async def test_entering_without_the_middleware_is_an_error() -> None:
    scope = _scope("1.1", [])
    assert REQUEST_SCOPES not in scope
    with pytest.raises(RuntimeError, match="RequestScopes"):
        await enter_for_request(scope, _Manager([], "a"))
