from __future__ import annotations

import uuid

import httpx
import pytest

from application.auth import Scope
from domain.membership import MemberRole
from tests.harness import Seeder


class TestListOrganizations:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organizations/")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "Unauthorized"

    async def test_unknown_token(self, client: httpx.AsyncClient) -> None:
        for token in ("polar_oat_doesnotexist", "polar_pat_doesnotexist", "garbage"):
            response = await client.get(
                "/v1/organizations/", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, token

    async def test_lists_only_own(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.get("/v1/organizations/", headers=mine.headers(subject_kind))
        assert response.status_code == 200
        body = response.json()
        ids = [item["id"] for item in body["items"]]
        assert ids == [str(mine.organization.id)]
        assert str(other.organization.id) not in ids
        assert body["pagination"] == {"total_count": 1, "max_page": 1}

    async def test_user_sees_every_membership(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        second = await client.post(
            "/v1/organizations/",
            json={"name": "Second", "slug": f"second-{uuid.uuid4().hex[:8]}"},
            headers=tenant.headers("user"),
        )
        assert second.status_code == 201
        response = await client.get(
            "/v1/organizations/", params={"sorting": "-created_at"}, headers=tenant.headers("user")
        )
        ids = [item["id"] for item in response.json()["items"]]
        assert set(ids) == {str(tenant.organization.id), second.json()["id"]}

    async def test_slug_filter_and_sorting(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        for slug in ("bbb-org", "aaa-org", "ccc-org"):
            created = await client.post(
                "/v1/organizations/",
                json={"name": slug.upper(), "slug": f"{slug}-{uuid.uuid4().hex[:4]}"},
                headers=tenant.headers("user"),
            )
            assert created.status_code == 201, created.text
        response = await client.get(
            "/v1/organizations/", params=[("sorting", "slug")], headers=tenant.headers("user")
        )
        slugs = [item["slug"] for item in response.json()["items"]]
        assert slugs == sorted(slugs)
        response = await client.get(
            "/v1/organizations/", params=[("sorting", "-slug")], headers=tenant.headers("user")
        )
        assert [item["slug"] for item in response.json()["items"]] == sorted(slugs, reverse=True)
        one = slugs[0]
        response = await client.get(
            "/v1/organizations/", params={"slug": one}, headers=tenant.headers("user")
        )
        assert [item["slug"] for item in response.json()["items"]] == [one]

    async def test_pagination(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        for i in range(4):
            await client.post(
                "/v1/organizations/",
                json={"name": f"Org {i}", "slug": f"page-{i}-{uuid.uuid4().hex[:6]}"},
                headers=tenant.headers("user"),
            )
        seen: list[str] = []
        for page in (1, 2, 3):
            response = await client.get(
                "/v1/organizations/",
                params={"page": page, "limit": 2},
                headers=tenant.headers("user"),
            )
            body = response.json()
            assert body["pagination"] == {"total_count": 5, "max_page": 3}
            seen.extend(item["id"] for item in body["items"])
        assert len(seen) == len(set(seen)) == 5
        beyond = await client.get(
            "/v1/organizations/", params={"page": 9, "limit": 2}, headers=tenant.headers("user")
        )
        assert beyond.json() == {"items": [], "pagination": {"total_count": 5, "max_page": 3}}

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        response = await client.get("/v1/organizations/", headers=tenant.headers(subject_kind))
        assert response.status_code == 403
        assert response.json()["error"] == "NotPermitted"

    async def test_write_scope_reads(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.organizations_write])
        response = await client.get("/v1/organizations/", headers=tenant.headers(subject_kind))
        assert response.status_code == 200


class TestGetOrganization:
    async def test_own(self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str) -> None:
        tenant = await seeder.tenant()
        response = await client.get(
            f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == str(tenant.organization.id)
        assert body["slug"] == tenant.organization.slug
        # Keys typed `X | None` without a default must be present, as null.
        for key in (
            "avatar_url",
            "email",
            "website",
            "details_submitted_at",
            "account_id",
            "country",
        ):
            assert key in body
            assert body[key] is None
        assert body["subscription_settings"]["proration_behavior"] == "prorate"
        assert body["capabilities"]["api_access"] is True

    async def test_other_tenant_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.get(
            f"/v1/organizations/{other.organization.id}", headers=mine.headers(subject_kind)
        )
        assert response.status_code == 404
        assert response.json() == {"error": "ResourceNotFound", "detail": "Organization not found."}

    async def test_unknown_id(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        response = await client.get(
            f"/v1/organizations/{uuid.uuid4()}", headers=tenant.headers("user")
        )
        assert response.status_code == 404


class TestCreateOrganization:
    async def test_creator_becomes_owner(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        slug = f"new-{uuid.uuid4().hex[:8]}"
        response = await client.post(
            "/v1/organizations/",
            json={
                "name": "New Org",
                "slug": slug,
                "email": "support@example.com",
                "website": "https://example.com",
                "socials": [{"platform": "github", "url": "https://github.com/example"}],
                "subscription_settings": {
                    "allow_multiple_subscriptions": True,
                    "proration_behavior": "invoice",
                    "benefit_revocation_grace_period": 3,
                    "prevent_trial_abuse": True,
                },
            },
            headers=tenant.headers("user"),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["slug"] == slug
        assert body["socials"] == [{"platform": "github", "url": "https://github.com/example"}]
        assert body["subscription_settings"]["proration_behavior"] == "invoice"
        assert body["proration_behavior"] == "invoice"
        # Owner: may delete it.
        deleted = await client.delete(
            f"/v1/organizations/{body['id']}", headers=tenant.headers("user")
        )
        assert deleted.status_code == 204

    async def test_organization_token_cannot_create(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/organizations/",
            json={"name": "X", "slug": f"x-{uuid.uuid4().hex[:8]}"},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 403

    async def test_duplicate_slug_names_the_field(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/organizations/",
            json={"name": "Dup", "slug": tenant.organization.slug},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "slug"]
        assert "already exists" in error["msg"]

    @pytest.mark.parametrize(
        ("slug", "reason"),
        [
            ("ab", "short"),
            ("Has-Upper", "case"),
            ("trailing-", "hyphen"),
            ("api", "reserved"),
            ("a--b", "double"),
        ],
    )
    async def test_invalid_slug(
        self, client: httpx.AsyncClient, seeder: Seeder, slug: str, reason: str
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/organizations/", json={"name": "Bad", "slug": slug}, headers=tenant.headers("user")
        )
        assert response.status_code == 422, reason
        assert response.json()["detail"][0]["loc"][-1] == "slug"


class TestUpdateOrganization:
    async def test_update(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={
                "name": "Renamed",
                "website": "https://renamed.example.com",
                "embed_hosts": ["shop.example.com"],
            },
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["name"] == "Renamed"
        assert body["website"] == "https://renamed.example.com/"
        assert body["embed_hosts"] == ["shop.example.com"]
        assert body["modified_at"] is not None
        again = await client.get(
            f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers(subject_kind)
        )
        assert again.json()["name"] == "Renamed"

    async def test_other_tenant(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.patch(
            f"/v1/organizations/{other.organization.id}",
            json={"name": "Hijack"},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        check = await client.get(
            f"/v1/organizations/{other.organization.id}", headers=other.headers("user")
        )
        assert check.json()["name"] != "Hijack"

    async def test_plain_member_is_not_permitted(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        member = (await seeder.member(tenant, MemberRole.member)).token
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"name": "Nope"},
            headers={"Authorization": f"Bearer {member}"},
        )
        assert response.status_code == 403

    async def test_read_scope_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.organizations_read])
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"name": "Nope"},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 403


class TestDeleteOrganization:
    async def test_owner_deletes_and_tokens_are_revoked(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        extra = await client.post(
            "/v1/organization-access-tokens/",
            json={
                "organization_id": str(tenant.organization.id),
                "comment": "ci",
                "scopes": ["products:read"],
            },
            headers=tenant.headers("user"),
        )
        assert extra.status_code == 201
        response = await client.delete(
            f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers("user")
        )
        assert response.status_code == 204
        # Gone for everyone, and its tokens no longer authenticate.
        assert (
            await client.get(
                f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers("user")
            )
        ).status_code == 404
        assert (
            await client.get("/v1/organizations/", headers=tenant.headers("organization"))
        ).status_code == 401
        # The organization.deleted job (run through the outbox) revoked the tokens' rows.
        listed = await client.get("/v1/organizations/", headers=tenant.headers("user"))
        assert listed.json()["pagination"]["total_count"] == 0

    async def test_admin_cannot_delete(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        admin = (await seeder.member(tenant, MemberRole.admin)).token
        response = await client.delete(
            f"/v1/organizations/{tenant.organization.id}",
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert response.status_code == 403

    async def test_organization_token_cannot_delete(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.delete(
            f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers("organization")
        )
        assert response.status_code == 403

    async def test_other_tenant(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.delete(
            f"/v1/organizations/{other.organization.id}", headers=mine.headers("user")
        )
        assert response.status_code == 404
