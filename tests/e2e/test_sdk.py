"""The official client, unchanged, against a running Meridian."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_reads_and_writes_organizations(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        listed = polar.organizations.list()
        assert [o.id for o in listed.items] == [tokens["organization_id"]]
        assert listed.pagination.total_count == 1
        assert listed.pagination.max_page == 1
        organization = polar.organizations.get(tokens["organization_id"])
        assert organization.slug == tokens["organization_slug"] == "sdk-org"
        assert organization.status == "active"
        updated = polar.organizations.update(
            tokens["organization_id"], name="SDK Org Renamed", website="https://sdk.example.com"
        )
        assert updated.name == "SDK Org Renamed"
        with pytest.raises(ResourceNotFound):
            polar.organizations.get(str(uuid.uuid4()))

    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        for i in range(11):
            polar.organizations.create(name=f"Shop {i}", slug=f"shop-{i}-{uuid.uuid4().hex[:6]}")
        everything = list(polar.organizations.iter_list(limit=5))
        assert len(everything) == 12
        assert len({o.id for o in everything}) == 12
        by_slug = polar.organizations.list(slug="sdk-org")
        assert [o.name for o in by_slug.items] == ["SDK Org Renamed"]
        with pytest.raises(HTTPValidationError):
            polar.organizations.create(name="Duplicate", slug="sdk-org")
