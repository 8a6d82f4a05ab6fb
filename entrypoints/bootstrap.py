"""The first user, organization and tokens: `meridian bootstrap`, and the API's own start-up
with the memory adapters (which no other process can reach)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entrypoints.container import Container


async def bootstrap(container: Container, *, email: str, organization: str) -> dict[str, str]:
    """Create (or reuse) the user and the organization and issue a pair of tokens: what
    `meridian bootstrap` prints, as JSON values."""
    service = container.bootstrap_service()
    async with container.uow_factory().write() as uow:
        result = await service.bootstrap(uow, email=email, organization_name=organization)
        await uow.commit()
    return {
        "user_id": str(result.user_id),
        "organization_id": str(result.organization_id),
        "organization_slug": result.organization_slug,
        "personal_access_token": result.personal_access_token,
        "organization_access_token": result.organization_access_token,
    }
