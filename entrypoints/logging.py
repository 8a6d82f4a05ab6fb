from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # taskiq logs every message at INFO; keep the start-up lines readable.
    logging.getLogger("taskiq").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # httpx logs every webhook request at INFO; deliveries are recorded (and logged on failure).
    logging.getLogger("httpx").setLevel(logging.WARNING)
