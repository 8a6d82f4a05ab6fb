"""Trial redemptions in memory, honouring the SQL repository's contract."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryRepository
from domain.trial_redemption import TrialRedemption


class InMemoryTrialRedemptionRepository(MemoryRepository[TrialRedemption]):
    table_name = "trial_redemptions"

    async def redeemed(self, organization_id: uuid.UUID, customer_email: str) -> bool:
        return any(
            r.organization_id == organization_id and r.customer_email == customer_email
            for r in self.rows.values()
        )
