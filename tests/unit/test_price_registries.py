"""A type of price is one registration in each layer, and every layer knows every type."""

from __future__ import annotations

from typing import get_args

from adapters.sqlalchemy.prices import PRICE_DETAILS
from application.products.commands import PriceInput
from application.products.service import NEW_PRICES
from domain import price
from domain.price import AmountType, Price
from entrypoints.http.products.schemas import PRICE_WIRES

# The concrete types: the prices of domain/price.py that no other derives from.
PRICE_TYPES = {
    cls
    for cls in vars(price).values()
    if isinstance(cls, type) and issubclass(cls, Price) and not cls.__subclasses__()
}


def test_each_concrete_price_type_has_its_own_amount_type() -> None:
    assert sorted(cls.amount_type for cls in PRICE_TYPES) == sorted(AmountType)


def test_the_api_writes_every_price_type() -> None:
    assert set(PRICE_WIRES) == PRICE_TYPES


def test_the_database_stores_every_price_type() -> None:
    assert set(PRICE_DETAILS) == set(AmountType)


def test_every_price_input_makes_a_price() -> None:
    assert set(NEW_PRICES) == set(get_args(PriceInput))
