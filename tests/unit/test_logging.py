"""Log records carry the current request id; the JSON format writes one object per line."""

from __future__ import annotations

import io
import json
import logging

from application.ports import REQUEST_ID
from entrypoints.logging import JsonFormatter, install_request_ids


def _logger(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    install_request_ids()
    logger = logging.getLogger(f"meridian.test.{id(stream)}")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def test_json_lines_carry_the_request_id_and_the_exception() -> None:
    stream = io.StringIO()
    logger = _logger(stream, JsonFormatter())
    logger.info("outside any request")
    token = REQUEST_ID.set("req-42")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed with %s", "style")
    finally:
        REQUEST_ID.reset(token)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "outside any request" and "request_id" not in first
    assert (second["level"], second["message"], second["request_id"]) == (
        "ERROR",
        "failed with style",
        "req-42",
    )
    assert "ValueError: boom" in second["exception"]
    assert second["time"].endswith("+00:00") and second["logger"].startswith("meridian.test")


def test_text_lines_name_the_request_when_there_is_one() -> None:
    stream = io.StringIO()
    logger = _logger(stream, logging.Formatter("%(name)s%(request)s: %(message)s"))
    logger.info("before")
    token = REQUEST_ID.set("req-7")
    try:
        logger.info("during")
    finally:
        REQUEST_ID.reset(token)
    before, during = stream.getvalue().splitlines()
    assert before.endswith(": before") and "[" not in before
    assert during.endswith(" [req-7]: during")
