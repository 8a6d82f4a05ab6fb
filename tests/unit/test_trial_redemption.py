from __future__ import annotations

import pytest

from domain.trial_redemption import unalias_email


@pytest.mark.parametrize(
    ("email", "unaliased"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada+promo@Example.com", "ada@example.com"),
        ("ada+a+b@example.com", "ada@example.com"),
        ("a.da@example.com", "a.da@example.com"),  # dots are the provider's business
    ],
)
def test_sub_addresses_are_the_address(email: str, unaliased: str) -> None:
    assert unalias_email(email) == unaliased
