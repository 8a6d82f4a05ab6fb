"""Trial redemptions in PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import String, Uuid, bindparam, exists, select

from adapters.sqlalchemy.kit.repository import RepositoryBase
from adapters.sqlalchemy.tables import trial_redemptions
from domain.trial_redemption import TrialRedemption


class SqlAlchemyTrialRedemptionRepository(RepositoryBase[TrialRedemption]):
    table = trial_redemptions
    entity = TrialRedemption

    async def redeemed(self, organization_id: uuid.UUID, customer_email: str) -> bool:
        statement = self.cached(
            lambda: select(
                exists()
                .where(
                    trial_redemptions.c.organization_id == bindparam("organization_id", type_=Uuid),
                    trial_redemptions.c.customer_email == bindparam("customer_email", type_=String),
                )
                .label("redeemed")
            )
        )
        rows = await self.rows(
            statement, {"organization_id": organization_id, "customer_email": customer_email}
        )
        return bool(rows[0]["redeemed"])
