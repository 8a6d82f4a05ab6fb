"""Products: what an organization sells, with their prices (domain/price.py), the benefits they
grant and the images shown with them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.base import Entity
from domain.benefit import Benefit
from domain.custom_field import AttachedCustomField
from domain.errors import InvariantViolation
from domain.file import File
from domain.price import KeepPrice, Price, creation_time, validate_price_set

NAME_MIN_LENGTH = 1
NAME_MAX_LENGTH = 256
MAX_INTERVAL_COUNT = 999


class Visibility(StrEnum):
    draft = "draft"
    private = "private"
    public = "public"


class Interval(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


@dataclass(kw_only=True)
class Product(Entity):
    organization_id: uuid.UUID
    name: str
    description: str | None = None
    visibility: Visibility = Visibility.public
    is_archived: bool = False
    recurring_interval: Interval | None = None
    recurring_interval_count: int | None = None
    trial_interval: Interval | None = None
    trial_interval_count: int | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    prices: list[Price] = field(default_factory=list)
    # The benefits the product grants, in the merchant's order (live ones only, as loaded).
    benefits: list[Benefit] = field(default_factory=list)
    # Images shown with the product (live, uploaded `product_media` files), in order.
    medias: list[File] = field(default_factory=list)
    # The custom fields a checkout of the product asks (live ones only, as loaded), in order.
    attached_custom_fields: list[AttachedCustomField] = field(default_factory=list)
    # Whether something that must keep pointing at the product does: a live discount restricted
    # to it or a subscription to it (and, once they exist, an order). As loaded; such a product
    # can be archived but not deleted.
    in_use: bool = False

    @property
    def is_recurring(self) -> bool:
        return self.recurring_interval is not None

    @property
    def is_deletable(self) -> bool:
        return not self.in_use

    @property
    def benefit_ids(self) -> list[uuid.UUID]:
        return [b.id for b in self.benefits]

    @property
    def media_ids(self) -> list[uuid.UUID]:
        return [m.id for m in self.medias]

    @property
    def live_prices(self) -> list[Price]:
        return [p for p in self.prices if not p.is_archived]

    def validate(self) -> None:
        name = self.name.strip()
        if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
            raise InvariantViolation(
                "name", f"Name must be {NAME_MIN_LENGTH} to {NAME_MAX_LENGTH} characters."
            )
        self.name = name
        self._validate_interval(
            "recurring_interval", self.recurring_interval, self.recurring_interval_count
        )
        if self.trial_interval is not None or self.trial_interval_count is not None:
            if not self.is_recurring:
                raise InvariantViolation("trial_interval", "Only recurring products have trials.")
            self._validate_interval(
                "trial_interval", self.trial_interval, self.trial_interval_count
            )
        validate_price_set(self.prices, recurring=self.is_recurring)

    @staticmethod
    def _validate_interval(name: str, interval: Interval | None, count: int | None) -> None:
        if interval is None:
            if count is not None:
                raise InvariantViolation(f"{name}_count", f"Set {name} to give it a count.")
            return
        if count is not None and not 1 <= count <= MAX_INTERVAL_COUNT:
            raise InvariantViolation(
                f"{name}_count", f"Must be between 1 and {MAX_INTERVAL_COUNT}."
            )

    def replace_prices(self, requested: Sequence[KeepPrice | Price], at: datetime) -> list[Price]:
        """Apply a full price list; returns the prices it created.

        Kept prices must be this product's live prices; new ones are added; every live price
        not kept is archived. The resulting set must satisfy `validate_price_set`, else nothing
        changes.
        """
        current = {p.id: p for p in self.prices}
        kept: set[uuid.UUID] = set()
        created: list[Price] = []
        for index, item in enumerate(requested):
            if isinstance(item, KeepPrice):
                price = current.get(item.id)
                if price is None or price.is_archived:
                    raise InvariantViolation(
                        f"prices.{index}.id", "Not a live price of this product."
                    )
                if item.id in kept:
                    raise InvariantViolation(f"prices.{index}.id", "This price is listed twice.")
                kept.add(item.id)
            else:
                item.product_id = self.id
                item.created_at = creation_time(at, len(created))
                created.append(item)
        archived = [p for p in self.prices if not p.is_archived and p.id not in kept]
        candidate = [p for p in self.prices if p.id in kept] + created
        validate_price_set(candidate, recurring=self.is_recurring)
        for price in archived:
            price.archive(at)
        self.prices = [*self.prices, *created]
        return created

    def archive(self, at: datetime) -> None:
        self.is_archived = True
        self.modified_at = at

    def unarchive(self, at: datetime) -> None:
        self.is_archived = False
        self.modified_at = at
