"""The composition root: the one place that reads settings and builds adapters."""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import timedelta

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.benefits.custom import CustomBenefit
from adapters.benefits.downloadables import DownloadablesBenefit
from adapters.benefits.license_keys import LicenseKeysBenefit
from adapters.benefits.meter_credit import MeterCreditBenefit
from adapters.cache import TtlCredentialCache
from adapters.clock import SystemClock
from adapters.email.log import LoggingEmailSender
from adapters.embedded.postgres import EmbeddedPostgres
from adapters.http.webhooks import HttpxWebhookSender, SystemAddressResolver
from adapters.localfs.storage import LocalObjectStorage
from adapters.s3.storage import S3ObjectStorage
from adapters.security import HmacTokenHasher
from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine
from adapters.sqlalchemy.outbox import OutboxRelay
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from adapters.taskiq.broker import RetryPolicy, build_broker
from adapters.taskiq.queue import TaskiqJobQueue
from adapters.usage import BufferedTokenUsageRecorder
from application.benefits.ports import BenefitStrategy
from application.benefits.service import BenefitService
from application.bootstrap import BootstrapService
from application.discounts.service import DiscountService
from application.files.ports import ObjectStorage
from application.files.service import FileUseCases
from application.meters.service import MeterService
from application.organizations.service import OrganizationService
from application.ports import Clock
from application.products.service import ProductService
from application.tokens.authentication import AuthenticationService
from application.tokens.service import AccessTokenService
from application.users.service import UserService
from application.webhooks.service import (
    DeliveryPolicy,
    UrlGuard,
    WebhookDeliverer,
    WebhookService,
)
from domain.webhook import RetrySchedule
from entrypoints.settings import Environment, Settings
from entrypoints.webhook_events import build_catalogue

log = logging.getLogger("meridian")


def _database_url(settings: Settings) -> Generator[str, None, None]:
    """The primary database URL; with none configured, an embedded server under the data dir."""
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()


def _read_engine(url: str | None, pool_size: int) -> AsyncEngine | None:
    return create_engine(url, pool_size=pool_size) if url else None


def should_migrate(settings: Settings) -> bool:
    return settings.embedded_database or settings.auto_migrate


def _object_storage(settings: Settings, clock: Clock) -> ObjectStorage:
    """S3 (or MinIO, R2…) when a bucket is configured; files under the data dir otherwise."""
    if settings.s3_bucket:
        return S3ObjectStorage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            public_url=settings.s3_public_url,
            api_base_url=settings.api_base_url,
            presign_endpoint_url=settings.s3_presign_endpoint_url,
        )
    return LocalObjectStorage(
        root=settings.data_dir / "files",
        base_url=settings.api_base_url,
        secret=settings.secret,
        clock=clock,
    )


def _delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        schedule=RetrySchedule(
            tuple(settings.webhook_retry_delays), jitter=settings.webhook_retry_jitter
        ),
        timeout=settings.webhook_timeout,
        order_wait=settings.webhook_order_wait,
        disable_after=settings.webhook_disable_after,
        archive_after=timedelta(days=settings.webhook_archive_after_days),
    )


def _url_guard(settings: Settings, resolver: SystemAddressResolver) -> UrlGuard:
    return UrlGuard(
        resolver,
        require_https=settings.env is Environment.production,
        allow_loopback=settings.webhook_allow_loopback,
    )


# The benefit types this server offers: one strategy each (adapters/benefits/). A new type is a
# new strategy and one line here.
BENEFIT_STRATEGIES: tuple[BenefitStrategy, ...] = (
    CustomBenefit(),
    LicenseKeysBenefit(),
    DownloadablesBenefit(),
    MeterCreditBenefit(),
)


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    clock = providers.Singleton(SystemClock)
    hasher = providers.Singleton(HmacTokenHasher, secret=settings.provided.secret)
    token_usage = providers.Singleton(BufferedTokenUsageRecorder)
    credential_cache = providers.Singleton(
        TtlCredentialCache,
        ttl=providers.Callable(lambda s: timedelta(seconds=s.auth_cache_ttl), settings),
    )

    database_url = providers.Resource(_database_url, settings=settings)
    # Engines are disposed of by the runtime at shutdown (disposal is asynchronous).
    write_engine = providers.Singleton(
        create_engine, url=database_url, pool_size=settings.provided.database_pool_size
    )
    read_engine = providers.Singleton(
        _read_engine,
        url=settings.provided.database_read_url,
        pool_size=settings.provided.database_pool_size,
    )
    connection_source = providers.Singleton(EngineConnectionSource, write_engine, read_engine)

    retry_policy = providers.Singleton(RetryPolicy, max_retries=settings.provided.job_max_retries)
    broker_bundle = providers.Singleton(
        build_broker,
        redis_url=settings.provided.redis_url,
        policy=retry_policy,
        queue_name=settings.provided.queue_name,
        redelivery_timeout=settings.provided.job_redelivery_timeout,
    )
    job_queue = providers.Singleton(TaskiqJobQueue, broker=broker_bundle.provided.broker)

    uow_factory = providers.Singleton(
        SqlAlchemyUnitOfWorkFactory,
        source=connection_source,
        clock=clock,
        queue=job_queue,
        direct_reads=settings.provided.direct_reads,
    )
    outbox_relay = providers.Singleton(
        OutboxRelay, source=connection_source, queue=job_queue, clock=clock
    )
    object_storage = providers.Singleton(_object_storage, settings=settings, clock=clock)

    user_service = providers.Singleton(UserService, clock=clock)
    discount_service = providers.Singleton(DiscountService, clock=clock)
    product_service = providers.Singleton(ProductService, clock=clock)
    meter_service = providers.Singleton(MeterService, clock=clock)
    benefit_strategies = providers.Object({s.type: s for s in BENEFIT_STRATEGIES})
    benefit_service = providers.Singleton(
        BenefitService, clock=clock, strategies=benefit_strategies
    )
    file_service = providers.Singleton(
        FileUseCases,
        clock=clock,
        storage=object_storage,
        max_size=settings.provided.file_max_size,
        url_ttl=providers.Callable(lambda s: timedelta(seconds=s.file_url_ttl), settings),
    )
    organization_service = providers.Singleton(
        OrganizationService, clock=clock, cache=credential_cache
    )
    token_service = providers.Singleton(
        AccessTokenService, clock=clock, hasher=hasher, cache=credential_cache
    )
    authentication_service = providers.Singleton(
        AuthenticationService, clock=clock, hasher=hasher, usage=token_usage, cache=credential_cache
    )
    bootstrap_service = providers.Singleton(
        BootstrapService,
        clock=clock,
        users=user_service,
        organizations=organization_service,
        tokens=token_service,
    )

    webhook_catalogue = providers.Singleton(
        build_catalogue, files=file_service, discounts=discount_service
    )
    address_resolver = providers.Singleton(SystemAddressResolver)
    url_guard = providers.Singleton(_url_guard, settings=settings, resolver=address_resolver)
    webhook_sender = providers.Singleton(
        HttpxWebhookSender, timeout=settings.provided.webhook_timeout
    )
    email_sender = providers.Singleton(LoggingEmailSender)
    delivery_policy = providers.Singleton(_delivery_policy, settings=settings)
    webhook_service = providers.Singleton(
        WebhookService,
        clock=clock,
        catalogue=webhook_catalogue,
        guard=url_guard,
        email=email_sender,
        policy=delivery_policy,
    )
    webhook_deliverer = providers.Singleton(
        WebhookDeliverer,
        uows=uow_factory,
        clock=clock,
        sender=webhook_sender,
        guard=url_guard,
        policy=delivery_policy,
    )
