"""How prices are stored: the columns every price has, and each type's own `details` document,
written and read by that type's one entry in `PRICE_DETAILS`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from application.kit.registry import Registry
from domain.meter import MeterSummary, MeterUnit
from domain.price import (
    AmountType,
    CustomPrice,
    FixedPrice,
    MeteredPrice,
    MeteredTiersPrice,
    MeteredUnitPrice,
    Price,
    PriceSource,
    SeatBasedPrice,
    SeatTier,
    TierType,
    UnitBasedPrice,
    UnitTier,
)


class PriceDetails:
    """A price type's `details` document, both ways. `read` gets the fields every price has
    (`common`), the document, and the row (a price row with its meter's columns: `meter_name`,
    `meter_unit`, `meter_custom_label`, `meter_custom_multiplier`)."""

    @staticmethod
    def write(price: Any) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def read(common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]) -> Price:
        raise NotImplementedError


PRICE_DETAILS: Registry[str, type[PriceDetails]] = Registry("price storage")


def price_details(price: Price) -> dict[str, Any]:
    return PRICE_DETAILS[price.amount_type].write(price)


def price_row(price: Price) -> dict[str, Any]:
    return {
        "id": price.id,
        "created_at": price.created_at,
        "modified_at": price.modified_at,
        "deleted_at": price.deleted_at,
        "product_id": price.product_id,
        "amount_type": AmountType(price.amount_type).value,
        "price_currency": price.currency,
        "tax_behavior": price.tax_behavior,
        "source": price.source.value,
        "is_archived": price.is_archived,
        "sort_amount": price.sort_amount(),
        "meter_id": price.meter_id if isinstance(price, MeteredPrice) else None,
        "details": price_details(price),
    }


def price_entity(row: Mapping[Any, Any]) -> Price:
    """A price from a price row with its meter's columns (null for prices without a meter)."""
    common: dict[str, Any] = {
        "id": row["id"],
        "created_at": row["created_at"],
        "modified_at": row["modified_at"],
        "deleted_at": row["deleted_at"],
        "product_id": row["product_id"],
        "currency": row["price_currency"],
        "tax_behavior": row["tax_behavior"],
        "source": PriceSource(row["source"]),
        "is_archived": row["is_archived"],
    }
    return PRICE_DETAILS[row["amount_type"]].read(common, row["details"], row)


def _tiers_document(tier_type: TierType, tiers: Sequence[UnitTier]) -> dict[str, Any]:
    """Unit tiers as stored (rates as text, every decimal place kept)."""
    return {
        "tier_type": tier_type.value,
        "tiers": [{"bound": t.bound, "unit_amount": str(t.unit_amount)} for t in tiers],
    }


def _tiers_from(details: Mapping[str, Any]) -> dict[str, Any]:
    """The `tier_type` and `tiers` of a price, from what `_tiers_document` stored."""
    return {
        "tier_type": TierType(details["tier_type"]),
        "tiers": [UnitTier(t["bound"], Decimal(t["unit_amount"])) for t in details["tiers"]],
    }


def _stored_as_named(cls: type[Price], *names: str) -> type[PriceDetails]:
    """The storage of a price type whose details are its fields `names`, under their names."""

    class Named(PriceDetails):
        @staticmethod
        def write(price: Any) -> dict[str, Any]:
            return {name: getattr(price, name) for name in names}

        @staticmethod
        def read(
            common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]
        ) -> Price:
            return cls(**common, **{name: details[name] for name in names})

    return Named


PRICE_DETAILS.register(AmountType.fixed)(_stored_as_named(FixedPrice, "amount"))
PRICE_DETAILS.register(AmountType.custom)(
    _stored_as_named(CustomPrice, "minimum_amount", "maximum_amount", "preset_amount")
)


@PRICE_DETAILS.register(AmountType.seat_based)
class _SeatBased(PriceDetails):
    @staticmethod
    def write(price: SeatBasedPrice) -> dict[str, Any]:
        return {
            "seat_tier_type": None if price.seat_tier_type is None else price.seat_tier_type.value,
            "tiers": [
                {
                    "min_seats": t.min_seats,
                    "max_seats": t.max_seats,
                    "price_per_seat": t.price_per_seat,
                }
                for t in price.tiers
            ],
        }

    @staticmethod
    def read(common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]) -> Price:
        tiers = [
            SeatTier(t["min_seats"], t["max_seats"], t["price_per_seat"]) for t in details["tiers"]
        ]
        tier_type = details.get("seat_tier_type")
        return SeatBasedPrice(
            **common, tiers=tiers, seat_tier_type=None if tier_type is None else TierType(tier_type)
        )


@PRICE_DETAILS.register(AmountType.unit_based)
class _UnitBased(PriceDetails):
    @staticmethod
    def write(price: UnitBasedPrice) -> dict[str, Any]:
        return {
            **_tiers_document(price.tier_type, price.tiers),
            "minimum_units": price.minimum_units,
            "unit_label": price.unit_label,
        }

    @staticmethod
    def read(common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]) -> Price:
        return UnitBasedPrice(
            **common,
            **_tiers_from(details),
            minimum_units=details["minimum_units"],
            unit_label=details["unit_label"],
        )


def _metered(
    common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]
) -> dict[str, Any]:
    """What every metered price reads: its meter (the `meter_id` column) and its cap."""
    return {
        **common,
        "meter_id": row["meter_id"],
        "cap_amount": details["cap_amount"],
        "meter": MeterSummary(
            row["meter_id"],
            row["meter_name"],
            MeterUnit(row["meter_unit"]),
            row["meter_custom_label"],
            row["meter_custom_multiplier"],
        ),
    }


@PRICE_DETAILS.register(AmountType.metered_unit)
class _MeteredUnit(PriceDetails):
    @staticmethod
    def write(price: MeteredUnitPrice) -> dict[str, Any]:
        return {"unit_amount": str(price.unit_amount), "cap_amount": price.cap_amount}

    @staticmethod
    def read(common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]) -> Price:
        return MeteredUnitPrice(
            **_metered(common, details, row), unit_amount=Decimal(details["unit_amount"])
        )


@PRICE_DETAILS.register(AmountType.metered_tiers)
class _MeteredTiers(PriceDetails):
    @staticmethod
    def write(price: MeteredTiersPrice) -> dict[str, Any]:
        return {**_tiers_document(price.tier_type, price.tiers), "cap_amount": price.cap_amount}

    @staticmethod
    def read(common: dict[str, Any], details: Mapping[str, Any], row: Mapping[Any, Any]) -> Price:
        return MeteredTiersPrice(**_metered(common, details, row), **_tiers_from(details))
