"""Amounts in minor units, written for people."""

from __future__ import annotations

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "jpy": "¥"}
# Currencies without a minor unit (ISO 4217 exponent 0).
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof", "pyg"})


def format_money(amount: int, currency: str) -> str:
    """`amount` (minor units of `currency`) as `$9.00`, `€1,250.50`, `¥500`, `12.00 CHF`."""
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        number = f"{amount:,}"
    else:
        sign = "-" if amount < 0 else ""
        whole, cents = divmod(abs(amount), 100)
        number = f"{sign}{whole:,}.{cents:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"
