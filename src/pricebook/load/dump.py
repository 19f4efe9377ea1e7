"""The model -> canonical plain data (the fully resolved form releases snapshot and diff compares).

Canonical means: every plan resolved (no ``extends``), every default written out, every money value a
``{currency: "decimal string"}`` map, decimals in plain notation (never ``1E-7``), keys in a fixed
order. ``load_data(catalog_to_data(c))`` builds a catalog equal to ``c``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pricebook.model import (
    AddOn,
    Catalog,
    Entitlement,
    Feature,
    GrandfatheringRule,
    Meter,
    Money,
    PackagePrice,
    PercentagePrice,
    PerUnitPrice,
    Plan,
    Price,
    Sku,
    Tier,
)


def dec(d: Decimal) -> str:
    """A Decimal in plain notation, as written in the source: ``Decimal('1E-7')`` -> ``0.0000001``."""
    s = format(d, "f")
    return "0" if s in ("-0", "+0") else s


def money(m: Money | None) -> dict[str, str] | None:
    if m is None:
        return None
    return {cur: dec(v) for cur, v in sorted(m.items())}


def _prune(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def tier_data(t: Tier) -> dict[str, Any]:
    return _prune({
        "up_to": dec(t.up_to) if t.up_to is not None else None,
        "unit_price": money(t.unit_price),
        "flat_fee": money(t.flat_fee),
    })


def price_data(p: Price) -> dict[str, Any]:
    out: dict[str, Any] = {"model": p.model}
    if p.model == "flat":
        out["amount"] = money(p.amount)  # type: ignore[attr-defined]
    elif isinstance(p, PerUnitPrice):
        out["unit_price"] = money(p.unit_price)
        out["included"] = dec(p.included)
    elif p.model in ("graduated", "volume"):
        out["tiers"] = [tier_data(t) for t in p.tiers]  # type: ignore[attr-defined]
    elif isinstance(p, PackagePrice):
        out.update(package_size=dec(p.package_size), package_price=money(p.package_price),
                   included=dec(p.included), rounding=p.rounding)
    elif isinstance(p, PercentagePrice):
        out.update(percent=dec(p.percent), fixed_fee=money(p.fixed_fee), min=money(p.min), max=money(p.max))
    if p.dimensions:
        out["dimensions"] = {
            dim: {val: price_data(spec) for val, spec in sorted(values.items())}
            for dim, values in sorted(p.dimensions.items())
        }
    return _prune(out)


def entitlement_data(e: Entitlement) -> Any:
    if e.enabled is not None:
        return e.enabled
    limit: Any = "unlimited" if e.unlimited else (dec(e.limit) if e.limit is not None else None)
    if e.enforcement is not None:
        return _prune({"limit": limit, "enforcement": e.enforcement})
    return limit


def meter_data(m: Meter) -> dict[str, Any]:
    return _prune({"name": m.name, "description": m.description, "unit": m.unit,
                   "aggregation": m.aggregation, "property": m.property,
                   "dimensions": list(m.dimensions) if m.dimensions else None})


def feature_data(f: Feature) -> dict[str, Any]:
    return _prune({"name": f.name, "description": f.description, "type": f.type, "unit": f.unit,
                   "meter": f.meter})


def sku_data(s: Sku) -> dict[str, Any]:
    return _prune({"name": s.name, "description": s.description, "meter": s.meter,
                   "unit_cost": dec(s.unit_cost) if s.unit_cost is not None else None})


def _prices(prices: Mapping[str, Price]) -> dict[str, Any]:
    return {sku: price_data(p) for sku, p in sorted(prices.items())}


def _ents(ents: Mapping[str, Entitlement]) -> dict[str, Any]:
    return {fid: entitlement_data(e) for fid, e in sorted(ents.items())}


def plan_data(p: Plan) -> dict[str, Any]:
    return _prune({
        "name": p.name,
        "description": p.description,
        "currencies": list(p.currencies),
        "billing_period": p.billing_period,
        "sales_negotiated": True if p.sales_negotiated else None,
        "prices": _prices(p.prices),
        "minimum": money(p.minimum),
        "credit": money(p.credit),
        "entitlements": _ents(p.entitlements),
    })


def add_on_data(a: AddOn) -> dict[str, Any]:
    return _prune({
        "name": a.name,
        "description": a.description,
        "currencies": list(a.currencies),
        "available_for": list(a.available_for),
        "sales_negotiated": True if a.sales_negotiated else None,
        "prices": _prices(a.prices),
        "entitlements": _ents(a.entitlements) or None,
    })


def rule_data(r: GrandfatheringRule) -> dict[str, Any]:
    return _prune({
        "plans": list(r.plans) or None,
        "customers": list(r.customers) or None,
        "subscribed_before": r.subscribed_before.isoformat() if r.subscribed_before else None,
        "release": r.release,
        "until": r.until.isoformat() if r.until else None,
    })


def catalog_to_data(c: Catalog) -> dict[str, Any]:
    """The canonical, fully resolved plain form of a catalog."""
    return {
        "catalog": _prune({"id": c.id, "name": c.name, "description": c.description, "currency": c.currency,
                           "rounding": c.rounding, "timezone": c.timezone}),
        "meters": {k: meter_data(v) for k, v in sorted(c.meters.items())},
        "features": {k: feature_data(v) for k, v in sorted(c.features.items())},
        "skus": {k: sku_data(v) for k, v in sorted(c.skus.items())},
        "plans": {k: plan_data(v) for k, v in sorted(c.plans.items())},
        "add_ons": {k: add_on_data(v) for k, v in sorted(c.add_ons.items())},
        "grandfathering": {k: rule_data(v) for k, v in sorted(c.grandfathering.items())},
    }


def canonical_json(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, UTF-8, trailing newline. Digests hash this."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
