from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from application.auth import Scope
from domain.membership import MemberRole
from tests.harness import Seeder, ShiftableClock

PATH = "/v1/organization-access-tokens/"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> httpx.Response:
    payload = {"comment": "deploy", "scopes": ["products:read"], **body}
    return await client.post(PATH, json=payload, headers=headers)


class TestCreate:
    async def test_create_and_use(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        extra = {"organization_id": str(tenant.organization.id)} if subject_kind == "user" else {}
        response = await _create(
            client,
            tenant.headers(subject_kind),
            scopes=["organizations:read"],
            expires_in=3600,
            **extra,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        token = body["token"]
        assert token.startswith("polar_oat_")
        record = body["organization_access_token"]
        assert record["organization_id"] == str(tenant.organization.id)
        assert record["scopes"] == ["organizations:read"]
        assert record["expires_at"] is not None
        assert record["last_used_at"] is None
        used = await client.get("/v1/organizations/", headers=_bearer(token))
        assert used.status_code == 200
        assert [o["id"] for o in used.json()["items"]] == [str(tenant.organization.id)]

    async def test_user_without_organization_id(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await _create(client, tenant.headers("user"))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "organization_id"]

    async def test_polar_organization_header(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = {**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)}
        response = await _create(client, headers)
        assert response.status_code == 201, response.text

    async def test_a_polar_organization_header_that_is_no_uuid_is_422_and_creates_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        # The handler reads the header itself (a declared header cost FastAPI's validation):
        # the answer must stay the one the declared header gave.
        tenant = await seeder.tenant()
        headers = {**tenant.headers("user"), "Polar-Organization": "nope"}

        async def count() -> int:
            listed = await client.get(
                "/v1/organization-access-tokens/", headers=tenant.headers("organization")
            )
            return int(listed.json()["pagination"]["total_count"])

        before = await count()
        response = await _create(client, headers)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert (error["type"], error["loc"], error["input"]) == (
            "uuid_parsing",
            ["header", "polar-organization"],
            "nope",
        )
        assert await count() == before

    async def test_scopes_must_be_a_subset(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(
            scopes=[Scope.organization_access_tokens_write, Scope.products_read]
        )
        extra = {"organization_id": str(tenant.organization.id)} if subject_kind == "user" else {}
        response = await _create(
            client, tenant.headers(subject_kind), scopes=["products:write"], **extra
        )
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "scopes"]
        assert "products:write" in error["msg"]
        ok = await _create(client, tenant.headers(subject_kind), scopes=["products:read"], **extra)
        assert ok.status_code == 201

    async def test_other_tenant_organization_id(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await _create(
            client, mine.headers(subject_kind), organization_id=str(other.organization.id)
        )
        assert response.status_code == 404
        listed = await client.get(PATH, headers=other.headers("user"))
        assert listed.json()["pagination"]["total_count"] == 1  # only the seeded token

    async def test_unknown_scope(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        response = await _create(client, tenant.headers("organization"), scopes=["root:all"])
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][:2] == ["body", "scopes"]

    async def test_member_cannot_create(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        member = (await seeder.member(tenant, MemberRole.member)).token
        response = await _create(
            client, _bearer(member), organization_id=str(tenant.organization.id)
        )
        assert response.status_code == 403

    async def test_requires_write_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.organization_access_tokens_read])
        response = await _create(
            client, tenant.headers(subject_kind), organization_id=str(tenant.organization.id)
        )
        assert response.status_code == 403


class TestList:
    async def test_only_own_tokens(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.get(PATH, headers=mine.headers(subject_kind))
        assert response.status_code == 200
        body = response.json()
        assert body["pagination"]["total_count"] == 1
        assert {t["organization_id"] for t in body["items"]} == {str(mine.organization.id)}
        filtered = await client.get(
            PATH,
            params={"organization_id": str(other.organization.id)},
            headers=mine.headers(subject_kind),
        )
        assert filtered.json()["pagination"]["total_count"] == 0

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get(PATH)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


class TestUpdate:
    async def test_update(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = (
            await _create(
                client, tenant.headers("user"), organization_id=str(tenant.organization.id)
            )
        ).json()
        token_id = created["organization_access_token"]["id"]
        response = await client.patch(
            f"/v1/organization-access-tokens/{token_id}",
            json={"comment": "renamed", "scopes": ["products:read", "products:write"]},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        assert response.json()["comment"] == "renamed"
        assert response.json()["scopes"] == ["products:read", "products:write"]

    async def test_other_tenant(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        created = (await _create(client, other.headers("organization"))).json()
        token_id = created["organization_access_token"]["id"]
        response = await client.patch(
            f"/v1/organization-access-tokens/{token_id}",
            json={"comment": "x"},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404


class TestRevoke:
    async def test_revoked_token_is_refused(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = (
            await _create(client, tenant.headers("organization"), scopes=["organizations:read"])
        ).json()
        token, token_id = created["token"], created["organization_access_token"]["id"]
        assert (await client.get("/v1/organizations/", headers=_bearer(token))).status_code == 200
        response = await client.delete(
            f"/v1/organization-access-tokens/{token_id}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 204
        refused = await client.get("/v1/organizations/", headers=_bearer(token))
        assert refused.status_code == 401
        again = await client.delete(
            f"/v1/organization-access-tokens/{token_id}", headers=tenant.headers(subject_kind)
        )
        assert again.status_code == 404

    async def test_other_tenant(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        created = (
            await _create(client, other.headers("organization"), scopes=["organizations:read"])
        ).json()
        response = await client.delete(
            f"/v1/organization-access-tokens/{created['organization_access_token']['id']}",
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        assert (
            await client.get("/v1/organizations/", headers=_bearer(created["token"]))
        ).status_code == 200

    async def test_unknown(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        response = await client.delete(
            f"/v1/organization-access-tokens/{uuid.uuid4()}", headers=tenant.headers("user")
        )
        assert response.status_code == 404


class TestExpiry:
    async def test_expired_token_is_refused(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str, clock: ShiftableClock
    ) -> None:
        tenant = await seeder.tenant(expires_in=timedelta(minutes=5))
        assert (
            await client.get("/v1/organizations/", headers=tenant.headers(subject_kind))
        ).status_code == 200
        clock.offset = timedelta(minutes=5, seconds=1)
        response = await client.get("/v1/organizations/", headers=tenant.headers(subject_kind))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


class TestNoStrongerThanItsCreator:
    """A token cannot outlive the credential that creates it, nor change or revoke a token
    holding scopes it does not hold itself."""

    async def test_a_short_lived_credential_cannot_mint_a_longer_lived_token(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(expires_in=timedelta(seconds=30))
        headers = tenant.headers(subject_kind)
        extra = {"organization_id": str(tenant.organization.id)} if subject_kind == "user" else {}
        before = await client.get(PATH, params={"limit": 100}, headers=headers)
        for expires_in in (None, 3600, 31):
            response = await _create(client, headers, expires_in=expires_in, **extra)
            assert response.status_code == 422, response.text
            [error] = response.json()["detail"]
            assert error["loc"] == ["body", "expires_in"]
            assert "expires" in error["msg"]
        after = await client.get(PATH, params={"limit": 100}, headers=headers)
        assert after.json() == before.json()
        response = await _create(client, headers, expires_in=20, **extra)
        assert response.status_code == 201, response.text

    async def test_a_token_cannot_touch_a_token_holding_scopes_it_lacks(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        owner = tenant.headers("organization")
        weak = (await _create(client, owner, scopes=["organization_access_tokens:write"])).json()
        weak_headers = _bearer(weak["token"])
        strong_id = str(tenant.organization_token_id)
        path = f"{PATH}{strong_id}"
        for response in (
            await client.patch(
                path, json={"scopes": ["organization_access_tokens:write"]}, headers=weak_headers
            ),
            await client.patch(path, json={"comment": "mine now"}, headers=weak_headers),
            await client.delete(path, headers=weak_headers),
        ):
            assert response.status_code == 403, response.text
            body = response.json()
            assert body["error"] == "NotPermitted"
            assert "products:write" in body["detail"]
        # The stronger token is as it was, and still works.
        listed = await client.get(PATH, params={"limit": 100}, headers=owner)
        strong = next(t for t in listed.json()["items"] if t["id"] == strong_id)
        assert strong["comment"] == "test" and "products:write" in strong["scopes"]
        assert (await client.get("/v1/products/", headers=owner)).status_code == 200
        # A token it could have issued itself, it may change and revoke; itself too.
        peer = (await _create(client, owner, scopes=["organization_access_tokens:read"])).json()
        peer_path = f"{PATH}{peer['organization_access_token']['id']}"
        renamed = await client.patch(peer_path, json={"comment": "peer"}, headers=weak_headers)
        assert renamed.status_code == 200, renamed.text
        assert (await client.delete(peer_path, headers=weak_headers)).status_code == 204
        own_path = f"{PATH}{weak['organization_access_token']['id']}"
        own = await client.patch(own_path, json={"comment": "me"}, headers=weak_headers)
        assert own.status_code == 200, own.text

    async def test_a_personal_token_with_fewer_scopes_neither(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        member = await seeder.member(
            tenant,
            MemberRole.admin,
            scopes=[Scope.organization_access_tokens_write, Scope.organizations_read],
        )
        path = f"{PATH}{tenant.organization_token_id}"
        response = await client.delete(path, headers=member.headers)
        assert response.status_code == 403
        assert "products:write" in response.json()["detail"]
        assert (await client.get(PATH, headers=tenant.headers("organization"))).status_code == 200
