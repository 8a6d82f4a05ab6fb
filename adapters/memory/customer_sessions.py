"""Customer sessions in memory, honouring the same contract as
SqlAlchemyCustomerSessionRepository."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.store import MemoryRepository
from domain.customer_session import CustomerSession


class InMemoryCustomerSessionRepository(MemoryRepository[CustomerSession]):
    table_name = "customer_sessions"

    async def get_usable_by_digest(self, digest: str, now: datetime) -> CustomerSession | None:
        live_customers = self.live_ids("customers")
        live_organizations = self.live_ids("organizations")
        return self.find(
            lambda s: (
                s.token_digest == digest
                and s.expires_at > now
                and s.customer_id in live_customers
                and s.organization_id in live_organizations
            )
        )

    async def delete_expired(self, now: datetime, *, limit: int) -> int:
        due = sorted(
            (s for s in self.rows.values() if s.expires_at <= now), key=lambda s: s.expires_at
        )
        for session in due[:limit]:
            del self.rows[session.id]
        return len(due[:limit])
