"""Writes schemas/catalog.schema.json. The schema is the reviewed artifact; this script only keeps
its repetitive parts (one definition per price model) consistent. Run: python tools/gen_schema.py"""

from __future__ import annotations

import json
from pathlib import Path

DEC = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
LIMIT = r"^(unlimited|(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)$"  # a limit: a plain number, not negative
ID = r"^[A-Za-z0-9_][A-Za-z0-9_.:+@/-]*$"
CUR = r"^[A-Z]{3}$"
DATE = r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$"

ref = lambda name: {"$ref": f"#/$defs/{name}"}  # noqa: E731
nullable = lambda s: {"anyOf": [s, {"type": "null"}]}  # noqa: E731


def price_def(model: str, props: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {
            "model": {"const": model},
            "description": {"type": "string"},
            "dimensions": ref("dimensions"),
            **props,
        },
    }


tiers = {"type": "array", "items": ref("tier")}
models = {
    "flat": ({"amount": ref("money")}, ["amount"]),
    "per_unit": ({"unit_price": ref("money"), "included": ref("decimal")}, ["unit_price"]),
    "graduated": ({"tiers": tiers}, ["tiers"]),
    "volume": ({"tiers": tiers}, ["tiers"]),
    "package": (
        {
            "package_size": ref("decimal"),
            "package_price": ref("money"),
            "included": ref("decimal"),
            "rounding": {"enum": ["up", "down"]},
        },
        ["package_size", "package_price"],
    ),
    "percentage": (
        {"percent": ref("decimal"), "fixed_fee": ref("money"), "min": ref("money"), "max": ref("money")},
        ["percent"],
    ),
}

collection = lambda item: {  # noqa: E731
    "type": ["object", "null"],
    "propertyNames": {"pattern": ID, "x-message": "ids use letters, digits and . _ - : + @ /"},
    "additionalProperties": item,
}

schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://pricebook.dev/schemas/catalog.schema.json",
    "title": "pricebook catalog file",
    "description": "One file of a pricebook catalog. Collections merge across the files of a catalog directory.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "catalog": ref("catalog"),
        "meters": collection(ref("meter")),
        "features": collection(ref("feature")),
        "skus": collection(ref("sku")),
        "plans": collection(ref("plan")),
        "add_ons": collection(ref("add_on")),
        "grandfathering": collection(ref("grandfathering_rule")),
    },
    "$defs": {
        "decimal": {
            "type": ["number", "string"],
            "pattern": DEC,
            "x-message": 'must be a finite decimal number such as "0.0004"',
        },
        "money": {
            "description": "One amount (in the plan's only currency) or one per currency.",
            "type": ["number", "string", "object"],
            "pattern": DEC,
            "x-message": 'must be a finite decimal number such as "0.0004"',
            "minProperties": 1,
            "propertyNames": {"pattern": CUR, "x-message": "currency keys are ISO 4217 codes such as USD"},
            "additionalProperties": ref("decimal"),
        },
        "currency": {"type": "string", "pattern": CUR, "x-message": "must be an ISO 4217 code such as USD"},
        "date": {"type": "string", "pattern": DATE, "x-message": "must be a date such as 2026-06-01"},
        "catalog": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "currency"],
            "properties": {
                "id": {"type": "string", "pattern": ID},
                "name": {"type": "string"},
                "description": {"type": "string"},
                "currency": ref("currency"),
                # The rounding mode is checked by rule PB131 (it covers snapshots too); the schema only
                # suggests the values to editors.
                "rounding": {"type": "string", "examples": ["half_up", "half_even"]},
                "timezone": {"type": "string"},
            },
        },
        "meter": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "unit": {"type": "string"},
                "aggregation": {"enum": ["count", "sum", "max", "unique_count", "latest"]},
                "property": {"type": "string"},
                "dimensions": {"type": "array", "items": {"type": "string"}},
            },
        },
        "feature": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "type": {"enum": ["boolean", "quantity", "metered"]},
                "unit": {"type": "string"},
                "meter": {"type": "string"},
            },
        },
        "sku": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "meter": {"type": "string"},
                "unit_cost": ref("decimal"),
            },
        },
        "tier": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"up_to": ref("decimal"), "unit_price": ref("money"), "flat_fee": ref("money")},
        },
        "dimensions": {
            "description": "dimension name -> dimension value -> price spec for that value",
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": ref("price")},
        },
        "price": {
            "type": "object",
            "required": ["model"],
            "properties": {"model": {"enum": list(models)}},
            "allOf": [
                {"if": {"properties": {"model": {"const": m}}, "required": ["model"]},
                 "then": ref(f"price_{m}")}
                for m in models
            ],
        },
        **{f"price_{m}": price_def(m, p, r) for m, (p, r) in models.items()},
        "entitlement": {
            "description": "true/false for boolean features; a number or \"unlimited\" for quantity "
            "features; {limit, enforcement} for metered features",
            "type": ["boolean", "number", "string", "object"],
            "pattern": LIMIT,
            "x-message": 'must be true/false, a number or "unlimited"',
            "additionalProperties": False,
            "properties": {
                "limit": {"type": ["number", "string"], "pattern": LIMIT,
                          "x-message": 'must be a number such as 10000 or 1e6, or "unlimited"'},
                "enforcement": {"enum": ["hard", "soft"]},
            },
        },
        "plan": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": nullable({"type": "string"}),
                "description": nullable({"type": "string"}),
                "extends": {"type": "string"},
                "currencies": nullable({"type": "array", "items": ref("currency"), "minItems": 1}),
                "billing_period": nullable({"enum": ["month", "year"]}),
                "prices": nullable({"type": "object", "additionalProperties": nullable(ref("price"))}),
                "minimum": nullable(ref("money")),
                "credit": nullable(ref("money")),
                "entitlements": nullable(
                    {"type": "object", "additionalProperties": nullable(ref("entitlement"))}
                ),
                "sales_negotiated": nullable({"type": "boolean"}),
            },
        },
        "add_on": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "currencies": {"type": "array", "items": ref("currency"), "minItems": 1},
                "available_for": {"type": "array", "items": {"type": "string"}},
                "sales_negotiated": {"type": "boolean"},
                "prices": {"type": "object", "additionalProperties": ref("price")},
                "entitlements": {"type": "object", "additionalProperties": ref("entitlement")},
            },
        },
        "grandfathering_rule": {
            "type": "object",
            "additionalProperties": False,
            "required": ["release"],
            "properties": {
                "description": {"type": "string"},
                "plans": {"type": "array", "items": {"type": "string"}},
                "customers": {"type": "array", "items": {"type": ["string", "number"]}},
                "subscribed_before": ref("date"),
                "release": {"type": ["string", "number"]},
                "until": ref("date"),
            },
        },
    },
}

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "schemas" / "catalog.schema.json"
    out.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
