"""Customer use cases.

Any member of an organization (or the organization's own token) holding `customers:write` may
create, change and delete its customers, as in Polar.

Jobs (each also a webhook event of the same name, see entrypoints/modules/customers.py):
`customer.created`, `customer.updated`, `customer.deleted`, and after each of them
`customer.state_changed`, as Polar sends it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from application.auth import AuthSubject
from application.customers.commands import (
    AddressInput,
    CustomerCreate,
    CustomerUpdate,
    CustomerUpdateExternalID,
)
from application.customers.ports import CustomerFilters, CustomerUnitOfWork
from application.customers.sorting import CustomerSortProperty
from application.kit.errors import (
    AlreadyTaken,
    Conflict,
    FieldError,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.ports import Clock
from domain.address import Address
from domain.checkout import Checkout
from domain.customer import Customer, CustomerType, email_key
from domain.payment_method import SavedPaymentMethod

CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_DELETED = "customer.deleted"
CUSTOMER_STATE_CHANGED = "customer.state_changed"

EMAIL_TAKEN = "A customer with this email address already exists."
EXTERNAL_ID_TAKEN = "A customer with this external ID already exists."
NOT_FOUND = "Customer not found."

# Customers an export reads per statement.
EXPORT_BATCH = 500


@dataclass(frozen=True)
class CustomerState:
    """A customer with what it has right now (Polar's `CustomerState`).

    The lists stay empty until their modules exist: subscriptions fill `active_subscriptions`
    (trialing, active or past due), benefit grants `granted_benefits` (granted, not revoked),
    customer meters `active_meters`. `CustomerService.state` is where they are read.
    """

    customer: Customer
    active_subscriptions: list[Any] = field(default_factory=list)
    granted_benefits: list[Any] = field(default_factory=list)
    active_meters: list[Any] = field(default_factory=list)


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


def _email(command: CustomerCreate) -> str | None:
    """The new customer's email. An individual needs one; a team without one needs an owner
    with an email (the owner member comes with the members module: until then it is not
    kept, and the team has no email)."""
    if command.email is not None:
        return command.email
    if command.type is CustomerType.individual:
        raise ValidationFailed([FieldError(("body", "email"), "Field required", "missing")])
    if command.owner is None:
        raise ValidationFailed.single(
            ("body", "email"), "A team customer without an email needs an owner with an email."
        )
    return None


def _update_changes(command: CustomerUpdateExternalID) -> dict[str, Any]:
    """The domain changes `command` asks for."""
    sent = command.model_fields_set
    changes: dict[str, Any] = {}
    if command.email is not None:
        changes["email"] = command.email
    for name in ("name", "locale"):
        if name in sent:
            changes[name] = getattr(command, name)
    if "billing_address" in sent:
        changes["billing_address"] = _address(command.billing_address)
    if "tax_id" in sent:
        changes["tax_id"] = command.tax_id
        changes["tax_id_format"] = None
    if command.metadata is not None:
        check_metadata(command.metadata)
        changes["metadata"] = dict(command.metadata)
    if isinstance(command, CustomerUpdate):
        if "external_id" in sent:
            changes["external_id"] = command.external_id
        if command.type is not None:
            changes["type"] = CustomerType(command.type)
    return changes


class NamedCustomerGone(Conflict):
    """The customer a checkout names was deleted since the checkout was opened (the checkouts
    module answers it as its own named error)."""

    def __init__(self) -> None:
        super().__init__("The customer this checkout names has been deleted.")


class DeletedListener(Protocol):
    """Called once per customer just deleted, in the unit of work that deletes it."""

    async def __call__(self, uow: Any, customer: Customer) -> None: ...


class CustomerService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.deleted_listeners: list[DeletedListener] = []

    def on_deleted(self, listener: DeletedListener) -> None:
        """Have `listener` told of every customer deleted from now on (once)."""
        if listener not in self.deleted_listeners:
            self.deleted_listeners.append(listener)

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: CustomerUnitOfWork,
        subject: AuthSubject,
        *,
        filters: CustomerFilters,
        active: bool | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CustomerSortProperty]],
    ) -> Page[Customer]:
        if active is not None:
            # Active customers have a trialing, active or past-due subscription.
            filters = dataclasses.replace(filters, active=active)
        return await uow.customers.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: CustomerUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Customer:
        """The customer, if `subject` may read it. Writes `lock` it: concurrent writes of one
        customer then happen one after the other, each on what the previous committed."""
        customer = await uow.customers.get_readable(subject, id, lock=lock)
        if customer is None:
            raise ResourceNotFound(NOT_FOUND)
        return customer

    async def get_external(
        self,
        uow: CustomerUnitOfWork,
        subject: AuthSubject,
        external_id: str,
        *,
        lock: bool = False,
    ) -> Customer:
        customer = await uow.customers.get_readable_by_external_id(subject, external_id, lock=lock)
        if customer is None:
            raise ResourceNotFound(NOT_FOUND)
        return customer

    async def state(self, uow: CustomerUnitOfWork, customer: Customer) -> CustomerState:
        """The customer's state. The seam for the modules to come: each reads its part here
        (subscriptions, benefit grants, customer meters) through the unit of work."""
        return CustomerState(customer=customer)

    async def payment_methods(
        self, uow: CustomerUnitOfWork, customer: Customer, pagination: PaginationParams
    ) -> Page[SavedPaymentMethod]:
        """The customer's saved payment methods (kept by its recurring checkouts, see
        application/payment_methods/service.py): the default first, then the newest."""
        return await uow.payment_methods.list_for_customer(customer.id, pagination)

    async def export(
        self,
        uow: CustomerUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] = (),
    ) -> AsyncIterator[Customer]:
        """Every readable customer, oldest first, read `EXPORT_BATCH` at a time: memory stays
        bounded however many there are."""
        after = None
        while True:
            batch = await uow.customers.list_after(
                subject, organization_ids=organization_ids, after=after, limit=EXPORT_BATCH
            )
            for customer in batch:
                yield customer
            if len(batch) < EXPORT_BATCH:
                return
            after = (batch[-1].created_at, batch[-1].id)

    # --- writes ---------------------------------------------------------------------------------

    async def create(
        self, uow: CustomerUnitOfWork, subject: AuthSubject, command: CustomerCreate
    ) -> Customer:
        organization = await target_organization(uow, subject, command.organization_id)
        email = _email(command)
        check_metadata(command.metadata)
        with invariants_as_validation():
            customer = Customer.create(
                at=self.clock.now(),
                organization_id=organization.id,
                type=command.type,
                email=email,
                name=command.name,
                external_id=command.external_id,
                billing_address=_address(command.billing_address),
                tax_id=command.tax_id,
                locale=command.locale,
                metadata=dict(command.metadata),
            )
        await self._ensure_free(uow, customer, email=True, external_id=True)
        await uow.customers.create(customer)
        self._changed(uow, CUSTOMER_CREATED, customer)
        return customer

    async def update(
        self,
        uow: CustomerUnitOfWork,
        subject: AuthSubject,
        customer: Customer,
        command: CustomerUpdateExternalID,
    ) -> Customer:
        """Update `customer`, read locked by `get` or `get_external`."""
        with invariants_as_validation():
            changes = _update_changes(command)
        before_email, before_external_id = customer.email, customer.external_id
        with invariants_as_validation():
            customer.revise(changes)
        email_changed = customer.email is not None and (
            before_email is None or email_key(customer.email) != email_key(before_email)
        )
        await self._ensure_free(
            uow,
            customer,
            email=email_changed,
            external_id=customer.external_id != before_external_id,
        )
        await uow.customers.update(customer)
        self._changed(uow, CUSTOMER_UPDATED, customer)
        return customer

    async def delete(
        self,
        uow: CustomerUnitOfWork,
        subject: AuthSubject,
        customer: Customer,
        *,
        anonymize: bool = False,
    ) -> None:
        """Soft-delete `customer` (read locked): its email and external id are free again.
        With `anonymize`, its personal data is scrubbed too.

        Of concurrent deletions one deletes, the others find nothing (404). The deletion
        listeners run in the same unit of work: the benefit grants module revokes the
        customer's benefits there, by job. (Polar also cancels its subscriptions: with their
        lifecycle.)
        """
        now = self.clock.now()
        if anonymize:
            customer.anonymize(now)
        customer.soft_delete(now)
        await uow.customers.update(customer)
        self._changed(uow, CUSTOMER_DELETED, customer)
        for listener in self.deleted_listeners:
            await listener(uow, customer)

    async def for_checkout(
        self, uow: CustomerUnitOfWork, checkout: Checkout
    ) -> tuple[Customer, bool]:
        """The customer a confirmed checkout buys for: the one it names (`customer_id`), else
        the organization's customer with its external id, else with its email; created from
        the checkout's details when there is none. A matched customer gets the details it
        lacks (name, billing address, external id).

        With it, whether the buyer may be given a session as that customer: when the customer
        was created now or named by the merchant (its id or external id), never when it was
        only matched by the email the buyer typed (anyone can type someone's email, as Polar
        warns).

        A named customer deleted since (or not the organization's) raises NamedCustomerGone:
        the checkout is not confirmed for anyone else. When another transaction creates the
        same customer between this one's lookup and its insert (the same buyer confirming two
        checkouts at once), the insert is refused by the unique email or external id and the
        lookup runs again: both confirmations buy for the one customer."""
        customer = await self._checkout_match(uow, checkout)
        if customer is None:
            created = self._from_checkout(checkout)
            try:
                await uow.customers.create_guarded(created)
            except AlreadyTaken:
                customer = await self._checkout_match(uow, checkout)
                if customer is None:
                    raise
            else:
                self._changed(uow, CUSTOMER_CREATED, created)
                return created, True
        organization_id = checkout.organization_id
        address = checkout.customer_billing_address
        named = checkout.customer_id == customer.id or (
            checkout.external_customer_id is not None
            and customer.external_id == checkout.external_customer_id
        )
        changes: dict[str, Any] = {}
        if customer.name is None and checkout.customer_name:
            changes["name"] = checkout.customer_name
        if address is not None and customer.billing_address != address:
            changes["billing_address"] = address
        if customer.external_id is None and checkout.external_customer_id is not None:
            holder = await uow.customers.get_by_external_id(
                organization_id, checkout.external_customer_id
            )
            if holder is None:
                changes["external_id"] = checkout.external_customer_id
        if changes:
            with invariants_as_validation():
                customer.revise(changes)
            await uow.customers.update(customer)
            self._changed(uow, CUSTOMER_UPDATED, customer)
        return customer, named

    async def _checkout_match(self, uow: CustomerUnitOfWork, checkout: Checkout) -> Customer | None:
        """The existing customer `checkout` buys for (see `for_checkout`), None when there is
        none yet."""
        organization_id = checkout.organization_id
        if checkout.customer_id is not None:
            named = await uow.customers.get_including_deleted(checkout.customer_id)
            if (
                named is None
                or named.deleted_at is not None
                or named.organization_id != organization_id
            ):
                raise NamedCustomerGone()
            return named
        if checkout.external_customer_id is not None:
            customer = await uow.customers.get_by_external_id(
                organization_id, checkout.external_customer_id
            )
            if customer is not None:
                return customer
        if checkout.customer_email is not None:
            return await uow.customers.get_by_email(organization_id, checkout.customer_email)
        return None

    def _from_checkout(self, checkout: Checkout) -> Customer:
        """A new customer with the details the buyer gave `checkout`."""
        address = checkout.customer_billing_address
        with invariants_as_validation():
            return Customer.create(
                at=self.clock.now(),
                organization_id=checkout.organization_id,
                email=checkout.customer_email,
                name=checkout.customer_name,
                external_id=checkout.external_customer_id,
                billing_address=address,
                tax_id=checkout.customer_tax_id if address is not None else None,
                locale=checkout.locale,
                metadata=dict(checkout.customer_metadata),
            )

    def _changed(self, uow: CustomerUnitOfWork, event: str, customer: Customer) -> None:
        arguments = {
            "customer_id": str(customer.id),
            "organization_id": str(customer.organization_id),
        }
        uow.enqueue(event, **arguments)
        uow.enqueue(CUSTOMER_STATE_CHANGED, **arguments)

    async def _ensure_free(
        self, uow: CustomerUnitOfWork, customer: Customer, *, email: bool, external_id: bool
    ) -> None:
        """Refuse an email or external id another live customer of the organization holds
        (both reported at once). The unique indexes keep the rule under concurrent writes."""
        errors: list[FieldError] = []
        if email and customer.email is not None:
            holder = await uow.customers.get_by_email(customer.organization_id, customer.email)
            if holder is not None and holder.id != customer.id:
                errors.append(FieldError(("body", "email"), EMAIL_TAKEN, input=customer.email))
        if external_id and customer.external_id is not None:
            holder = await uow.customers.get_by_external_id(
                customer.organization_id, customer.external_id
            )
            if holder is not None and holder.id != customer.id:
                errors.append(
                    FieldError(
                        ("body", "external_id"), EXTERNAL_ID_TAKEN, input=customer.external_id
                    )
                )
        if errors:
            raise ValidationFailed(errors)
