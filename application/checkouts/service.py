"""Checkout use cases: open a checkout session, read it, change it (by id, as the merchant;
by client secret, as the customer), and expire it.

A checkout buys one price of one of the organization's live products; what it charges is
`domain.checkout.checkout_amounts`. Confirming (`confirm`) starts its payment through the
payments port; the payment's outcome comes back by job (`on_payment`, a payment listener) and
succeeds the checkout, whose fulfillers (the orders module) create what was bought, or reopens
it after a decline.

Jobs (each also a webhook event of the same name, see entrypoints/modules/checkouts.py):
`checkout.created`, `checkout.updated`, `checkout.expired`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.auth import AuthSubject
from application.checkouts.commands import (
    CheckoutConfirm,
    CheckoutCreate,
    CheckoutUpdate,
    CheckoutUpdatePublic,
)
from application.checkouts.ports import CheckoutFilters, CheckoutUnitOfWork
from application.checkouts.sorting import CheckoutSortProperty
from application.customers.commands import AddressInput
from application.customers.service import CustomerService, NamedCustomerGone
from application.kit.errors import (
    Conflict,
    FieldError,
    NotPermitted,
    ResourceNotFound,
    ResourceUnavailable,
    RowLocked,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.payment_methods.service import PaymentMethodService
from application.payments.ports import ChargeRequest, PaymentProcessor, SetupRequest
from application.payments.service import PaymentService
from application.ports import Clock
from domain.address import Address
from domain.checkout import (
    CHECKOUT_TTL,
    Checkout,
    CheckoutStatus,
    Selection,
    discount_refusal,
    subtotal,
)
from domain.checkout_link import CheckoutLink, CheckoutPrefill
from domain.custom_field import CustomFieldDataInvalid, validate_custom_field_data
from domain.customer import Customer, CustomerType
from domain.discount import Discount
from domain.errors import InvariantViolation
from domain.organization import Organization
from domain.payment import Payment, PaymentStatus
from domain.price import CustomPrice, Price
from domain.product import Product
from domain.trial_redemption import TrialRedemption, unalias_email

log = logging.getLogger("meridian.checkouts")

CHECKOUT_CREATED = "checkout.created"
CHECKOUT_UPDATED = "checkout.updated"
CHECKOUT_EXPIRED = "checkout.expired"
# Job: a confirmed checkout with nothing to charge succeeds (`on_free_success`).
CHECKOUT_FREE_SUCCESS = "checkout.free_success"

NOT_FOUND = "Checkout not found."
# Open checkouts past their expiry that one sweep expires per unit of work.
EXPIRY_BATCH = 100


class ExpiredCheckoutError(ResourceUnavailable):
    """410: the checkout expired (the client's `ExpiredCheckoutError`)."""

    def __init__(self) -> None:
        super().__init__("This checkout session has expired.")


class NotOpenCheckout(NotPermitted):
    """403: a checkout that is not open cannot change (the client's `NotOpenCheckout`)."""

    def __init__(self, checkout: Checkout) -> None:
        status = "expired" if checkout.status is CheckoutStatus.open else checkout.status.value
        super().__init__(f"Checkout {checkout.id} is not open: {status}.")


class CheckoutLocked(Conflict):
    """409: another request is changing the checkout right now (a confirm under way, say);
    retry in a moment (the client's `CheckoutLocked`)."""

    retry_after = 1

    def __init__(self) -> None:
        super().__init__("This checkout is being processed by another request; retry shortly.")


class TrialAlreadyRedeemed(NotPermitted):
    """403: the organization prevents trial abuse and this customer's email (sub-addresses
    counted as the address) had a trial already (Polar's `TrialAlreadyRedeemed`). The
    checkout may be confirmed without the trial (`allow_trial: false`)."""

    def __init__(self) -> None:
        super().__init__(
            "You have already used a trial for this product. "
            "Trials can only be used once per customer."
        )


class CheckoutCustomerDeleted(Conflict):
    """409: the customer the checkout names was deleted since it was opened (Polar's
    `CheckoutCustomerDeleted`); the checkout cannot be confirmed."""

    def __init__(self) -> None:
        super().__init__("The customer associated with this checkout has been deleted.")


def _address(value: AddressInput | None) -> Address | None:
    if value is None:
        return None
    return Address.create(
        country=value.country,
        line1=value.line1,
        line2=value.line2,
        postal_code=value.postal_code,
        city=value.city,
        state=value.state,
    )


def _live_price(product: Product, price_id: uuid.UUID | None, field: str) -> Price:
    """The product's price `price_id` (its first live one when None), never an archived one."""
    live = [p for p in product.prices if not p.is_archived]
    if price_id is None:
        if not live:
            raise ValidationFailed.single(("body", field), "This product has no price.")
        return live[0]
    for price in live:
        if price.id == price_id:
            return price
    raise ValidationFailed.single(
        ("body", field), "This price does not exist or is archived.", input=str(price_id)
    )


@dataclass(frozen=True)
class CheckoutView:
    """A checkout with what its wire format shows: the products it offers (in its order;
    a deleted one left out), its discount and its organization."""

    checkout: Checkout
    products: list[Product]
    discount: Discount | None
    organization: Organization | None

    @property
    def product(self) -> Product | None:
        return next((p for p in self.products if p.id == self.checkout.product_id), None)

    @property
    def price(self) -> Price | None:
        product = self.product
        if product is None:
            return None
        return next((p for p in product.prices if p.id == self.checkout.product_price_id), None)


@dataclass(frozen=True)
class Confirmed:
    """A checkout just confirmed, and the customer its buyer may be given a session as (None
    when the customer was only matched by the email typed: see CustomerService.for_checkout)."""

    checkout: Checkout
    session_customer: Customer | None


class Fulfiller(Protocol):
    """Called once per checkout that just succeeded, in the unit of work that succeeds it,
    with the payment that paid it (None when it was free): the orders module creates the
    order (and the subscription) there."""

    async def __call__(self, uow: Any, checkout: Checkout, payment: Payment | None) -> None: ...


class CheckoutService:
    def __init__(
        self,
        clock: Clock,
        customers: CustomerService,
        payments: PaymentService,
        processor: PaymentProcessor,
        payment_methods: PaymentMethodService,
    ) -> None:
        self.clock = clock
        self.customers = customers
        self.payments = payments
        self.processor = processor
        self.payment_methods = payment_methods
        self.fulfillers: list[Fulfiller] = []

    def fulfil_with(self, fulfiller: Fulfiller) -> None:
        """Have `fulfiller` make what succeeded checkouts bought (once, however many times)."""
        if fulfiller not in self.fulfillers:
            self.fulfillers.append(fulfiller)

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: CheckoutUnitOfWork,
        subject: AuthSubject,
        *,
        filters: CheckoutFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutSortProperty]],
    ) -> Page[Checkout]:
        return await uow.checkouts.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: CheckoutUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Checkout:
        try:
            checkout = await uow.checkouts.get_readable(subject, id, lock=lock)
        except RowLocked as error:
            raise CheckoutLocked() from error
        if checkout is None:
            raise ResourceNotFound(NOT_FOUND)
        return checkout

    async def get_by_client_secret(
        self, uow: CheckoutUnitOfWork, client_secret: str, *, lock: bool = False
    ) -> Checkout:
        """The checkout whoever holds its secret may read; an expired one is gone (410)."""
        try:
            checkout = await uow.checkouts.get_by_client_secret(client_secret, lock=lock)
        except RowLocked as error:
            raise CheckoutLocked() from error
        if checkout is None:
            raise ResourceNotFound(NOT_FOUND)
        if checkout.is_expired(self.clock.now()):
            raise ExpiredCheckoutError()
        return checkout

    async def product(self, uow: CheckoutUnitOfWork, checkout: Checkout) -> Product | None:
        return await uow.products.get(checkout.product_id)

    async def view(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, *, organization: bool = False
    ) -> CheckoutView:
        return (await self.views(uow, [checkout], organization=organization))[0]

    async def views(
        self, uow: CheckoutUnitOfWork, checkouts: Sequence[Checkout], *, organization: bool = False
    ) -> Sequence[CheckoutView]:
        """`checkouts` with what they show: their products in one read, each discount and
        (with `organization`, which the customer's view shows) organization read once however
        many show it."""
        wanted = {i for c in checkouts for i in c.product_ids or [c.product_id]}
        found = {p.id: p for p in await uow.products.get_many_whole(list(wanted))}
        products: dict[uuid.UUID, Product | None] = {i: found.get(i) for i in wanted}
        discounts: dict[uuid.UUID, Discount | None] = {}
        organizations: dict[uuid.UUID, Organization | None] = {}
        for checkout in checkouts:
            if checkout.discount_id is not None and checkout.discount_id not in discounts:
                discounts[checkout.discount_id] = await uow.discounts.get_including_deleted(
                    checkout.discount_id
                )
            if organization and checkout.organization_id not in organizations:
                organizations[checkout.organization_id] = await uow.organizations.get(
                    checkout.organization_id
                )
        return [
            CheckoutView(
                checkout=checkout,
                products=[
                    product
                    for i in checkout.product_ids or [checkout.product_id]
                    if (product := products[i]) is not None
                ],
                discount=None if checkout.discount_id is None else discounts[checkout.discount_id],
                organization=organizations.get(checkout.organization_id),
            )
            for checkout in checkouts
        ]

    # --- writes ---------------------------------------------------------------------------------

    async def create(
        self, uow: CheckoutUnitOfWork, subject: AuthSubject, command: CheckoutCreate
    ) -> Checkout:
        products: list[Product] = []
        for index, product_id in enumerate(command.products):
            product = await uow.products.get_readable(subject, product_id)
            if product is None or product.is_archived:
                raise ValidationFailed.single(
                    ("body", "products", index),
                    "Product does not exist or is archived.",
                    input=str(product_id),
                )
            products.append(product)
        organization_ids = {p.organization_id for p in products}
        if len(organization_ids) > 1:
            raise ValidationFailed.single(
                ("body", "products"), "Products must all belong to the same organization."
            )
        product = products[0]
        price = _live_price(product, None, "products")
        check_metadata(command.metadata)
        check_metadata(command.customer_metadata)
        now = self.clock.now()
        discount = None
        if command.discount_id is not None:
            discount = await self._discount_by_id(uow, subject, command.discount_id, product, price)
        customer_email, customer_name = command.customer_email, command.customer_name
        if command.customer_id is not None:
            customer = await self._named_customer(uow, subject, command.customer_id, product)
            # The customer's details unless the request gives others; a team's name is the
            # team's, not the buyer's.
            if customer_email is None:
                customer_email = customer.email
            if customer_name is None and customer.type is not CustomerType.team:
                customer_name = customer.name
        with invariants_as_validation():
            checkout = Checkout(
                created_at=now,
                organization_id=product.organization_id,
                product_id=product.id,
                product_price_id=price.id,
                product_ids=[p.id for p in products],
                expires_at=now + CHECKOUT_TTL,
                success_url=command.success_url,
                return_url=command.return_url,
                embed_origin=command.embed_origin,
                allow_discount_codes=command.allow_discount_codes,
                require_billing_address=command.require_billing_address
                or command.customer_billing_address is not None,
                is_business_customer=bool(command.is_business_customer),
                customer_id=command.customer_id,
                external_customer_id=command.external_customer_id,
                customer_email=customer_email,
                customer_name=customer_name,
                customer_billing_name=command.customer_billing_name,
                customer_billing_address=_address(command.customer_billing_address),
                customer_tax_id=command.customer_tax_id,
                customer_ip_address=command.customer_ip_address,
                locale=command.locale,
                metadata=dict(command.metadata),
                customer_metadata=dict(command.customer_metadata),
                allow_trial=command.allow_trial,
                trial_interval=command.trial_interval,
                trial_interval_count=command.trial_interval_count,
            )
            checkout.price_with(
                price,
                Selection(seats=command.seats, units=command.units, amount=command.amount),
                discount,
            )
        checkout.update_trial(product, now)
        await uow.checkouts.create(checkout)
        self._changed(uow, CHECKOUT_CREATED, checkout)
        return checkout

    async def update(
        self,
        uow: CheckoutUnitOfWork,
        subject: AuthSubject | None,
        checkout: Checkout,
        command: CheckoutUpdatePublic,
    ) -> Checkout:
        """Change `checkout` (read locked). `subject` is None for the customer (by client
        secret): only `CheckoutUpdatePublic`'s fields then, and a discount by code."""
        await self._apply(uow, subject, checkout, command)
        await uow.checkouts.update(checkout)
        self._changed(uow, CHECKOUT_UPDATED, checkout)
        return checkout

    async def _apply(
        self,
        uow: CheckoutUnitOfWork,
        subject: AuthSubject | None,
        checkout: Checkout,
        command: CheckoutUpdatePublic,
    ) -> tuple[Product, Price, Discount | None]:
        """Apply `command` to `checkout` (not stored yet); the product, price and discount it
        now buys."""
        now = self.clock.now()
        if checkout.is_expired(now) and subject is None:
            raise ExpiredCheckoutError()
        if checkout.is_expired(now) or checkout.status is not CheckoutStatus.open:
            # The merchant's route answers an expired checkout as one not open (Polar's 403;
            # the client's `update` knows no 410).
            raise NotOpenCheckout(checkout)
        sent = command.model_fields_set
        changes: dict[str, Any] = {}
        for name in (
            "customer_name",
            "customer_billing_name",
            "customer_tax_id",
            "locale",
        ):
            if name in sent:
                changes[name] = getattr(command, name)
        if command.customer_email is not None:
            changes["customer_email"] = command.customer_email
        if command.is_business_customer is not None:
            changes["is_business_customer"] = command.is_business_customer
        if "customer_billing_address" in sent:
            with invariants_as_validation(("body", "customer_billing_address")):
                changes["customer_billing_address"] = _address(command.customer_billing_address)
        if command.allow_trial is not None:
            changes["allow_trial"] = command.allow_trial
        if isinstance(command, CheckoutUpdate):
            for name in (
                "allow_discount_codes",
                "require_billing_address",
                "success_url",
                "return_url",
                "embed_origin",
                "customer_ip_address",
            ):
                if name in sent and getattr(command, name) is not None:
                    changes[name] = getattr(command, name)
            for name in ("trial_interval", "trial_interval_count"):
                if name in sent:
                    changes[name] = getattr(command, name)
            for name in ("metadata", "customer_metadata"):
                value = getattr(command, name)
                if value is not None:
                    check_metadata(value)
                    changes[name] = dict(value)

        product_id = command.product_id or checkout.product_id
        if product_id not in checkout.product_ids:
            raise ValidationFailed.single(
                ("body", "product_id"),
                "Product is not available in this checkout.",
                input=str(product_id),
            )
        product = await uow.products.get(product_id)
        if product is None or product.is_archived:
            raise ValidationFailed.single(
                ("body", "product_id"),
                "Product does not exist or is archived.",
                input=str(product_id),
            )
        price_id = command.product_price_id
        if price_id is None and product_id == checkout.product_id:
            price_id = checkout.product_price_id
        price = _live_price(product, price_id, "product_price_id")

        discount: Discount | None = None
        if "discount_code" in sent and command.discount_code:
            if not checkout.allow_discount_codes:
                raise ValidationFailed.single(
                    ("body", "discount_code"), "Discount codes are not allowed on this checkout."
                )
            discount = await uow.discounts.get_by_code(
                checkout.organization_id, command.discount_code
            )
            if discount is None:
                raise ValidationFailed.single(
                    ("body", "discount_code"),
                    "Discount does not exist.",
                    input=command.discount_code,
                )
            refusal = discount_refusal(discount, product.id, price.currency, now)
            if refusal is not None:
                raise ValidationFailed.single(
                    ("body", "discount_code"), refusal, input=command.discount_code
                )
        elif isinstance(command, CheckoutUpdate) and command.discount_id is not None:
            assert subject is not None
            discount = await self._discount_by_id(uow, subject, command.discount_id, product, price)
        elif checkout.discount_id is not None and "discount_code" not in sent:
            kept = await uow.discounts.get(checkout.discount_id)
            if kept is not None and discount_refusal(kept, product.id, price.currency, now) is None:
                discount = kept

        selection = Selection(
            seats=command.seats if "seats" in sent else checkout.seats,
            units=command.units if "units" in sent else checkout.units,
            amount=command.amount if "amount" in sent else checkout.custom_amount,
        )
        if price.id != checkout.product_price_id:
            # A new price starts from its own defaults but for what was just sent.
            selection = Selection(seats=command.seats, units=command.units, amount=command.amount)
        for name, value in changes.items():
            setattr(checkout, name, value)
        with invariants_as_validation():
            checkout.price_with(price, selection, discount)
        checkout.update_trial(product, now)
        checkout.modified_at = now
        return product, price, discount

    async def confirm(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, command: CheckoutConfirm
    ) -> Confirmed:
        """The customer submits `checkout` (read locked by its client secret) with the last
        changes in `command`: the customer is matched or created, the custom fields checked,
        the discount redeemed (under its row lock), and the payment started. Returns the
        checkout confirmed (with the customer its buyer may have a session as); its payment's
        outcome arrives later by job (`on_payment`). A checkout with nothing to pay (free, or a
        trial) succeeds by its own job (`on_free_success`) right after the commit.

        Any refusal raises before anything is written: the unit of work is not committed."""
        held = checkout.discount_id
        product, price, discount = await self._apply(uow, None, checkout, command)
        # Held (FOR SHARE) until the commit: a concurrent deletion of the product waits, then
        # finds it in use (a confirmed checkout); committed first, the product is gone here.
        if not await uow.products.get_summaries([product.id], lock=True):
            raise ValidationFailed.single(
                ("body", "product_id"),
                "Product does not exist or is archived.",
                input=str(product.id),
            )
        now = self.clock.now()
        if (
            held is not None
            and discount is None
            and "discount_code" not in command.model_fields_set
        ):
            # The discount the customer saw is not valid anymore: never charge more silently.
            raise ValidationFailed.single(
                ("body", "discount_code"), "This discount code is not valid anymore."
            )
        required: list[FieldError] = []
        if not checkout.customer_email:
            required.append(FieldError(("body", "customer_email"), "Field required."))
        if checkout.require_billing_address and checkout.customer_billing_address is None:
            required.append(FieldError(("body", "customer_billing_address"), "Field required."))
        form_required = checkout.is_payment_required or checkout.is_payment_setup_required(
            product, price
        )
        if form_required and not command.confirmation_token_id:
            required.append(FieldError(("body", "confirmation_token_id"), "Field required."))
        if required:
            raise ValidationFailed(required)
        try:
            checkout.custom_field_data = validate_custom_field_data(
                product.attached_custom_fields, command.custom_field_data
            )
        except CustomFieldDataInvalid as error:
            raise ValidationFailed(
                [
                    FieldError(("body", "custom_field_data", slug), message)
                    for slug, message in error.errors
                ]
            ) from error

        try:
            customer, trusted = await self.customers.for_checkout(uow, checkout)
        except NamedCustomerGone as error:
            raise CheckoutCustomerDeleted() from error
        checkout.customer_id = customer.id
        if checkout.trial_end is not None:
            await self._trial_allowed(uow, checkout, customer)
        if discount is not None:
            await self._redeem(uow, checkout, discount)

        if form_required and not checkout.is_payment_required:
            # A trial: the card is kept for when it ends, nothing is charged now. A refusal
            # raises PaymentError before anything is written.
            assert command.confirmation_token_id is not None
            setup = await self.processor.setup(
                SetupRequest(
                    confirmation_token_id=command.confirmation_token_id,
                    customer_email=checkout.customer_email,
                    idempotency_key=f"setup-{checkout.id}-{command.confirmation_token_id}",
                )
            )
            await self.payment_methods.save(
                uow,
                organization_id=checkout.organization_id,
                customer_id=customer.id,
                processor_id=setup.processor_id,
                method_metadata=setup.method_metadata,
            )
        if checkout.trial_end is not None and customer.email:
            await uow.trial_redemptions.create(
                TrialRedemption(
                    created_at=now,
                    organization_id=checkout.organization_id,
                    customer_id=customer.id,
                    product_id=product.id,
                    customer_email=unalias_email(customer.email),
                )
            )
        if not checkout.is_payment_required:
            # Nothing to charge (free, or a trial): confirmed now, succeeded by the job right
            # after the commit (`on_free_success`), as Polar does; the client's answer to a
            # confirm only knows `confirmed`.
            checkout.confirm(now)
            await uow.checkouts.update(checkout)
            self._changed(uow, CHECKOUT_UPDATED, checkout)
            uow.enqueue(CHECKOUT_FREE_SUCCESS, checkout_id=str(checkout.id))
            return Confirmed(checkout, customer if trusted else None)

        assert command.confirmation_token_id is not None
        payment_id = uuid.uuid4()
        started = await self.processor.charge(
            ChargeRequest(
                payment_id=payment_id,
                amount=checkout.total_amount,
                currency=checkout.currency,
                confirmation_token_id=command.confirmation_token_id,
                customer_email=checkout.customer_email,
                idempotency_key=str(payment_id),
            )
        )
        payment = Payment.create(
            at=now,
            id=payment_id,
            organization_id=checkout.organization_id,
            processor_id=started.processor_id,
            amount=checkout.total_amount,
            currency=checkout.currency,
            method_metadata=started.method_metadata,
            customer_id=customer.id,
            customer_email=checkout.customer_email,
            checkout_id=checkout.id,
            processor_method_id=started.payment_method_id,
        )
        checkout.confirm(now)
        await uow.checkouts.update(checkout)
        await self.payments.record(uow, payment, started.reports)
        self._changed(uow, CHECKOUT_UPDATED, checkout)
        return Confirmed(checkout, customer if trusted else None)

    async def _redeem(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, discount: Discount
    ) -> None:
        """Count the checkout's redemption of `discount`, under the discount's row lock: of
        concurrent confirms of its last redemption, one wins and the others are refused."""
        locked = await uow.discounts.get(discount.id, lock=True)
        assert checkout.customer_id is not None
        used = 0
        if locked is not None and locked.max_redemptions_per_customer is not None:
            used = await uow.checkouts.count_redeemed(locked.id, checkout.customer_id)
        try:
            if locked is None:
                raise InvariantViolation(
                    "discount_code", "This discount code is not valid anymore."
                )
            locked.redeem(self.clock.now(), used)
        except InvariantViolation as error:
            raise ValidationFailed.single(("body", "discount_code"), error.message) from error
        await uow.discounts.update(locked)

    async def on_payment(self, uow: CheckoutUnitOfWork, payment: Payment) -> None:
        """A payment listener (`PaymentService.subscribe`): the checkout a payment belongs to
        succeeds with it (and is fulfilled), or reopens when it failed, its discount's
        redemption given back. Runs in the unit of work that records the outcome."""
        if payment.checkout_id is None:
            return
        checkout = await uow.checkouts.get_locked(payment.checkout_id)
        if checkout is None or checkout.status is not CheckoutStatus.confirmed:
            log.warning(
                "payment %s: its checkout %s is not confirmed; nothing to do",
                payment.id,
                payment.checkout_id,
            )
            return
        now = self.clock.now()
        if payment.status is PaymentStatus.succeeded:
            checkout.succeed(now)
            await uow.checkouts.update(checkout)
            self._changed(uow, CHECKOUT_UPDATED, checkout)
            await self._fulfil(uow, checkout, payment)
            await self._save_method(uow, checkout, payment)
            return
        checkout.reopen(now)
        await uow.checkouts.update(checkout)
        if checkout.discount_id is not None:
            discount = await uow.discounts.get(checkout.discount_id, lock=True)
            if discount is not None:
                discount.release(now)
                await uow.discounts.update(discount)
        self._changed(uow, CHECKOUT_UPDATED, checkout)

    async def _save_method(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, payment: Payment
    ) -> None:
        """Keep the card a recurring product's succeeded payment was charged to, for the
        charges to come (Stripe's `setup_future_usage=off_session`); a one-time purchase, or
        a payment whose processor named no method, keeps nothing."""
        if payment.processor_method_id is None or checkout.customer_id is None:
            return
        product = await uow.products.get(checkout.product_id)
        if product is None or not product.is_recurring:
            return
        await self.payment_methods.save(
            uow,
            organization_id=checkout.organization_id,
            customer_id=checkout.customer_id,
            processor_id=payment.processor_method_id,
            method_metadata=payment.method_metadata,
        )

    async def on_free_success(self, uow: CheckoutUnitOfWork, checkout_id: uuid.UUID) -> None:
        """The job `checkout.free_success`: a confirmed checkout with nothing to charge
        succeeds and is fulfilled. Idempotent: a checkout no longer confirmed is left alone."""
        checkout = await uow.checkouts.get_locked(checkout_id)
        if checkout is None or checkout.status is not CheckoutStatus.confirmed:
            return
        if checkout.is_payment_required:
            log.warning("checkout %s has a payment to wait for; not a free success", checkout.id)
            return
        checkout.succeed(self.clock.now())
        await uow.checkouts.update(checkout)
        self._changed(uow, CHECKOUT_UPDATED, checkout)
        await self._fulfil(uow, checkout, None)

    async def _fulfil(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, payment: Payment | None
    ) -> None:
        """What a succeeded checkout leads to: its order (and subscription)."""
        for fulfiller in self.fulfillers:
            await fulfiller(uow, checkout, payment)

    async def expire_due(self, uow: CheckoutUnitOfWork) -> int:
        """Expire up to EXPIRY_BATCH open checkouts past their `expires_at`; how many."""
        now = self.clock.now()
        due = await uow.checkouts.expired_open(now, limit=EXPIRY_BATCH)
        for checkout in due:
            checkout.expire(now)
            await uow.checkouts.update(checkout)
            self._changed(uow, CHECKOUT_EXPIRED, checkout)
        return len(due)

    async def _trial_allowed(
        self, uow: CheckoutUnitOfWork, checkout: Checkout, customer: Customer
    ) -> None:
        """Refuse a second trial to the customer's email when the organization prevents
        trial abuse (a customer without an email cannot be told apart: allowed, as Polar)."""
        if not customer.email:
            return
        organization = await uow.organizations.get(checkout.organization_id)
        if organization is None or not organization.subscription_settings.prevent_trial_abuse:
            return
        if await uow.trial_redemptions.redeemed(
            checkout.organization_id, unalias_email(customer.email)
        ):
            raise TrialAlreadyRedeemed()

    async def _named_customer(
        self,
        uow: CheckoutUnitOfWork,
        subject: AuthSubject,
        customer_id: uuid.UUID,
        product: Product,
    ) -> Customer:
        """The live customer `customer_id` of the product's organization, read as `subject`
        may. Whether it never existed, was deleted or is another organization's, the answer
        is the same 422: nothing tells another organization's customers apart."""
        customer = await uow.customers.get_readable(subject, customer_id)
        if customer is None or customer.organization_id != product.organization_id:
            raise ValidationFailed.single(
                ("body", "customer_id"), "Customer does not exist.", input=str(customer_id)
            )
        return customer

    async def _discount_by_id(
        self,
        uow: CheckoutUnitOfWork,
        subject: AuthSubject,
        discount_id: uuid.UUID,
        product: Product,
        price: Price,
    ) -> Discount:
        discount = await uow.discounts.get_readable(subject, discount_id)
        if discount is None or discount.organization_id != product.organization_id:
            raise ValidationFailed.single(
                ("body", "discount_id"), "Discount does not exist.", input=str(discount_id)
            )
        refusal = discount_refusal(discount, product.id, price.currency, self.clock.now())
        if refusal is not None:
            raise ValidationFailed.single(("body", "discount_id"), refusal, input=str(discount_id))
        return discount

    def _changed(self, uow: CheckoutUnitOfWork, event: str, checkout: Checkout) -> None:
        uow.enqueue(
            event,
            checkout_id=str(checkout.id),
            organization_id=str(checkout.organization_id),
        )

    # --- from a checkout link (appended; see application/checkout_links/service.py) -------------

    async def create_from_link(
        self,
        uow: CheckoutUnitOfWork,
        link: CheckoutLink,
        products: Sequence[Product],
        prefill: CheckoutPrefill,
    ) -> Checkout:
        """Open a checkout from `link` on behalf of its organization: no subject, the link's
        client secret is the capability. `products` are the link's live products, in order
        (at least one). As in Polar, a preset or prefill the chosen price does not allow (seats
        or units out of bounds, an amount out of bounds, a discount not applicable) is ignored
        rather than refused."""
        product = next((p for p in products if p.id == prefill.product_id), products[0])
        price = _live_price(product, None, "products")
        now = self.clock.now()

        def allowed(selection: Selection) -> bool:
            try:
                subtotal(price, selection)
            except InvariantViolation:
                return False
            return True

        seats = (
            link.seats if link.seats is not None and allowed(Selection(seats=link.seats)) else None
        )
        units = (
            link.units if link.units is not None and allowed(Selection(units=link.units)) else None
        )
        amount = (
            prefill.amount
            if isinstance(price, CustomPrice)
            and prefill.amount is not None
            and allowed(Selection(amount=prefill.amount))
            else None
        )

        async def applicable(discount: Discount | None) -> Discount | None:
            if discount is None or discount.organization_id != link.organization_id:
                return None
            refused = discount_refusal(discount, product.id, price.currency, now)
            return discount if refused is None else None

        discount = None
        if link.discount_id is not None:
            discount = await applicable(await uow.discounts.get(link.discount_id))
        if prefill.discount_code and link.allow_discount_codes:
            by_code = await applicable(
                await uow.discounts.get_by_code(link.organization_id, prefill.discount_code)
            )
            discount = by_code or discount
        with invariants_as_validation():
            checkout = Checkout(
                created_at=now,
                organization_id=link.organization_id,
                product_id=product.id,
                product_price_id=price.id,
                product_ids=[p.id for p in products],
                expires_at=now + CHECKOUT_TTL,
                success_url=link.success_url,
                return_url=link.return_url,
                allow_discount_codes=link.allow_discount_codes,
                require_billing_address=link.require_billing_address,
                customer_email=prefill.customer_email,
                customer_name=prefill.customer_name,
                customer_ip_address=prefill.customer_ip_address,
                locale=prefill.locale,
                metadata=dict(prefill.metadata),
                trial_interval=link.trial_interval,
                trial_interval_count=link.trial_interval_count,
            )
            checkout.price_with(price, Selection(seats=seats, units=units, amount=amount), discount)
        checkout.update_trial(product, now)
        await uow.checkouts.create(checkout)
        self._changed(uow, CHECKOUT_CREATED, checkout)
        return checkout
