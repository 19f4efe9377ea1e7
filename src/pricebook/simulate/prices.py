"""Stage 2's price tables, built from the same Price dataclasses the reference engine rates.

One builder per price model turns a price into a *component* row (the parameters that model's SQL
reads) and, for tiered models, *tier* rows. A price with ``dimensions`` gives one component per listed
value and one for the rest, exactly as ``pricebook.rating`` splits it. Catalog ids and amounts reach
DuckDB only as data (rows read by ``stage2.insert_rows``), never as SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from pricebook.errors import InputError
from pricebook.model import (
    AddOn,
    Catalog,
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

ZERO = Decimal(0)

COMPONENT_COLUMNS = (
    "comp_id", "ckey", "owner_kind", "owner", "currency", "seq", "sku", "meter", "aggregation", "model",
    "match", "dim_idx", "dim_value", "listed", "flat_amount", "unit_price", "included", "package_size",
    "package_price", "pkg_down", "rate", "fixed_fee", "pmin", "pmax",
)
TIER_COLUMNS = ("comp_id", "idx", "lower_q", "upper_q", "unit_price", "flat_fee")


def digits(d: Decimal) -> int:
    """Digits after the decimal point that ``d`` needs (``0.0000018`` -> 7, ``100`` -> 0)."""
    exp = d.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


@dataclass
class PriceTables:
    """Component and tier rows for every (catalog key, plan/add-on, currency, price)."""

    components: list[tuple[Any, ...]] = field(default_factory=list)
    tiers: list[tuple[Any, ...]] = field(default_factory=list)
    adjustments: list[tuple[Any, ...]] = field(default_factory=list)  # ckey, plan, currency, credit, minimum
    money_digits: int = 2  # the largest number of decimals of any amount (the price scale)
    rate_digits: int = 2  # the same for percentage rates (percent / 100)
    qty_digits: int = 0  # the same for included, package_size and up_to

    def _m(self, m: Money | None, cur: str) -> str | None:
        if m is None or cur not in m:
            return None
        v = m[cur]
        self.money_digits = max(self.money_digits, digits(v))
        return format(v, "f")

    def _q(self, v: Decimal | None) -> str | None:
        if v is None:
            return None
        self.qty_digits = max(self.qty_digits, digits(v))
        return format(v, "f")


# Each builder: (tables, price, currency) -> the model-specific columns of one component row, and
# appends its tier rows given the component id.
Builder = Callable[[PriceTables, Price, str, int], dict[str, Any]]


def _flat(t: PriceTables, p: Price, cur: str, cid: int) -> dict[str, Any]:
    assert isinstance(p, FlatPrice)
    return {"flat_amount": t._m(p.amount, cur) or "0"}


def _per_unit(t: PriceTables, p: Price, cur: str, cid: int) -> dict[str, Any]:
    assert isinstance(p, PerUnitPrice)
    return {"unit_price": t._m(p.unit_price, cur) or "0", "included": t._q(p.included)}


def _tiered(t: PriceTables, p: Price, cur: str, cid: int) -> dict[str, Any]:
    assert isinstance(p, GraduatedPrice | VolumePrice)
    lower = ZERO
    for i, tier in enumerate(p.tiers):
        t.tiers.append((cid, i, t._q(lower), t._q(tier.up_to), t._m(tier.unit_price, cur) or "0",
                        t._m(tier.flat_fee, cur) or "0"))
        if tier.up_to is not None:
            lower = tier.up_to
    return {}


def _package(t: PriceTables, p: Price, cur: str, cid: int) -> dict[str, Any]:
    assert isinstance(p, PackagePrice)
    if p.package_size <= 0:
        raise InputError(f"package price with package_size {p.package_size}: must be above 0")
    return {"package_size": t._q(p.package_size), "package_price": t._m(p.package_price, cur) or "0",
            "included": t._q(p.included), "pkg_down": p.rounding == "down"}


def _percentage(t: PriceTables, p: Price, cur: str, cid: int) -> dict[str, Any]:
    assert isinstance(p, PercentagePrice)
    rate = p.percent / 100
    t.rate_digits = max(t.rate_digits, digits(rate))
    return {"rate": format(rate, "f"), "fixed_fee": t._m(p.fixed_fee, cur),
            "pmin": t._m(p.min, cur), "pmax": t._m(p.max, cur)}


BUILDERS: dict[str, Builder] = {
    "flat": _flat,
    "per_unit": _per_unit,
    "graduated": _tiered,
    "volume": _tiered,
    "package": _package,
    "percentage": _percentage,
}


def build_tables(catalogs: Iterable[tuple[str, Catalog]], dims: Sequence[str]) -> PriceTables:
    """Price tables for every catalog, keyed by ``ckey`` (``baseline``, ``candidate``, ``release:<id>``).

    ``dims`` are the dimension names in view order (their index selects the column ``d_<i>``).
    """
    t = PriceTables()
    for ckey, cat in catalogs:
        owners: list[tuple[str, Plan | AddOn]] = [("plan", p) for p in cat.plans.values()]
        owners += [("add_on", a) for a in cat.add_ons.values()]
        for kind, owner in owners:
            currencies = owner.currencies or (cat.currency,)
            for cur in currencies:
                if kind == "plan":
                    assert isinstance(owner, Plan)
                    t.adjustments.append((ckey, owner.id, cur, t._m(owner.credit, cur), t._m(owner.minimum, cur)))
                for seq, (sku_id, price) in enumerate(owner.prices.items()):
                    sku = cat.skus.get(sku_id)
                    meter_id = sku.meter if sku is not None else None
                    meter = cat.meters.get(meter_id) if meter_id else None
                    agg = meter.aggregation if meter is not None else None
                    if price.model == "flat" or meter_id is None:
                        meter_id, agg = None, None

                    at = _PriceAt(ckey, kind, owner.id, cur, seq, sku_id, meter_id, agg)
                    if price.model == "flat" or not price.dimensions:
                        _add_component(t, at, price, "all", None, None, None, 999)
                        continue
                    if len(price.dimensions) > 1:
                        raise InputError(f"{ckey}: {kind} '{owner.id}', price '{sku_id}': a price may vary by "
                                         f"one dimension, not {len(price.dimensions)}")
                    ((dim, specs),) = price.dimensions.items()
                    if dim not in dims:
                        raise InputError(f"{ckey}: {kind} '{owner.id}', price '{sku_id}': meter "
                                         f"'{meter_id}' has no dimension '{dim}'")
                    idx = list(dims).index(dim)
                    for sub, (value, spec) in enumerate(specs.items()):
                        _add_component(t, at, spec, "value", idx, value, None, sub)
                    _add_component(t, at, price, "rest", idx, None, list(specs), 999)
    return t


class _PriceAt(NamedTuple):
    """Where a price sits: its catalog, owner, currency, position among the owner's prices, SKU and
    the meter and aggregation it is rated by (None for a flat price)."""

    ckey: str
    kind: str
    owner: str
    currency: str
    seq: int
    sku: str
    meter: str | None
    aggregation: str | None


def _add_component(t: PriceTables, at: _PriceAt, p: Price, match: str, dim_idx: int | None,
                   dim_value: str | None, listed: list[str] | None, sub: int) -> None:
    """One component row (a price, or one dimension value's price) of the price at ``at``."""
    cid = len(t.components) + 1  # component ids count the rows: 1, 2, 3, ...
    builder = BUILDERS.get(p.model)
    if builder is None:
        raise InputError(f"{at.ckey}: {at.kind} '{at.owner}', price '{at.sku}': "
                         f"unknown price model '{p.model}'")
    row: dict[str, Any] = {
        "comp_id": cid, "ckey": at.ckey, "owner_kind": at.kind, "owner": at.owner,
        "currency": at.currency, "seq": at.seq * 1000 + sub, "sku": at.sku, "meter": at.meter,
        "aggregation": at.aggregation, "model": p.model, "match": match, "dim_idx": dim_idx,
        "dim_value": dim_value, "listed": listed, "pkg_down": False,
    }
    row.update(builder(t, p, at.currency, cid))
    t.components.append(tuple(row.get(c) for c in COMPONENT_COLUMNS))
