"""Buffers `last_used_at` updates in the process; a periodic job persists them in one statement."""

from __future__ import annotations

import uuid
from datetime import datetime


class BufferedTokenUsageRecorder:
    def __init__(self) -> None:
        self._pending: dict[str, dict[uuid.UUID, datetime]] = {}

    def record(self, token_kind: str, token_id: uuid.UUID, at: datetime) -> None:
        self._pending.setdefault(token_kind, {})[token_id] = at

    def drain(self) -> dict[str, dict[uuid.UUID, datetime]]:
        pending, self._pending = self._pending, {}
        return pending
