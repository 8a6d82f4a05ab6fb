"""Products and prices: the rules of a price list and of its immutable updates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvariantViolation
from domain.price import (
    CustomPrice,
    FixedPrice,
    KeepPrice,
    MeteredTiersPrice,
    MeteredUnitPrice,
    SeatBasedPrice,
    SeatTier,
    TierType,
    UnitBasedPrice,
    UnitTier,
    parse_unit_amount,
    validate_price_set,
)
from domain.product import Interval, Product

AT = datetime(2026, 1, 1, tzinfo=UTC)
LATER = datetime(2026, 2, 1, tzinfo=UTC)
PRODUCT = uuid.uuid4()


def fixed(amount: int = 1000, currency: str = "usd") -> FixedPrice:
    return FixedPrice(product_id=PRODUCT, amount=amount, currency=currency)


def metered(meter: uuid.UUID | None = None, unit: str = "0.5") -> MeteredUnitPrice:
    return MeteredUnitPrice(
        product_id=PRODUCT, meter_id=meter or uuid.uuid4(), unit_amount=Decimal(unit)
    )


def product(*prices: object, recurring: bool = False) -> Product:
    p = Product(
        organization_id=uuid.uuid4(),
        name="Pro plan",
        recurring_interval=Interval.month if recurring else None,
        prices=list(prices),  # type: ignore[arg-type]
    )
    for price in p.prices:
        price.product_id = p.id
    return p


def _field(error: pytest.ExceptionInfo[InvariantViolation]) -> str:
    return error.value.field


class TestPriceVariants:
    def test_free_is_a_fixed_price_of_zero(self) -> None:
        price = fixed(0)
        price.validate()
        assert price.is_free

    @pytest.mark.parametrize("amount", [-1, 100_000_000])
    def test_fixed_amount_bounds(self, amount: int) -> None:
        with pytest.raises(InvariantViolation) as error:
            fixed(amount).validate()
        assert _field(error) == "price_amount"

    def test_currency_must_be_lower_case_iso(self) -> None:
        with pytest.raises(InvariantViolation) as error:
            fixed(currency="USD").validate()
        assert _field(error) == "price_currency"

    def test_custom_bounds_and_preset(self) -> None:
        CustomPrice(
            product_id=PRODUCT, minimum_amount=500, maximum_amount=5000, preset_amount=1000
        ).validate()
        with pytest.raises(InvariantViolation) as error:
            CustomPrice(product_id=PRODUCT, minimum_amount=500, maximum_amount=100).validate()
        assert _field(error) == "maximum_amount"
        with pytest.raises(InvariantViolation) as error:
            CustomPrice(product_id=PRODUCT, minimum_amount=500, preset_amount=100).validate()
        assert _field(error) == "preset_amount"

    def test_seat_tiers_follow_each_other(self) -> None:
        good = SeatBasedPrice(
            product_id=PRODUCT,
            tiers=[SeatTier(1, 5, 1000), SeatTier(6, 20, 800), SeatTier(21, None, 500)],
        )
        good.validate()
        assert (good.minimum_seats, good.maximum_seats) == (1, None)
        for tiers in (
            [],
            [SeatTier(0, None, 100)],
            [SeatTier(1, 5, 100), SeatTier(7, None, 90)],  # gap
            [SeatTier(1, None, 100), SeatTier(2, None, 90)],  # unbounded before the end
            [SeatTier(3, 2, 100)],  # ends before it starts
        ):
            with pytest.raises(InvariantViolation) as error:
                SeatBasedPrice(product_id=PRODUCT, tiers=tiers).validate()
            assert _field(error) == "seat_tiers"

    @pytest.mark.parametrize("value", ["0", "-1", "abc", "NaN", "0.0000000000001", "1e12"])
    def test_unit_amount_refused(self, value: str) -> None:
        with pytest.raises(InvariantViolation) as error:
            parse_unit_amount(value)
        assert _field(error) == "unit_amount"

    def test_unit_amount_accepts_fractions_of_a_cent(self) -> None:
        assert parse_unit_amount("0.000000000001") == Decimal("1E-12")
        assert parse_unit_amount(0.5) == Decimal("0.5")


class TestPriceSet:
    def test_needs_a_live_price(self) -> None:
        archived = fixed()
        archived.archive(AT)
        with pytest.raises(InvariantViolation, match="at least one"):
            validate_price_set([archived], recurring=False)

    def test_one_currency(self) -> None:
        euro_usage = MeteredUnitPrice(
            product_id=PRODUCT, meter_id=uuid.uuid4(), unit_amount=Decimal(1), currency="eur"
        )
        with pytest.raises(InvariantViolation, match="same currency"):
            validate_price_set([fixed(currency="usd"), euro_usage], recurring=True)

    def test_one_static_price(self) -> None:
        with pytest.raises(InvariantViolation, match="at most one"):
            validate_price_set([fixed(), CustomPrice(product_id=PRODUCT)], recurring=False)

    def test_metered_needs_recurring_and_distinct_meters(self) -> None:
        with pytest.raises(InvariantViolation, match="recurring"):
            validate_price_set([fixed(), metered()], recurring=False)
        meter = uuid.uuid4()
        with pytest.raises(InvariantViolation, match="once per product"):
            validate_price_set([metered(meter), metered(meter)], recurring=True)
        validate_price_set([fixed(), metered(), metered()], recurring=True)


class TestProduct:
    def test_trial_only_on_recurring(self) -> None:
        p = product(fixed())
        p.trial_interval, p.trial_interval_count = Interval.week, 2
        with pytest.raises(InvariantViolation) as error:
            p.validate()
        assert _field(error) == "trial_interval"

    def test_interval_count_bounds(self) -> None:
        p = product(fixed(), recurring=True)
        p.recurring_interval_count = 1000
        with pytest.raises(InvariantViolation) as error:
            p.validate()
        assert _field(error) == "recurring_interval_count"

    def test_name_is_trimmed_and_required(self) -> None:
        p = product(fixed())
        p.name = "  Pro  "
        p.validate()
        assert p.name == "Pro"
        p.name = "   "
        with pytest.raises(InvariantViolation):
            p.validate()


class TestReplacePrices:
    def test_keep_one_add_one_archive_one(self) -> None:
        base, usage = fixed(1000), metered()
        p = product(base, usage, recurring=True)
        new_usage = metered(unit="0.25")
        created = p.replace_prices([KeepPrice(base.id), new_usage], LATER)
        assert created == [new_usage]
        assert new_usage.product_id == p.id and new_usage.created_at == LATER
        assert usage.is_archived and usage.modified_at == LATER
        assert not base.is_archived
        assert [q.id for q in p.live_prices] == [base.id, new_usage.id]
        assert len(p.prices) == 3  # history is kept

    def test_kept_amounts_never_change(self) -> None:
        base = fixed(1000)
        p = product(base)
        p.replace_prices([KeepPrice(base.id)], LATER)
        assert base.amount == 1000
        assert p.live_prices == [base]

    def test_unknown_or_archived_price_cannot_be_kept(self) -> None:
        base = fixed()
        p = product(base)
        with pytest.raises(InvariantViolation) as error:
            p.replace_prices([KeepPrice(uuid.uuid4())], LATER)
        assert _field(error) == "prices.0.id"
        p.replace_prices([fixed(2000)], LATER)
        with pytest.raises(InvariantViolation):
            p.replace_prices([KeepPrice(base.id)], LATER)

    def test_a_rejected_update_changes_nothing(self) -> None:
        base = fixed()
        p = product(base)
        before = list(p.prices)
        with pytest.raises(InvariantViolation):
            p.replace_prices([], LATER)  # would leave no price
        with pytest.raises(InvariantViolation):
            p.replace_prices([KeepPrice(base.id), fixed(5000, "eur")], LATER)  # mixed currencies
        assert p.prices == before
        assert not base.is_archived

    @given(st.lists(st.sampled_from(["keep", "new"]), min_size=1, max_size=6))
    def test_every_live_price_is_either_kept_or_archived(self, plan: list[str]) -> None:
        meters_kept = [metered() for _ in range(3)]
        p = product(fixed(), *meters_kept, recurring=True)
        old_live = list(p.live_prices)
        request: list[KeepPrice | MeteredUnitPrice] = []
        keep_pool = iter(meters_kept)
        for step in plan:
            kept = next(keep_pool, None) if step == "keep" else None
            request.append(KeepPrice(kept.id) if kept else metered())
        created = p.replace_prices(request, LATER)
        kept_ids = {r.id for r in request if isinstance(r, KeepPrice)}
        for price in old_live:
            assert price.is_archived == (price.id not in kept_ids)
        assert {q.id for q in p.live_prices} == kept_ids | {c.id for c in created}


def unit_based(
    *tiers: tuple[int | None, str],
    tier_type: TierType = TierType.volume,
    minimum_units: int = 1,
) -> UnitBasedPrice:
    return UnitBasedPrice(
        product_id=PRODUCT,
        tier_type=tier_type,
        tiers=[UnitTier(bound, Decimal(rate)) for bound, rate in tiers],
        minimum_units=minimum_units,
    )


class TestUnitBasedPrice:
    def test_volume_charges_every_unit_at_the_rate_of_its_tier(self) -> None:
        price = unit_based((10, "500"), (50, "400"), (None, "300"))
        price.validate()
        assert [price.amount_for(n) for n in (1, 10, 11, 50, 51, 1000)] == [
            500,
            5000,
            4400,
            20000,
            15300,
            300000,
        ]
        assert price.maximum_units is None

    def test_graduated_charges_each_unit_at_its_own_tier(self) -> None:
        price = unit_based((10, "500"), (50, "400"), (None, "300"), tier_type=TierType.graduated)
        price.validate()
        assert price.amount_for(10) == 5000
        assert price.amount_for(11) == 5400
        assert price.amount_for(51) == 5000 + 40 * 400 + 300

    def test_fractional_rates_round_half_up_on_the_total(self) -> None:
        price = unit_based((None, "0.125"))
        price.validate()
        assert [price.amount_for(n) for n in (1, 3, 4, 12)] == [
            0,
            0,
            1,
            2,
        ]  # 0.125, 0.375, 0.5, 1.5

    def test_quantity_within_minimum_and_last_bound(self) -> None:
        price = unit_based((5, "100"), (20, "90"), minimum_units=2)
        price.validate()
        assert price.maximum_units == 20
        assert price.sort_amount() == 200  # the cheapest purchase: the minimum quantity
        for units in (1, 21):
            with pytest.raises(InvariantViolation) as error:
                price.amount_for(units)
            assert error.value.field == "quantity"

    @pytest.mark.parametrize(
        ("price", "field"),
        [
            (unit_based(), "tiers.tiers"),
            (unit_based((None, "1"), (None, "2")), "tiers.tiers.0.bound"),
            (unit_based((10, "1"), (10, "2")), "tiers.tiers.1.bound"),
            (unit_based((0, "1")), "tiers.tiers.0.bound"),
            (unit_based((None, "-1")), "tiers.tiers.0.unit_amount"),
            (unit_based((None, "0.0000000000001")), "tiers.tiers.0.unit_amount"),
            (unit_based((None, "NaN")), "tiers.tiers.0.unit_amount"),
            (unit_based((None, "1"), minimum_units=0), "minimum_units"),
            (unit_based((5, "1"), minimum_units=6), "minimum_units"),
        ],
    )
    def test_rules(self, price: UnitBasedPrice, field: str) -> None:
        with pytest.raises(InvariantViolation) as error:
            price.validate()
        assert error.value.field == field

    def test_counts_as_the_products_one_static_price(self) -> None:
        with pytest.raises(InvariantViolation):
            validate_price_set([fixed(), unit_based((None, "100"))], recurring=False)
        validate_price_set([unit_based((None, "100")), metered()], recurring=True)

    @given(
        rates=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=5),
        units=st.integers(min_value=1, max_value=500),
    )
    def test_graduated_cost_grows_with_quantity_and_equals_volume_at_one_rate(
        self, rates: list[int], units: int
    ) -> None:
        bounds: list[int | None] = [10 * (i + 1) for i in range(len(rates) - 1)] + [None]
        tiers = [(b, str(r)) for b, r in zip(bounds, rates, strict=True)]
        graduated = unit_based(*tiers, tier_type=TierType.graduated)
        graduated.validate()
        assert graduated.amount_for(units + 1) >= graduated.amount_for(units)
        flat = [(b, str(rates[0])) for b in bounds]
        assert unit_based(*flat, tier_type=TierType.graduated).amount_for(units) == unit_based(
            *flat
        ).amount_for(units)


def metered_tiers(
    *tiers: tuple[int | None, str],
    tier_type: TierType = TierType.graduated,
    cap: int | None = None,
) -> MeteredTiersPrice:
    return MeteredTiersPrice(
        product_id=PRODUCT,
        meter_id=uuid.uuid4(),
        tier_type=tier_type,
        tiers=[UnitTier(bound, Decimal(rate)) for bound, rate in tiers],
        cap_amount=cap,
    )


class TestMeteredPrices:
    def test_a_unit_rate_per_unit_used_rounded_then_capped(self) -> None:
        price = metered(unit="0.004")
        assert [price.amount_for(n) for n in (0, 1, 124, 125, 10_000)] == [0, 0, 0, 1, 40]
        price.cap_amount = 30
        assert price.amount_for(10_000) == 30
        assert price.amount_for(-5) == 0  # no negative usage is billed

    def test_tiers_of_usage_graduated_or_by_volume(self) -> None:
        tiers = ((1000, "0"), (5000, "0.5"), (None, "0.25"))
        graduated = metered_tiers(*tiers)
        graduated.validate()
        # 1000 free, 4000 at half a cent, 1000 at a quarter.
        assert graduated.amount_for(6000) == 2000 + 250
        assert graduated.amount_for(0) == 0
        volume = metered_tiers(*tiers, tier_type=TierType.volume)
        assert volume.amount_for(6000) == 1500  # every unit at the last tier's rate
        assert volume.amount_for(900) == 0
        capped = metered_tiers(*tiers, cap=1000)
        assert capped.amount_for(6000) == 1000

    def test_fractional_usage(self) -> None:
        # Meters that sum or average a property measure fractions (e.g. 2.5 GB-hours).
        assert metered(unit="10").amount_for(Decimal("2.55")) == 26  # 25.5 rounds half up
        tiered = metered_tiers((1, "0"), (None, "100"), tier_type=TierType.graduated)
        assert tiered.amount_for(Decimal("1.5")) == 50
        assert tiered.amount_for(Decimal("0.5")) == 0

    def test_the_last_tier_of_usage_is_unbounded(self) -> None:
        with pytest.raises(InvariantViolation) as error:
            metered_tiers((100, "1")).validate()
        assert _field(error) == "tiers.tiers.0.bound"
        with pytest.raises(InvariantViolation) as error:
            metered_tiers((None, "1"), (None, "2")).validate()
        assert _field(error) == "tiers.tiers.0.bound"
        with pytest.raises(InvariantViolation) as error:
            metered_tiers((None, "1"), cap=-1).validate()
        assert _field(error) == "cap_amount"
        # A unit-based price (bought up front) may end bounded.
        unit_based((100, "1")).validate()

    def test_both_kinds_are_metered_once_per_meter_and_only_when_recurring(self) -> None:
        tiered = metered_tiers((None, "1"))
        assert tiered.is_metered
        validate_price_set([fixed(), metered(), tiered], recurring=True)
        same = metered(meter=tiered.meter_id)
        with pytest.raises(InvariantViolation):
            validate_price_set([tiered, same], recurring=True)
        with pytest.raises(InvariantViolation):
            validate_price_set([fixed(), tiered], recurring=False)

    @given(
        rates=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=5),
        units=st.integers(min_value=0, max_value=500),
        cap=st.none() | st.integers(min_value=0, max_value=100_000),
    )
    def test_cost_grows_with_usage_and_never_passes_the_cap(
        self, rates: list[int], units: int, cap: int | None
    ) -> None:
        bounds: list[int | None] = [10 * (i + 1) for i in range(len(rates) - 1)] + [None]
        tiers = [(b, str(r)) for b, r in zip(bounds, rates, strict=True)]
        for tier_type in TierType:
            price = metered_tiers(*tiers, tier_type=tier_type, cap=cap)
            price.validate()
            if tier_type is TierType.graduated:
                assert price.amount_for(units + 1) >= price.amount_for(units)
            if cap is not None:
                assert price.amount_for(units) <= cap
