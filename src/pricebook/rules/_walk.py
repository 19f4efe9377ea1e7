"""Walks over a catalog that rules share: every price (with its dimension sub-prices), every money
value, every entitlement, each with its catalog path.

Plans are resolved (``extends`` expanded), so a price a child plan inherits unchanged from its parent
is the parent's price: the walks skip it and a rule reports the problem once, where it is written.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from pricebook.diagnostics import CatalogPath
from pricebook.model import (
    AddOn,
    Catalog,
    Entitlement,
    FlatPrice,
    GraduatedPrice,
    Money,
    PackagePrice,
    PercentagePrice,
    PerUnitPrice,
    Plan,
    Price,
    VolumePrice,
)


class PriceAt(NamedTuple):  # a NamedTuple: a big catalog has tens of thousands of these
    """One price spec: ``sku`` it prices, the plan or add-on that owns it, and where it is."""

    path: CatalogPath
    owner: Plan | AddOn
    sku: str
    price: Price
    dimension: tuple[str, str] | None = None  # (dimension, value) for a dimension sub-price


def _parent(catalog: Catalog, owner: Plan | AddOn) -> Plan | None:
    if isinstance(owner, Plan) and owner.extends:
        return catalog.plans.get(owner.extends)
    return None


def owners(catalog: Catalog) -> Iterator[tuple[CatalogPath, Plan | AddOn]]:
    """Every plan and add-on with its path (``plans.pro``, ``add_ons.support``)."""
    for p in catalog.plans.values():
        yield ("plans", p.id), p
    for a in catalog.add_ons.values():
        yield ("add_ons", a.id), a


def inherited(catalog: Catalog, owner: Plan | AddOn, key: str, value: object) -> bool:
    """True when ``owner`` has ``value`` under ``key`` only because its parent plan has it."""
    parent = _parent(catalog, owner)
    if parent is None:
        return False
    if key.startswith("prices."):
        return parent.prices.get(key[7:]) == value
    if key.startswith("entitlements."):
        return parent.entitlements.get(key[13:]) == value
    return bool(getattr(parent, key, None) == value)


# Walks are shared by many rules: each is computed once for the catalog being checked. Only the
# latest catalog is remembered (weakly), so nothing outlives it.
_MEMO: dict[str, list[Any]] = {}
_MEMO_OF: list[weakref.ref[Catalog]] = []


def _memo(kind: str, catalog: Catalog, build: Callable[[], Iterator[Any]]) -> list[Any]:
    if not _MEMO_OF or _MEMO_OF[0]() is not catalog:
        _MEMO.clear()
        _MEMO_OF[:] = [weakref.ref(catalog)]
    value = _MEMO.get(kind)
    if value is None:
        value = _MEMO[kind] = list(build())
    return value


def prepare(catalog: Catalog) -> None:
    """Compute the shared walks now: before rules are split over processes (``validation``), so
    that each process reuses them instead of walking the catalog again."""
    prices(catalog)
    prices(catalog, nested=False)
    money(catalog)
    entitlements(catalog)


def prices(catalog: Catalog, nested: bool = True) -> list[PriceAt]:
    """Every price written in the catalog, and (``nested``) every dimension sub-price under it."""
    if not nested:
        return _memo("prices-top", catalog, lambda: (p for p in prices(catalog) if p.dimension is None))
    return _memo("prices", catalog, lambda: _prices(catalog, True))


def _prices(catalog: Catalog, nested: bool) -> Iterator[PriceAt]:
    for (kind, oid), owner in owners(catalog):
        parent = _parent(catalog, owner)
        inherited_from = parent.prices if parent is not None else {}
        for sku, price in owner.prices.items():
            if inherited_from and inherited_from.get(sku) == price:  # as ``inherited``, per owner once
                continue
            path = (kind, oid, "prices", sku)
            yield PriceAt(path, owner, sku, price)
            if nested and price.dimensions:
                yield from _dimension_prices(path, owner, sku, price)


def _dimension_prices(path: CatalogPath, owner: Plan | AddOn, sku: str, price: Price) -> Iterator[PriceAt]:
    for dim, values in price.dimensions.items():
        for val, sub in values.items():
            sub_path = (*path, "dimensions", dim, val)
            yield PriceAt(sub_path, owner, sku, sub, (dim, val))
            yield from _dimension_prices(sub_path, owner, sku, sub)


_AMOUNT, _UNIT_PRICE, _PACKAGE_PRICE = ("amount",), ("unit_price",), ("package_price",)
_PERCENTAGE_KEYS = (("fixed_fee",), ("min",), ("max",))


def price_money(price: Price) -> list[tuple[tuple[str | int, ...], Money]]:
    """The money values of one price spec, each with its path relative to the spec (a list, not
    a generator: this runs once for every price of the catalog)."""
    if isinstance(price, FlatPrice):
        return [(_AMOUNT, price.amount)]
    if isinstance(price, PerUnitPrice):
        return [(_UNIT_PRICE, price.unit_price)]
    if isinstance(price, (GraduatedPrice, VolumePrice)):
        out: list[tuple[tuple[str | int, ...], Money]] = []
        for i, t in enumerate(price.tiers):
            if t.unit_price is not None:
                out.append((("tiers", i, "unit_price"), t.unit_price))
            if t.flat_fee is not None:
                out.append((("tiers", i, "flat_fee"), t.flat_fee))
        return out
    if isinstance(price, PackagePrice):
        return [(_PACKAGE_PRICE, price.package_price)]
    if isinstance(price, PercentagePrice):
        return [(rel, m) for rel in _PERCENTAGE_KEYS if (m := getattr(price, rel[0])) is not None]
    return []


def money(catalog: Catalog) -> list[tuple[CatalogPath, Plan | AddOn, Money]]:
    """Every money value written in the catalog: prices (dimensions included), minimums, credits."""
    return _memo("money", catalog, lambda: _money(catalog))


def _money(catalog: Catalog) -> Iterator[tuple[CatalogPath, Plan | AddOn, Money]]:
    for at in prices(catalog):
        for rel, m in price_money(at.price):
            yield (*at.path, *rel), at.owner, m
    for base, owner in owners(catalog):
        if isinstance(owner, Plan):
            for key in ("minimum", "credit"):
                m = getattr(owner, key)
                if m is not None and not inherited(catalog, owner, key, m):
                    yield (*base, key), owner, m


def entitlements(catalog: Catalog) -> list[tuple[CatalogPath, Plan | AddOn, Entitlement]]:
    """Every entitlement written in the catalog, with its path."""
    return _memo("entitlements", catalog, lambda: _entitlements(catalog))


def _entitlements(catalog: Catalog) -> Iterator[tuple[CatalogPath, Plan | AddOn, Entitlement]]:
    for base, owner in owners(catalog):
        for fid, ent in owner.entitlements.items():
            if inherited(catalog, owner, f"entitlements.{fid}", ent):
                continue
            yield (*base, "entitlements", fid), owner, ent


def priced_skus(catalog: Catalog) -> set[str]:
    out: set[str] = set()
    for _, owner in owners(catalog):
        out.update(owner.prices)
    return out


def meter_of(catalog: Catalog, sku: str) -> str | None:
    s = catalog.skus.get(sku)
    return s.meter if s is not None else None


def describe(owner: Plan | AddOn) -> str:
    return f"plan '{owner.id}'" if isinstance(owner, Plan) else f"add-on '{owner.id}'"


def sorted_ids(ids: Mapping[str, object] | set[str]) -> list[str]:
    return sorted(ids)


def money_path(catalog: Catalog, path: CatalogPath, currency: str) -> CatalogPath:
    """The path of one currency's amount: ``...amount.EUR`` when written as a map, else ``...amount``."""
    full = (*path, currency)
    return full if full in catalog.source.positions or not catalog.source.positions else path
