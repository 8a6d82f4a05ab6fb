"""Scopes and their delegation rule; access tokens; users' email addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access_token import (
    LAST_USED_RESOLUTION_SECONDS,
    OrganizationAccessToken,
    PersonalAccessToken,
    TokenKind,
    needs_usage_record,
)
from domain.base import new_id
from domain.errors import InvariantViolation
from domain.scopes import MERCHANT_SCOPES, Scope, implied, missing_for_delegation, parse_scopes
from domain.user import User, normalize_email

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
scope_sets = st.frozensets(st.sampled_from(list(Scope)))

# --- implied ------------------------------------------------------------------------------------


def test_write_implies_read() -> None:
    assert implied({Scope.products_write}) == {Scope.products_write, Scope.products_read}


def test_read_implies_nothing_more() -> None:
    assert implied({Scope.products_read}) == {Scope.products_read}


def test_customer_sessions_write_has_no_read_to_imply() -> None:
    assert implied({Scope.customer_sessions_write}) == {Scope.customer_sessions_write}


def test_every_write_scope_but_customer_sessions_implies_its_read() -> None:
    for scope in Scope:
        resource, _, access = scope.value.partition(":")
        if access != "write" or scope is Scope.customer_sessions_write:
            continue
        assert Scope(f"{resource}:read") in implied({scope}), scope


def test_implied_of_nothing_is_nothing() -> None:
    assert implied([]) == frozenset()


@given(scope_sets)
def test_implied_is_a_superset_and_idempotent(scopes: frozenset[Scope]) -> None:
    result = implied(scopes)
    assert scopes <= result
    assert implied(result) == result
    # Only read scopes are ever added.
    assert all(s.value.endswith(":read") for s in result - scopes)


def test_merchant_scopes_leave_out_the_customer_portal() -> None:
    assert Scope.customer_portal_read not in MERCHANT_SCOPES
    assert Scope.customer_portal_write not in MERCHANT_SCOPES
    assert Scope.customer_sessions_write in MERCHANT_SCOPES
    assert Scope.products_write in MERCHANT_SCOPES


# --- delegation ---------------------------------------------------------------------------------


def test_delegating_granted_or_implied_scopes_is_allowed() -> None:
    granted = {Scope.products_write, Scope.orders_read}
    requested = {Scope.products_write, Scope.products_read, Scope.orders_read}
    assert missing_for_delegation(granted, requested) == frozenset()


def test_delegating_more_than_granted_reports_the_excess() -> None:
    granted = {Scope.products_read, Scope.orders_write}
    requested = {Scope.products_write, Scope.orders_read, Scope.webhooks_read}
    assert missing_for_delegation(granted, requested) == {Scope.products_write, Scope.webhooks_read}


def test_nothing_is_delegated_from_nothing() -> None:
    assert missing_for_delegation([], [Scope.products_read]) == {Scope.products_read}
    assert missing_for_delegation([], []) == frozenset()


@given(scope_sets, st.data())
def test_any_subset_of_the_implied_scopes_may_be_delegated(
    granted: frozenset[Scope], data: st.DataObject
) -> None:
    available = sorted(implied(granted))
    requested = data.draw(
        st.frozensets(st.sampled_from(available)) if available else st.just(frozenset())
    )
    assert missing_for_delegation(granted, requested) == frozenset()


@given(scope_sets, scope_sets)
def test_missing_scopes_are_exactly_those_outside_the_implied_grant(
    granted: frozenset[Scope], requested: frozenset[Scope]
) -> None:
    missing = missing_for_delegation(granted, requested)
    assert missing <= requested
    assert not (missing & implied(granted))
    assert requested - missing <= implied(granted)


# --- parse_scopes -------------------------------------------------------------------------------


def test_parse_scopes_parses_known_values_and_drops_duplicates() -> None:
    parsed = parse_scopes(["products:read", "orders:write", "products:read"])
    assert parsed == {Scope.products_read, Scope.orders_write}


@pytest.mark.parametrize("value", ["products:delete", "products", "", "PRODUCTS:READ", "admin:*"])
def test_parse_scopes_refuses_unknown_values(value: str) -> None:
    with pytest.raises(ValueError, match="is not a valid Scope"):
        parse_scopes(["products:read", value])


# --- token kinds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("polar_pat_abc123", TokenKind.personal),
        ("polar_oat_abc123", TokenKind.organization),
        ("polar_cst_abc123", TokenKind.customer_session),
        ("polar_pat_x", TokenKind.personal),
    ],
)
def test_token_kind_is_read_from_the_prefix(token: str, kind: TokenKind) -> None:
    assert TokenKind.of(token) is kind


@pytest.mark.parametrize("prefix", [k.value for k in TokenKind])
def test_a_bare_prefix_is_not_a_token(prefix: str) -> None:
    assert TokenKind.of(prefix) is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "polar_xyz_abc",
        "POLAR_PAT_abc",
        "polar_pat",
        "polarpat_abc",
        " polar_pat_abc",
        "Bearer polar_pat_abc",
    ],
)
def test_unknown_prefixes_have_no_kind(token: str) -> None:
    assert TokenKind.of(token) is None


# --- usability and usage resolution --------------------------------------------------------------


def _pat(**attributes: object) -> PersonalAccessToken:
    return PersonalAccessToken(user_id=new_id(), token_digest="d", **attributes)  # type: ignore[arg-type]


def test_a_token_without_expiry_stays_usable() -> None:
    assert _pat().is_usable(NOW + timedelta(days=10_000))


def test_a_token_is_usable_until_its_expiry_and_not_at_it() -> None:
    token = _pat(expires_at=NOW)
    assert token.is_usable(NOW - timedelta(microseconds=1))
    assert not token.is_usable(NOW)
    assert not token.is_usable(NOW + timedelta(days=1))


def test_a_revoked_token_is_not_usable_even_before_expiry() -> None:
    token = OrganizationAccessToken(
        organization_id=new_id(), token_digest="d", expires_at=NOW + timedelta(days=1)
    )
    token.revoke(NOW - timedelta(hours=1))
    assert token.deleted_at == NOW - timedelta(hours=1)
    assert not token.is_usable(NOW)


def test_revoking_twice_keeps_the_first_revocation_time() -> None:
    token = _pat()
    token.revoke(NOW)
    token.revoke(NOW + timedelta(hours=1))
    assert token.deleted_at == NOW


def test_a_never_used_token_needs_a_usage_record() -> None:
    assert needs_usage_record(None, NOW)


def test_usage_is_recorded_at_most_once_per_resolution_window() -> None:
    window = timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)
    assert not needs_usage_record(NOW, NOW)
    assert not needs_usage_record(NOW, NOW + window - timedelta(microseconds=1))
    assert needs_usage_record(NOW, NOW + window)
    assert needs_usage_record(NOW, NOW + window * 10)


# --- users --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@EXAMPLE.Com", "Alice@example.com"),
        ("  bob@example.org \n", "bob@example.org"),
        ("first.last+tag@Sub.Example.CO.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_normalize_email_trims_and_lowercases_the_domain_only(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@localhost",
        "al ice@example.com",
        "alice@exa mple.com",
    ],
)
def test_normalize_email_refuses_invalid_addresses(raw: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        normalize_email(raw)
    assert info.value.field == "email"


def test_register_normalizes_the_email() -> None:
    assert User.register(" Carol@Example.COM ").email == "Carol@example.com"
