"""Small catalogs built from plain data, for the rating tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pricebook.load import load_data
from pricebook.model import Catalog

METERS = {
    "units": {"name": "Units", "aggregation": "sum", "dimensions": ["model"]},
    "peak": {"name": "Peak", "aggregation": "max", "dimensions": ["region"]},
    "payments": {"name": "Payments", "aggregation": "sum"},
    "other": {"name": "Other", "aggregation": "count"},
}
SKUS = {
    "base": {"name": "Base fee"},
    "units": {"name": "Units", "meter": "units"},
    "peak": {"name": "Peak", "meter": "peak"},
    "payments": {"name": "Payments", "meter": "payments"},
    "extra": {"name": "Extra", "meter": "units"},
    "support": {"name": "Support"},
}


def build(prices: dict[str, Any], currency: str = "USD", rounding: str = "half_up", **plan: Any) -> Catalog:
    """A catalog with one plan 'p' holding ``prices`` (plus any plan keys) and an add-on 'addon'."""
    data: dict[str, Any] = {
        "catalog": {"id": "t", "name": "T", "currency": currency, "rounding": rounding},
        "meters": METERS,
        "skus": SKUS,
        "plans": {
            "p": {"name": "P", "prices": prices, **plan},
            "other": {"name": "Other", "prices": {"base": {"model": "flat", "amount": "1"}}},
        },
        "add_ons": {
            "addon": {
                "name": "Add-on",
                "available_for": ["p"],
                "prices": {
                    "support": {"model": "flat", "amount": "7"},
                    "extra": {"model": "per_unit", "unit_price": "0.5"},
                },
            }
        },
    }
    result = load_data(data)
    assert result.catalog is not None, result.diagnostics
    return result.catalog


def D(x: Any) -> Decimal:
    return Decimal(str(x))


# SPEC §2's example tiers: 5 @5, 10 @4, 15 @3, 20 @2, last @1
SPEC_TIERS = [
    {"up_to": 5, "unit_price": "5"},
    {"up_to": 10, "unit_price": "4"},
    {"up_to": 15, "unit_price": "3"},
    {"up_to": 20, "unit_price": "2"},
    {"unit_price": "1"},
]
# 5 +100 flat, 10 +50 flat, 15 @10, last @5
FEE_TIERS = [
    {"up_to": 5, "flat_fee": "100"},
    {"up_to": 10, "flat_fee": "50"},
    {"up_to": 15, "unit_price": "10"},
    {"unit_price": "5"},
]
