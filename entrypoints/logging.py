"""Log lines: human-readable by default, one JSON object per line with MERIDIAN_LOG_FORMAT=json.

Every record carries `request_id`, the X-Request-Id of the request being served or of the
request behind the job being run (application.ports.REQUEST_ID), so the lines of a request and
of all the work it caused can be found together.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from application.ports import REQUEST_ID

_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s%(request)s: %(message)s"


def _with_request_id(factory: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        request_id = REQUEST_ID.get()
        record.request_id = request_id
        record.request = f" [{request_id}]" if request_id else ""
        return record

    make.meridian = True  # type: ignore[attr-defined]
    return make


def install_request_ids() -> None:
    """Stamp every log record, whichever logger or handler, with the current request id."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "meridian", False):
        logging.setLogRecordFactory(_with_request_id(factory))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and request_id when there is
    one (exception and stack text under `exception` / `stack`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    install_request_ids()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # taskiq logs every message at INFO; keep the start-up lines readable.
    logging.getLogger("taskiq").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # httpx logs every webhook request at INFO; deliveries are recorded (and logged on failure).
    logging.getLogger("httpx").setLevel(logging.WARNING)
