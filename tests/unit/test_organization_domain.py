"""Organizations in the domain: slugs, names, the status machine and the settings blocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.base import Entity
from domain.errors import InvalidTransition, InvariantViolation
from domain.organization import (
    RESERVED_SLUGS,
    CustomerEmailSettings,
    CustomerPortalSettings,
    DisputeSettings,
    Organization,
    OrganizationStatus,
    SubscriptionSettings,
    slugify,
    validate_name,
    validate_slug,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
S = OrganizationStatus

# --- slugs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["abc", "acme", "acme-inc", "a1-b2-c3", "123", "a" * 64, "x-y-z", "api-org"]
)
def test_validate_slug_accepts_and_returns_valid_slugs(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "a", "ab", "a" * 65, "a-" * 40 + "a"])
def test_validate_slug_enforces_length_bounds(slug: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        validate_slug(slug)
    assert info.value.field == "slug"
    assert "between 3 and 64" in info.value.message


@pytest.mark.parametrize(
    "slug",
    ["Acme", "acme_inc", "acme inc", "acmé", "acme.inc", "acme/inc", "acme+inc", " acme", "acme\t"],
)
def test_validate_slug_refuses_characters_outside_lowercase_digits_and_hyphen(slug: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        validate_slug(slug)
    assert info.value.field == "slug"


@pytest.mark.parametrize("slug", ["acme\n", "a" * 63 + "\n", "acme-inc\n"])
def test_validate_slug_refuses_a_trailing_newline(slug: str) -> None:
    # A newline is not an allowed character, wherever it is.
    with pytest.raises(InvariantViolation) as info:
        validate_slug(slug)
    assert info.value.field == "slug"


@pytest.mark.parametrize("slug", ["-acme", "acme-", "acme--inc", "---", "a--b"])
def test_validate_slug_refuses_leading_trailing_and_double_hyphens(slug: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        validate_slug(slug)
    assert info.value.field == "slug"


@pytest.mark.parametrize("slug", sorted(s for s in RESERVED_SLUGS if len(s) >= 3))
def test_validate_slug_refuses_reserved_words(slug: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        validate_slug(slug)
    assert "reserved" in info.value.message


def test_reserved_words_are_only_refused_whole() -> None:
    assert validate_slug("admin-tools") == "admin-tools"
    assert validate_slug("myapi") == "myapi"


# Near-misses: a well-formed core with something appended, to probe the edges of the pattern.
_near_slugs = st.builds(
    str.__add__,
    st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True),
    st.sampled_from(["", "-", "--x", "_", " ", "A", ".", "\n", "\t", "é"]),
)


@given(st.one_of(st.text(max_size=80), _near_slugs))
def test_anything_validate_slug_accepts_is_made_of_allowed_characters(text: str) -> None:
    try:
        validate_slug(text)
    except InvariantViolation:
        return
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", text)
    assert 3 <= len(text) <= 64
    assert text not in RESERVED_SLUGS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme Inc.", "acme-inc"),
        ("  Hello,   World!  ", "hello-world"),
        ("Crème Brûlée", "creme-brulee"),
        ("ACME_2026", "acme-2026"),
        ("", "org"),
        ("!!!", "org"),
        ("A", "a-org"),
        ("日本", "org"),
        ("API", "api-org"),
        ("Dashboard", "dashboard-org"),
        ("a" * 63 + " b", "a" * 63),
    ],
)
def test_slugify_examples(text: str, expected: str) -> None:
    assert slugify(text) == expected


_slug_ish = st.text(alphabet="abcXYZ019-_ .éß\n", max_size=80)
_reserved_ish = st.sampled_from(sorted(RESERVED_SLUGS)).map(lambda s: s.upper() + " ")


@given(st.one_of(st.text(max_size=200), _slug_ish, _reserved_ish))
@example("a" * 64 + "-b")
@example("-" * 100)
@example("v1")
@example("ab")
def test_slugify_always_produces_a_valid_slug(text: str) -> None:
    slug = slugify(text)
    assert validate_slug(slug) == slug


@given(st.text(max_size=100))
def test_slugify_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug


# --- names --------------------------------------------------------------------------------------


def test_validate_name_strips_surrounding_whitespace() -> None:
    assert validate_name("  Acme Inc  ") == "Acme Inc"


@pytest.mark.parametrize("name", ["", " ", "\t\n "])
def test_validate_name_refuses_blank_names(name: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        validate_name(name)
    assert info.value.field == "name"


def test_validate_name_length_is_counted_after_stripping() -> None:
    assert validate_name("  " + "n" * 128 + "  ") == "n" * 128
    with pytest.raises(InvariantViolation) as info:
        validate_name("n" * 129)
    assert info.value.field == "name"


def test_rename_validates_and_keeps_old_name_on_failure() -> None:
    organization = Organization.create(name="Acme", slug="acme", at=T0)
    organization.rename("  Acme Two ")
    assert organization.name == "Acme Two"
    with pytest.raises(InvariantViolation):
        organization.rename("   ")
    assert organization.name == "Acme Two"


# --- Organization.create ------------------------------------------------------------------------


def test_create_makes_an_active_organization_stamped_at_the_given_time() -> None:
    organization = Organization.create(
        name=" Acme ", slug="acme", at=T0, email="billing@acme.test", country="FR"
    )
    assert organization.name == "Acme"
    assert organization.slug == "acme"
    assert organization.status is S.active
    assert organization.status_changed_at == T0
    assert organization.created_at == T0
    assert organization.email == "billing@acme.test"
    assert organization.country == "FR"
    assert organization.deleted_at is None
    assert organization.subscription_settings == SubscriptionSettings()


def test_create_gives_every_organization_its_own_id_and_mutable_defaults() -> None:
    first = Organization.create(name="One", slug="one", at=T0)
    second = Organization.create(name="Two", slug="two", at=T0)
    first.embed_hosts.append("one.test")
    assert first.id != second.id
    assert second.embed_hosts == []


@pytest.mark.parametrize(
    ("name", "slug", "field"), [("Acme", "Acme", "slug"), ("", "acme", "name")]
)
def test_create_refuses_invalid_values(name: str, slug: str, field: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        Organization.create(name=name, slug=slug, at=T0)
    assert info.value.field == field


# --- status machine -----------------------------------------------------------------------------

ALLOWED = {
    S.created: {S.review, S.active, S.blocked},
    S.review: {S.active, S.denied, S.snoozed, S.blocked},
    S.snoozed: {S.review, S.active, S.denied},
    S.denied: {S.review},
    S.active: {S.review, S.blocked, S.offboarding},
    S.blocked: {S.active, S.offboarding},
    S.offboarding: {S.offboarded, S.active},
    S.offboarded: set(),
}
ALLOWED_EDGES = [(a, b) for a, targets in ALLOWED.items() for b in sorted(targets)]
FORBIDDEN_EDGES = [(a, b) for a in S for b in S if a != b and b not in ALLOWED[a]]


def _organization_in(status: OrganizationStatus) -> Organization:
    return Organization(name="Acme", slug="acme", status=status, status_changed_at=T0)


@pytest.mark.parametrize(("current", "target"), ALLOWED_EDGES)
def test_allowed_transitions_move_and_stamp_the_time(
    current: OrganizationStatus, target: OrganizationStatus
) -> None:
    organization = _organization_in(current)
    organization.move_to(target, T1)
    assert organization.status is target
    assert organization.status_changed_at == T1


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_EDGES)
def test_forbidden_transitions_raise_and_change_nothing(
    current: OrganizationStatus, target: OrganizationStatus
) -> None:
    organization = _organization_in(current)
    with pytest.raises(InvalidTransition) as info:
        organization.move_to(target, T1)
    assert (info.value.current, info.value.target) == (current.value, target.value)
    assert organization.status is current
    assert organization.status_changed_at == T0


@pytest.mark.parametrize("status", list(S))
def test_moving_to_the_current_status_is_a_no_op(status: OrganizationStatus) -> None:
    organization = _organization_in(status)
    organization.move_to(status, T1)
    assert organization.status is status
    assert organization.status_changed_at == T0


def test_offboarded_is_terminal() -> None:
    organization = _organization_in(S.active)
    organization.move_to(S.offboarding, T1)
    organization.move_to(S.offboarded, T1)
    for target in S:
        if target is not S.offboarded:
            with pytest.raises(InvalidTransition):
                organization.move_to(target, T1 + timedelta(days=1))
    assert organization.status is S.offboarded
    assert organization.status_changed_at == T1


def test_only_pre_review_and_active_organizations_are_operational() -> None:
    operational = {s for s in S if _organization_in(s).is_operational}
    assert operational == {S.created, S.review, S.snoozed, S.active}


# --- settings -----------------------------------------------------------------------------------

SETTINGS_EXAMPLES = [
    SubscriptionSettings(
        allow_multiple_subscriptions=True,
        proration_behavior="invoice",
        benefit_revocation_grace_period=7,
        prevent_trial_abuse=True,
        allow_customer_updates=False,
    ),
    CustomerEmailSettings(order_confirmation=False, subscription_paused=False),
    CustomerPortalSettings(usage_show=False, subscription_pause=True),
    DisputeSettings(auto_accept_below_amount=1500),
]


@pytest.mark.parametrize("settings", SETTINGS_EXAMPLES, ids=lambda s: type(s).__name__)
def test_settings_round_trip_through_dicts(settings: object) -> None:
    cls = type(settings)
    data = settings.to_dict()  # type: ignore[attr-defined]
    assert cls.from_dict(data) == settings  # type: ignore[attr-defined]
    assert cls.from_dict(data).to_dict() == data  # type: ignore[attr-defined]


@pytest.mark.parametrize("settings", SETTINGS_EXAMPLES, ids=lambda s: type(s).__name__)
def test_settings_from_dict_ignores_unknown_keys(settings: object) -> None:
    cls = type(settings)
    data = {**settings.to_dict(), "not_a_setting": 42, "another": {"x": 1}}  # type: ignore[attr-defined]
    restored = cls.from_dict(data)  # type: ignore[attr-defined]
    assert restored == settings
    assert "not_a_setting" not in restored.to_dict()


@pytest.mark.parametrize(
    "cls", [SubscriptionSettings, CustomerEmailSettings, CustomerPortalSettings, DisputeSettings]
)
def test_settings_from_missing_or_partial_dict_fall_back_to_defaults(cls: type) -> None:
    assert cls.from_dict(None) == cls()
    assert cls.from_dict({}) == cls()


def test_settings_merged_changes_only_the_given_keys() -> None:
    settings = SubscriptionSettings(benefit_revocation_grace_period=3)
    merged = settings.merged({"prevent_trial_abuse": True, "unknown": 1})
    assert merged.prevent_trial_abuse is True
    assert merged.benefit_revocation_grace_period == 3
    assert settings.prevent_trial_abuse is False  # the original is untouched


# --- base entity --------------------------------------------------------------------------------


def test_soft_delete_is_idempotent_and_keeps_the_first_time() -> None:
    entity = Entity()
    assert not entity.is_deleted
    entity.soft_delete(T0)
    entity.soft_delete(T1)
    assert entity.is_deleted
    assert entity.deleted_at == T0


def test_settings_blocks_built_from_equal_dicts_are_shared_and_types_are_kept_apart() -> None:
    from domain.organization import SubscriptionSettings

    first = SubscriptionSettings.from_dict({"benefit_revocation_grace_period": 1, "x": 2})
    assert first is SubscriptionSettings.from_dict({"benefit_revocation_grace_period": 1, "x": 2})
    assert first == SubscriptionSettings(benefit_revocation_grace_period=1)
    # True == 1 and hash(True) == hash(1): a block built from one must not answer for the other.
    other = SubscriptionSettings.from_dict({"benefit_revocation_grace_period": True, "x": 2})
    assert other.benefit_revocation_grace_period is True
    assert SubscriptionSettings.from_dict(None) == SubscriptionSettings()
    # Unhashable values are not cached but still work.
    assert SubscriptionSettings.from_dict({"x": []}) == SubscriptionSettings()
