"""The official client, unchanged, managing and using license keys on a running Meridian. Keys
are issued by granting the license-keys benefit, a job: the test does the job's work (in the
database the API uses, through the grant service), as the worker would."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import BadRequest, NotPermitted, ResourceNotFound

from adapters.clock import SystemClock
from adapters.memory.fakes import RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from application.benefit_grants.service import BenefitGrantService
from entrypoints.container import repositories_for
from entrypoints.modules import MODULES
from entrypoints.modules.benefits import BENEFIT_STRATEGIES
from tests.e2e.conftest import ORGANIZATION, OWNER
from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e


async def _grant(database_url: str, customer_id: str, benefit_id: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        uows = SqlAlchemyUnitOfWorkFactory(
            source=EngineConnectionSource(engine, None),
            clock=SystemClock(),
            queue=RecordingJobQueue(),
            repositories=repositories_for(MODULES, "sqlalchemy"),
        )
        service = BenefitGrantService(SystemClock(), {s.type: s for s in BENEFIT_STRATEGIES})
        async with uows.write() as uow:
            grant = await service.grant(
                uow, customer_id=uuid.UUID(customer_id), benefit_id=uuid.UUID(benefit_id)
            )
            await uow.commit()
        assert grant is not None and grant.is_granted
    finally:
        await engine.dispose()


async def test_polar_sdk_uses_license_keys(base_env: dict[str, str]) -> None:
    api = ApiProcess(base_env).start()
    try:
        tokens = bootstrap(base_env, OWNER, ORGANIZATION)
        organization_id = tokens["organization_id"]
        with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
            customer = polar.customers.create(email="licensee@example.com")
            benefit = polar.benefits.create(
                type="license_keys",
                description="Desktop app",
                properties={
                    "prefix": "DESK",
                    "activations": {"limit": 1, "enable_customer_admin": False},
                    "limit_usage": 2,
                },
            )
            await _grant(base_env["MERIDIAN_DATABASE_URL"], customer.id, benefit.id)

            [key] = polar.license_keys.list(benefit_id=benefit.id).items
            assert key.key.startswith("DESK-") and key.customer_id == customer.id
            assert (key.status, key.limit_activations, key.limit_usage) == ("granted", 1, 2)
            grants = polar.benefit_grants.list().items
            assert [(g.customer_id, g.benefit_id) for g in grants] == [(customer.id, benefit.id)]

            validated = polar.license_keys.validate(
                key=key.key, organization_id=organization_id, increment_usage=1
            )
            assert (validated.id, validated.usage, validated.validations) == (key.id, 1, 1)
            with pytest.raises(BadRequest):
                polar.license_keys.validate(
                    key=key.key, organization_id=organization_id, increment_usage=5
                )
            activation = polar.license_keys.activate(
                key=key.key, organization_id=organization_id, label="laptop"
            )
            assert activation.license_key_id == key.id
            with pytest.raises(NotPermitted):
                polar.license_keys.activate(
                    key=key.key, organization_id=organization_id, label="desktop"
                )
            got = polar.license_keys.get(key.id)
            assert [a.id for a in got.activations] == [activation.id]
            assert polar.license_keys.get_activation(key.id, activation.id).label == "laptop"
            polar.license_keys.deactivate(
                key=key.key, organization_id=organization_id, activation_id=activation.id
            )
            assert polar.license_keys.get(key.id).activations == []
            with pytest.raises(ResourceNotFound):
                polar.license_keys.get(str(uuid.uuid4()))
            with pytest.raises(ResourceNotFound):
                polar.license_keys.validate(key="DESK-UNKNOWN", organization_id=organization_id)

        # The customer's software needs no valid token: the key is the capability.
        with Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as customer_side:
            portal = customer_side.customer_portal.license_keys
            validated = portal.validate(key=key.key, organization_id=organization_id)
            assert (validated.id, validated.usage, validated.validations) == (key.id, 1, 2)
            activation = portal.activate(
                key=key.key, organization_id=organization_id, label="desktop"
            )
            portal.deactivate(
                key=key.key, organization_id=organization_id, activation_id=activation.id
            )

        with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
            disabled = polar.license_keys.update(key.id, status="disabled")
            assert disabled.status == "disabled"
            with pytest.raises(ResourceNotFound):
                polar.license_keys.validate(key=key.key, organization_id=organization_id)
    finally:
        api.stop()
