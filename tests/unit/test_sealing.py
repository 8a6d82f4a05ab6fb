"""Sealed idempotency responses (adapters/sealing.py): unreadable at rest, bound to their record
and to the secret, and records stored before sealing still replay."""

from __future__ import annotations

import pytest

from adapters.sealing import MARKER, AesGcmSealer
from application.idempotency.ports import SealBroken

BODY = b'{"token":"polar_cst_secret"}'
CONTEXT = b"organization:1\nkey-1"


def test_a_sealed_body_opens_to_what_was_sealed_and_shows_nothing() -> None:
    sealer = AesGcmSealer("secret-a")
    sealed = sealer.seal(BODY, CONTEXT)
    assert sealed.startswith(MARKER) and b"polar_cst_" not in sealed
    assert sealer.open(sealed, CONTEXT) == BODY
    assert sealer.seal(BODY, CONTEXT) != sealed  # a fresh nonce each time


@pytest.mark.parametrize(
    "change",
    [
        lambda sealed: (sealed[:-1] + bytes([sealed[-1] ^ 1]), CONTEXT, "secret-a"),
        lambda sealed: (sealed, b"organization:2\nkey-1", "secret-a"),
        lambda sealed: (sealed, CONTEXT, "secret-b"),
    ],
    ids=["altered", "another record", "another secret"],
)
def test_a_body_that_was_not_sealed_so_is_refused(change: object) -> None:
    sealed = AesGcmSealer("secret-a").seal(BODY, CONTEXT)
    data, context, secret = change(sealed)  # type: ignore[operator]
    with pytest.raises(SealBroken):
        AesGcmSealer(secret).open(data, context)


def test_a_body_recorded_before_sealing_is_replayed_as_stored() -> None:
    assert AesGcmSealer("secret-a").open(BODY, CONTEXT) == BODY
