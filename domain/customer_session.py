"""Customer sessions: a short-lived credential with which a customer uses the customer portal.

Rules kept here:

- A session belongs to one customer (and so to the customer's organization); it is a
  `polar_cst_` token stored only as its digest, shown once when the session is created.
- It lives one hour (`SESSION_TTL`), then authenticates no more; expired sessions are swept.
- It authenticates only while its customer is live (the repositories check it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.base import Entity

SESSION_TTL = timedelta(hours=1)
RETURN_URL_MAX_LENGTH = 2048


@dataclass(kw_only=True)
class CustomerSession(Entity):
    token_digest: str
    customer_id: uuid.UUID
    organization_id: uuid.UUID
    expires_at: datetime
    return_url: str | None = None

    @classmethod
    def open(
        cls,
        *,
        token_digest: str,
        customer_id: uuid.UUID,
        organization_id: uuid.UUID,
        now: datetime,
        return_url: str | None = None,
    ) -> CustomerSession:
        return cls(
            token_digest=token_digest,
            customer_id=customer_id,
            organization_id=organization_id,
            created_at=now,
            expires_at=now + SESSION_TTL,
            return_url=return_url,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.deleted_at is None and self.expires_at > now
