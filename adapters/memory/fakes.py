"""Small in-memory adapters for clocks, queues and token usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports import Job


class FrozenClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


class RecordingJobQueue:
    """Keeps every job sent, in order; optionally fails to simulate a broker outage."""

    def __init__(self) -> None:
        self.sent: list[Job] = []
        self.failing = False

    async def send(self, job: Job) -> None:
        if self.failing:
            raise ConnectionError("queue unavailable")
        self.sent.append(job)
