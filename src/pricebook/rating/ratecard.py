"""Rate cards: a plan's prices, adjustments, entitlements and add-ons described in words.

``show`` renders these as a table, markdown or JSON. Descriptions are plain text (no markup), in
the currency's convention: ``$12.00 per seat, 3 included``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pricebook.model import (
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
    Tier,
    VolumePrice,
)
from pricebook.money import format_money
from pricebook.rating.engine import _add_on, _plan, default_currency


@dataclass(frozen=True)
class PriceRow:
    """One price of a rate card (a dimension value's own price is a row of its own)."""

    sku: str
    name: str
    model: str
    unit: str | None
    summary: str
    tiers: tuple[str, ...] = ()  # one text per tier of graduated/volume prices
    dimension: tuple[str, str] | None = None
    add_on: str | None = None
    price: Price | None = None


@dataclass(frozen=True)
class AddOnCard:
    id: str
    name: str
    description: str | None
    rows: tuple[PriceRow, ...]
    sales_negotiated: bool = False


@dataclass(frozen=True)
class RateCard:
    """Everything a customer of ``plan`` is offered, in one currency."""

    plan: Plan
    currency: str
    rows: tuple[PriceRow, ...]
    minimum: Decimal | None
    credit: Decimal | None
    entitlements: tuple[tuple[str, str, str], ...]  # (feature id, feature name, what the plan grants)
    add_ons: tuple[AddOnCard, ...]
    source: str = ""


def _qty(d: Decimal) -> str:
    if d == d.to_integral_value():
        return format(d.quantize(Decimal(1)), ",")
    return format(d.normalize(), ",f")


def _m(money: Money | None, currency: str) -> Decimal | None:
    if money is None:
        return None
    return money.get(currency)


def _fmt(money: Money | None, currency: str) -> str:
    v = _m(money, currency)
    return format_money(v, currency) if v is not None else f"(no {currency} price)"


def _per(unit: str | None) -> str:
    return f" per {unit}" if unit else " per unit"


def tier_texts(tiers: tuple[Tier, ...], currency: str, unit: str | None) -> tuple[str, ...]:
    """``up to 10,000: $0 per call``, ``10,000 to 1,000,000: ...``, ``above 1,000,000: ...``."""
    out: list[str] = []
    lower: Decimal | None = None
    for t in tiers:
        if t.up_to is None:
            span = f"above {_qty(lower)}" if lower is not None else "all"
        elif lower is None:
            span = f"up to {_qty(t.up_to)}"
        else:
            span = f"{_qty(lower)} to {_qty(t.up_to)}"
        parts = []
        if t.unit_price is not None:
            parts.append(_fmt(t.unit_price, currency) + _per(unit))
        if t.flat_fee is not None:
            parts.append(_fmt(t.flat_fee, currency) + " flat")
        out.append(f"{span}: {' + '.join(parts) or format_money(Decimal(0), currency)}")
        if t.up_to is not None:
            lower = t.up_to
    return tuple(out)


def describe_price(
    price: Price, currency: str, unit: str | None = None, period: str = "month"
) -> tuple[str, tuple[str, ...]]:
    """A one-line summary of ``price`` and, for tiered prices, one line per tier."""
    if isinstance(price, FlatPrice):
        return f"{_fmt(price.amount, currency)} per {period}", ()
    if isinstance(price, PerUnitPrice):
        inc = f", {_qty(price.included)} included" if price.included else ""
        return f"{_fmt(price.unit_price, currency)}{_per(unit)}{inc}", ()
    if isinstance(price, GraduatedPrice):
        return "graduated: each tier prices its own units", tier_texts(price.tiers, currency, unit)
    if isinstance(price, VolumePrice):
        return "volume: every unit at the tier the total falls in", tier_texts(price.tiers, currency, unit)
    if isinstance(price, PackagePrice):
        inc = f", {_qty(price.included)} included" if price.included else ""
        rnd = ", partial packages free" if price.rounding == "down" else ""
        units = (
            f" {unit}s"
            if unit and not unit.isupper() and not unit.endswith("s")
            else (f" {unit}" if unit else "")
        )
        return f"{_fmt(price.package_price, currency)} per {_qty(price.package_size)}{units}{inc}{rnd}", ()
    if isinstance(price, PercentagePrice):
        text = f"{_qty(price.percent)}%"
        if price.fixed_fee is not None:
            text += f" + {_fmt(price.fixed_fee, currency)}"
        text += " per transaction"
        bounds = []
        if price.min is not None:
            bounds.append(f"min {_fmt(price.min, currency)}")
        if price.max is not None:
            bounds.append(f"max {_fmt(price.max, currency)}")
        return text + (f" ({', '.join(bounds)})" if bounds else ""), ()
    return f"{price.model} price", ()


def entitlement_text(e: Entitlement, unit: str | None = None) -> str:
    """``yes`` / ``no`` / ``unlimited`` / ``50 projects`` / ``10,000,000 (hard limit)``."""
    if e.enabled is not None:
        return "yes" if e.enabled else "no"
    text = "unlimited" if e.unlimited else (_qty(e.limit) if e.limit is not None else "-")
    if unit and not e.unlimited and e.limit is not None:
        text += f" {unit}s" if not unit.endswith("s") and e.limit != 1 else f" {unit}"
    if e.enforcement:
        text += f" ({e.enforcement} limit)"
    return text


def _rows(catalog: Catalog, prices: Any, currency: str, period: str, add_on: str | None) -> list[PriceRow]:
    rows: list[PriceRow] = []
    for sku_id, price in prices.items():
        sku = catalog.skus.get(sku_id)
        meter = catalog.meters.get(sku.meter) if sku and sku.meter else None
        unit = meter.unit if meter else None
        name = sku.name if sku else sku_id
        summary, tiers = describe_price(price, currency, unit, period)
        rows.append(PriceRow(sku_id, name, price.model, unit, summary, tiers, None, add_on, price))
        for dim, values in price.dimensions.items():
            for value, spec in values.items():
                s, t = describe_price(spec, currency, unit, period)
                rows.append(PriceRow(sku_id, name, spec.model, unit, s, t, (dim, value), add_on, spec))
    return rows


def rate_card(catalog: Catalog, plan_id: str, currency: str | None = None, source: str = "") -> RateCard:
    """The rate card of ``plan_id`` in ``currency`` (default: as for quote). RatingError for an
    unknown plan (with a did-you-mean) or a currency the plan is not sold in."""
    from pricebook.rating.base import RatingError

    plan = _plan(catalog, plan_id)
    cur = (currency or default_currency(catalog, plan_id)).upper()
    if cur not in plan.currencies:
        raise RatingError(f"plan '{plan_id}' is not sold in {cur} (currencies: {', '.join(plan.currencies)})")
    rows = _rows(catalog, plan.prices, cur, plan.billing_period, None)
    ents = []
    for fid, e in plan.entitlements.items():
        f = catalog.features.get(fid)
        ents.append((fid, f.name if f else fid, entitlement_text(e, f.unit if f else None)))
    add_ons = []
    for a in catalog.add_ons.values():
        if plan_id in a.available_for:
            a = _add_on(catalog, plan_id, a.id)
            add_ons.append(
                AddOnCard(
                    a.id,
                    a.name,
                    a.description,
                    tuple(_rows(catalog, a.prices, cur, plan.billing_period, a.id)),
                    a.sales_negotiated,
                )
            )
    return RateCard(
        plan,
        cur,
        tuple(rows),
        _m(plan.minimum, cur),
        _m(plan.credit, cur),
        tuple(ents),
        tuple(add_ons),
        source,
    )


def rate_cards(catalog: Catalog, currency: str | None = None, source: str = "") -> list[RateCard]:
    """Every plan's rate card, in ``currency`` where the plan is sold in it, otherwise in the plan's
    default currency; cheapest first (by the sum of the plan's flat fees), sales-negotiated plans last,
    then in catalog order."""
    out = []
    for pid, plan in catalog.plans.items():
        cur = currency.upper() if currency and currency.upper() in plan.currencies else None
        out.append(rate_card(catalog, pid, cur, source))
    return sorted(out, key=lambda c: (c.plan.sales_negotiated, _flat_total(c)))


def _flat_total(card: RateCard) -> Decimal:
    total = Decimal(0)
    for p in card.plan.prices.values():
        if isinstance(p, FlatPrice):
            total += p.amount.get(card.currency, Decimal(0))
    return total


def show(
    catalog_dir: Any, plan: str | None = None, currency: str | None = None, at: str | None = None
) -> list[RateCard]:
    """``show`` as a function: load the catalog (at ``at``) and return one rate card, or all of them."""
    from pricebook.rating.quote import load_valid_catalog

    catalog, label = load_valid_catalog(catalog_dir, at)
    if plan is not None:
        return [rate_card(catalog, plan, currency, label)]
    if not catalog.plans:
        from pricebook.rating.base import RatingError

        raise RatingError(f"catalog {label} has no plans")
    return rate_cards(catalog, currency, label)
