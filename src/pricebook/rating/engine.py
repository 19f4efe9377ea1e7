"""The reference engine: one plan, one period's usage, one currency -> a Bill of rounded lines.

Semantics (docs/rating.md has the full text; the DuckDB engine in ``simulate`` copies them):

- Lines in order: the plan's prices in the plan's price order, then each add-on's prices (add-ons in
  the order given), then the credit line, then the minimum line.
- A flat price is one line of quantity 1. A usage price reads the usage of its SKU's meter; a meter
  with no usage rates at quantity 0. A price with ``dimensions`` gives one line per listed value whose
  quantity or unrounded amount is non-zero, in the listed order, then one line for the rest (always).
- Each line's exact amount is rounded once to the currency's minor unit with the catalog's mode; the
  total is the sum of the rounded lines.
- Credit: ``-min(round(credit), max(sum of rounded usage lines, 0))``; usage lines are every line whose
  model is not ``flat``. Minimum: when the total so far is below ``round(minimum)``, a line for the
  difference. Either line appears only when it is non-zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import TypeAlias

from pricebook.model import AddOn, Catalog, Meter, Plan, Price
from pricebook.money import round_money
from pricebook.rating.base import ZERO, RatingError, Step
from pricebook.rating.factory import price_model

# Amounts are products of quantities and prices with many digits (1e9 tokens × 0.0000018): rating
# runs with enough precision that no product or sum is ever rounded before the line is.
PRECISION = 60
REST = None  # Line.dimension of the "everything else" line of a dimensioned price
NO_VALUE = ""  # by_dimension key for events that carry no value for the dimension


@dataclass(frozen=True)
class MeterUsage:
    """One meter's usage in one period.

    ``quantity``: the aggregated quantity over all events of the meter (by the meter's aggregation).
    ``by_dimension``: dimension name -> dimension value -> the quantity of the events with that value,
    aggregated the same way; events without a value are under ``""``. ``transactions``: each event's
    value, read by percentage prices.
    """

    quantity: Decimal = ZERO
    by_dimension: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    transactions: tuple[Decimal, ...] = ()


Usage: TypeAlias = Mapping[str, MeterUsage]  # keyed by meter id


@dataclass(frozen=True)
class Line:
    """One invoice line. ``amount`` is ``unrounded`` rounded once to the currency's minor unit."""

    sku: str
    model: str
    quantity: Decimal
    amount: Decimal
    kind: str = "price"  # price | credit | minimum
    dimension: tuple[str, str] | None = None  # (dim, value) for a listed value; None for the rest
    add_on: str | None = None
    unrounded: Decimal = ZERO
    detail: tuple[Step, ...] = ()
    rest_of: str | None = None  # the dimension whose unlisted values this line rates, if any


@dataclass(frozen=True)
class Bill:
    """A period's bill: lines in order and their total (the sum of the rounded line amounts)."""

    plan: str
    currency: str
    lines: tuple[Line, ...]
    total: Decimal
    add_ons: tuple[str, ...] = ()
    rounding: str = "half_up"


def default_currency(catalog: Catalog, plan_id: str) -> str:
    """The catalog's currency when the plan offers it, else the plan's first currency."""
    plan = _plan(catalog, plan_id)
    return (
        catalog.currency if catalog.currency in plan.currencies or not plan.currencies else plan.currencies[0]
    )


def priced_meters(catalog: Catalog, plan_id: str, add_ons: Sequence[str] = ()) -> list[str]:
    """The meters the plan (and these add-ons) price, in first-use order."""
    plan = _plan(catalog, plan_id)
    out: list[str] = []
    for prices in (plan.prices, *(_add_on(catalog, plan_id, a).prices for a in add_ons)):
        for sku_id, price in prices.items():
            sku = catalog.skus.get(sku_id)
            if price.model != "flat" and sku is not None and sku.meter and sku.meter not in out:
                out.append(sku.meter)
    return out


def rate_plan(
    catalog: Catalog, plan_id: str, usage: Usage, currency: str | None = None, add_ons: Sequence[str] = ()
) -> Bill:
    """Rate one period of ``usage`` on plan ``plan_id`` (and ``add_ons``) into a Bill.

    ``currency`` defaults to ``default_currency``. Raises RatingError (exit 2) for an unknown plan
    or add-on, a currency the plan lacks, an add-on not available for the plan or given twice,
    usage of a meter that none of the prices reads, a negative quantity, or a price without an
    amount in the currency.
    """
    plan = _plan(catalog, plan_id)
    cur = (currency or default_currency(catalog, plan_id)).upper()
    if cur not in plan.currencies:
        raise RatingError(f"plan '{plan_id}' is not sold in {cur} (currencies: {', '.join(plan.currencies)})")
    if len(set(add_ons)) != len(add_ons):
        raise RatingError(
            "an add-on is given twice: " + ", ".join(sorted({a for a in add_ons if add_ons.count(a) > 1}))
        )
    addon_objs = [_add_on(catalog, plan_id, a) for a in add_ons]
    _check_usage(catalog, plan_id, usage, add_ons)
    mode = catalog.rounding
    lines: list[Line] = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for sku_id, price in plan.prices.items():
            lines += _rate_price(catalog, f"plan '{plan_id}'", sku_id, price, usage, cur, mode, None)
        for a in addon_objs:
            if a.currencies and cur not in a.currencies:
                raise RatingError(
                    f"add-on '{a.id}' is not sold in {cur} (currencies: {', '.join(a.currencies)})"
                )
            for sku_id, price in a.prices.items():
                lines += _rate_price(catalog, f"add-on '{a.id}'", sku_id, price, usage, cur, mode, a.id)
        lines += _adjustments(plan.credit, plan.minimum, lines, plan_id, cur, mode)
        total = sum((ln.amount for ln in lines), ZERO)
    return Bill(plan_id, cur, tuple(lines), total, tuple(add_ons), mode)


# --- helpers ---------------------------------------------------------------------------------


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    """``; did you mean 'pro'?`` for a near miss (case-insensitive first), else nothing."""
    import difflib

    folded = {k.casefold(): k for k in known}
    close = [folded[name.casefold()]] if name.casefold() in folded else []
    close = close or difflib.get_close_matches(name, list(known), n=1)
    close = close or [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=1)]
    return f"; did you mean '{close[0]}'?" if close else ""


def _plan(catalog: Catalog, plan_id: str) -> Plan:
    plan = catalog.plans.get(plan_id)
    if plan is None:
        known = sorted(catalog.plans)
        raise RatingError(
            f"unknown plan '{plan_id}'{_did_you_mean(plan_id, known)} (plans: {', '.join(known) or 'none'})"
        )
    return plan


def _add_on(catalog: Catalog, plan_id: str, add_on_id: str) -> AddOn:
    a = catalog.add_ons.get(add_on_id)
    if a is None:
        known = sorted(catalog.add_ons)
        raise RatingError(
            f"unknown add-on '{add_on_id}'{_did_you_mean(add_on_id, known)} "
            f"(add-ons: {', '.join(known) or 'none'})"
        )
    if plan_id not in a.available_for:
        raise RatingError(
            f"add-on '{add_on_id}' is not available for plan '{plan_id}' "
            f"(available for: {', '.join(a.available_for) or 'no plan'})"
        )
    return a


def _check_usage(catalog: Catalog, plan_id: str, usage: Usage, add_ons: Sequence[str]) -> None:
    priced = priced_meters(catalog, plan_id, add_ons)
    for meter_id, mu in usage.items():
        if meter_id not in catalog.meters:
            raise RatingError(f"unknown meter '{meter_id}'{_did_you_mean(meter_id, sorted(catalog.meters))}")
        if meter_id not in priced:
            raise RatingError(
                f"plan '{plan_id}' does not price meter '{meter_id}' "
                f"(priced meters: {', '.join(priced) or 'none'})"
            )
        values = [mu.quantity, *(q for vals in mu.by_dimension.values() for q in vals.values())]
        if any(q < 0 for q in values):
            raise RatingError(f"meter '{meter_id}': quantities cannot be negative")


def _rest_quantity(meter: Meter | None, mu: MeterUsage, dim: str, listed: Sequence[str]) -> Decimal:
    """The usage of the values a dimensioned price does not list (see docs/rating.md)."""
    values = mu.by_dimension.get(dim)
    if values is None:
        return mu.quantity
    rest = [q for v, q in values.items() if v not in listed]
    if meter is not None and meter.aggregation == "max":
        return max(rest, default=ZERO)
    return sum(rest, ZERO)


def _rate_price(
    catalog: Catalog,
    owner: str,
    sku_id: str,
    price: Price,
    usage: Usage,
    cur: str,
    mode: str,
    add_on: str | None,
) -> list[Line]:
    where = f"{owner}, price '{sku_id}'"
    sku = catalog.skus.get(sku_id)
    if sku is None:
        raise RatingError(f"{where}: unknown sku '{sku_id}'")
    meter_id = sku.meter
    mu = usage.get(meter_id, MeterUsage()) if meter_id else MeterUsage()
    meter = catalog.meters.get(meter_id) if meter_id else None

    def line(
        p: Price, quantity: Decimal, txns: Sequence[Decimal], dim: tuple[str, str] | None, rest_of: str | None
    ) -> Line:
        try:
            rated = price_model(p, cur).rate(quantity, txns)
        except RatingError as exc:
            raise RatingError(f"{where}: {exc}") from exc
        if p.model == "flat":
            quantity = Decimal(1)
        elif p.model == "percentage":
            quantity = sum(txns, ZERO)
        return Line(
            sku_id,
            p.model,
            quantity,
            round_money(rated.amount, cur, mode),
            "price",
            dim,
            add_on,
            rated.amount,
            rated.steps,
            rest_of,
        )

    if price.model == "percentage" and mu.quantity != 0 and not mu.transactions:
        raise RatingError(
            f"{where}: a percentage price needs the transaction values of meter "
            f"'{meter_id}', not only their total"
        )
    if price.model == "flat" or not price.dimensions:
        return [line(price, mu.quantity, mu.transactions, None, None)]
    if len(price.dimensions) > 1:
        raise RatingError(f"{where}: a price may vary by one dimension, not {len(price.dimensions)}")
    if price.model == "percentage" or any(
        p.model == "percentage" for vs in price.dimensions.values() for p in vs.values()
    ):
        raise RatingError(f"{where}: percentage prices cannot vary by dimension")
    ((dim, specs),) = price.dimensions.items()
    values = mu.by_dimension.get(dim, {})
    out: list[Line] = []
    for value, spec in specs.items():
        if spec.model == "flat":
            raise RatingError(f"{where}: dimension value '{dim}={value}' cannot be a flat price")
        q = values.get(value, ZERO)
        ln = line(spec, q, (), (dim, value), None)
        if q != 0 or ln.unrounded != 0:
            out.append(ln)
    out.append(line(price, _rest_quantity(meter, mu, dim, list(specs)), (), None, dim))
    return out


def _adjustments(
    credit_m: Mapping[str, Decimal] | None,
    minimum_m: Mapping[str, Decimal] | None,
    lines: list[Line],
    plan_id: str,
    cur: str,
    mode: str,
) -> list[Line]:
    from pricebook.rating.base import money_in

    out: list[Line] = []
    subtotal = sum((ln.amount for ln in lines), ZERO)
    if credit_m is not None:
        try:
            credit = money_in(credit_m, cur, "credit")
        except RatingError as exc:
            raise RatingError(f"plan '{plan_id}': {exc}") from exc
        usage_total = sum((ln.amount for ln in lines if ln.model != "flat"), ZERO)
        rounded = round_money(credit, cur, mode)
        applied = min(rounded, max(usage_total, ZERO))
        if applied > 0:
            # the step's rate is the credit as it can apply, at the minor unit: an explanation then
            # says "capped" only when the usage charges, not the rounding, held it back
            step = Step("credit", Decimal(1), rounded, -applied)
            out.append(
                Line("credit", "credit", Decimal(1), -applied, "credit", unrounded=-applied, detail=(step,))
            )
            subtotal -= applied
    if minimum_m is not None:
        try:
            minimum = money_in(minimum_m, cur, "minimum")
        except RatingError as exc:
            raise RatingError(f"plan '{plan_id}': {exc}") from exc
        floor = round_money(minimum, cur, mode)
        if subtotal < floor:
            top_up = floor - subtotal
            step = Step("minimum", Decimal(1), floor, top_up)
            out.append(
                Line("minimum", "minimum", Decimal(1), top_up, "minimum", unrounded=top_up, detail=(step,))
            )
    return out
