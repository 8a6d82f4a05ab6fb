"""The EmailSender port for now: messages go to the log (a real mail adapter comes later)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

log = logging.getLogger("meridian.email")


class LoggingEmailSender:
    def __init__(self) -> None:
        # The latest messages, for tests and the curious; bounded so it never grows.
        self.sent: deque[tuple[list[str], str, str]] = deque(maxlen=100)

    async def send(self, to: Sequence[str], subject: str, body: str) -> None:
        self.sent.append((list(to), subject, body))
        log.warning("email to %s: %s — %s", ", ".join(to), subject, body)
