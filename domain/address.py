"""Postal addresses (a customer's billing address).

Rules kept here:

- `country` is an ISO 3166-1 alpha-2 code, upper case. Every code may be read back; new
  addresses are refused in the countries under US trade embargoes (Polar's
  `CountryAlpha2Input`), whose payments no processor would take.
- Lines, postal code, city and state are optional; empty ones are stored as absent.
- In the United States and Canada, `state` names a subdivision as `US-NY` / `CA-QC`; a bare
  `NY` is read as `US-NY`. Elsewhere it is free text.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvariantViolation

LINE_MAX_LENGTH = 256

COUNTRIES: frozenset[str] = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)
EMBARGOED_COUNTRIES: frozenset[str] = frozenset({"CU", "IR", "KP", "RU", "SY"})
SUPPORTED_COUNTRIES: frozenset[str] = COUNTRIES - EMBARGOED_COUNTRIES

US_STATES: frozenset[str] = frozenset(
    f"US-{code}"
    for code in [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
    ]
)
CA_SUBDIVISIONS: frozenset[str] = frozenset(
    f"CA-{code}"
    for code in ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)
_SUBDIVISIONS = {"US": US_STATES, "CA": CA_SUBDIVISIONS}


@dataclass(frozen=True, kw_only=True)
class Address:
    country: str
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None

    @classmethod
    def create(
        cls,
        *,
        country: str,
        line1: str | None = None,
        line2: str | None = None,
        postal_code: str | None = None,
        city: str | None = None,
        state: str | None = None,
        field: str = "billing_address",
    ) -> Address:
        """A new address, normalised; InvariantViolation (on `field.<part>`) if it breaks a
        rule."""
        country = country.strip().upper()
        if country not in COUNTRIES:
            raise InvariantViolation(f"{field}.country", f"{country!r} is not a country code.")
        if country in EMBARGOED_COUNTRIES:
            raise InvariantViolation(
                f"{field}.country", f"Addresses in {country} are not supported."
            )
        parts = {
            "line1": line1,
            "line2": line2,
            "postal_code": postal_code,
            "city": city,
            "state": state,
        }
        cleaned: dict[str, str | None] = {}
        for name, value in parts.items():
            value = value.strip() if value is not None else None
            if value is not None and len(value) > LINE_MAX_LENGTH:
                raise InvariantViolation(
                    f"{field}.{name}", f"At most {LINE_MAX_LENGTH} characters."
                )
            cleaned[name] = value or None
        subdivisions = _SUBDIVISIONS.get(country)
        state = cleaned["state"]
        if subdivisions is not None and state is not None:
            state = state.upper()
            if not state.startswith(f"{country}-"):
                state = f"{country}-{state}"
            if state not in subdivisions:
                raise InvariantViolation(
                    f"{field}.state", f"{cleaned['state']!r} is not a subdivision of {country}."
                )
            cleaned["state"] = state
        return cls(country=country, **cleaned)

    def document(self) -> dict[str, str | None]:
        """The address as stored and as the API shows it (Polar's `Address`)."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "postal_code": self.postal_code,
            "city": self.city,
            "state": self.state,
            "country": self.country,
        }

    @classmethod
    def from_document(cls, document: dict[str, str | None]) -> Address:
        country = document["country"]
        assert country is not None
        return cls(
            country=country,
            line1=document.get("line1"),
            line2=document.get("line2"),
            postal_code=document.get("postal_code"),
            city=document.get("city"),
            state=document.get("state"),
        )
