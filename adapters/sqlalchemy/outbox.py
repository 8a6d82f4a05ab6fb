"""The outbox relay: sends jobs whose rows were committed but never marked as sent."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from adapters.sqlalchemy.engine import ConnectionSource, begin
from adapters.sqlalchemy.tables import outbox
from application.ports import Clock, Job, JobQueue

log = logging.getLogger("meridian.outbox")


class OutboxRelay:
    """Re-sends undispatched rows older than `grace` (younger ones are still being sent normally).

    Several relays may run at once: rows are claimed with SKIP LOCKED.
    """

    def __init__(
        self,
        source: ConnectionSource,
        queue: JobQueue,
        clock: Clock,
        *,
        grace: timedelta = timedelta(seconds=10),
        batch_size: int = 500,
        keep_dispatched: timedelta = timedelta(days=7),
    ) -> None:
        self.source = source
        self.queue = queue
        self.clock = clock
        self.grace = grace
        self.batch_size = batch_size
        self.keep_dispatched = keep_dispatched

    async def relay_once(self) -> int:
        """Send one batch; returns how many jobs were handed to the queue.

        The rows stay locked while they are sent, so two relays never send the same row at once.
        """
        async with self.source.connect(write=True) as connection:
            transaction = await begin(connection)
            try:
                rows = (
                    await connection.execute(
                        select(
                            outbox.c.id,
                            outbox.c.job_name,
                            outbox.c.arguments,
                            outbox.c.request_id,
                        )
                        .where(outbox.c.dispatched_at.is_(None))
                        .where(outbox.c.created_at < self.clock.now() - self.grace)
                        .order_by(outbox.c.created_at)
                        .limit(self.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                sent = []
                for row in rows:
                    try:
                        await self.queue.send(
                            Job(
                                id=row.id,
                                name=row.job_name,
                                arguments=row.arguments,
                                request_id=row.request_id,
                            )
                        )
                    except Exception:
                        log.warning("outbox relay could not send %s", row.id, exc_info=True)
                        continue
                    sent.append(row.id)
                if rows:
                    await connection.execute(
                        update(outbox)
                        .where(outbox.c.id.in_([r.id for r in rows]))
                        .values(attempts=outbox.c.attempts + 1)
                    )
                if sent:
                    await connection.execute(
                        update(outbox)
                        .where(outbox.c.id.in_(sent))
                        .values(dispatched_at=self.clock.now())
                    )
                await transaction.commit()
            except BaseException:
                if transaction.is_active:
                    await transaction.rollback()
                raise
            return len(sent)

    async def prune(self) -> int:
        """Delete rows sent longer ago than `keep_dispatched`."""
        async with self.source.connect(write=True) as connection:
            transaction = await begin(connection)
            result = await connection.execute(
                delete(outbox).where(
                    outbox.c.dispatched_at < self.clock.now() - self.keep_dispatched
                )
            )
            await transaction.commit()
            return int(result.rowcount)
