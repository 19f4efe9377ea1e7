"""Render a quote: an itemized bill (rich text a salesperson can paste in an email) or SPEC §5 JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pricebook.load.dump import dec
from pricebook.model import Catalog
from pricebook.money import format_money, minor_unit, money_str
from pricebook.rating.base import Step
from pricebook.rating.engine import Bill, Line
from pricebook.rating.quote import Quote
from pricebook.report.values import quantity as qty  # exact at any precision, as simulate writes it


def unit_label(unit: str | None, quantity: Decimal) -> str:
    if not unit:
        return ""
    if quantity == 1 or unit.isupper() or unit.endswith("s"):
        return unit
    return unit + "s"


def line_label(catalog: Catalog, line: Line) -> str:
    """What a line is called on the bill: the SKU's name, its dimension value, its add-on."""
    if line.kind == "credit":
        return "Usage credit"
    if line.kind == "minimum":
        return "Minimum spend top-up"
    sku = catalog.skus.get(line.sku)
    label = sku.name if sku else line.sku
    if line.dimension is not None:
        label += f" ({line.dimension[0]}={line.dimension[1]})"
    elif line.rest_of is not None:
        label += f" ({line.rest_of}: all other)"
    if line.add_on is not None:
        add_on = catalog.add_ons.get(line.add_on)
        name = add_on.name if add_on else line.add_on
        label += " (add-on)" if label == name else f" (add-on: {name})"
    return label


def line_unit(catalog: Catalog, line: Line) -> str | None:
    sku = catalog.skus.get(line.sku)
    meter = catalog.meters.get(sku.meter) if sku and sku.meter else None
    return meter.unit if meter else None


def explain(line: Line, currency: str, unit: str | None = None) -> str:
    """How a line's amount arose, in words: ``3 included; 2 × $12.00``."""

    def m(d: Decimal) -> str:
        return format_money(d, currency)

    def u(q: Decimal) -> str:
        return f"{qty(q)} {unit_label(unit, q)}".strip()

    parts: list[str] = []
    steps = list(line.detail)
    if line.kind == "credit":
        credit = steps[0].rate if steps else -line.amount
        if -line.amount < credit:
            return f"credit of {m(credit)}, capped at the usage charges"
        return f"credit of {m(credit)} against usage charges"
    if line.kind == "minimum":
        return f"minimum spend {m(steps[0].rate if steps else line.amount)}: tops the bill up to it"
    if line.quantity == 0 and line.unrounded == 0 and line.model != "flat":
        return "no usage"
    has_included = any(s.kind == "included" for s in steps)
    for s in steps:
        if has_included and s.kind in ("units", "packages") and s.quantity == 0:
            continue  # everything was within the included units
        parts.append(_step_text(s, line.model, m, u))
    text = "; ".join(p for p in parts if p)
    exact = line.unrounded
    if exact != line.amount:
        text += f" = {format_money(exact, currency)} exactly, rounded"
    return text


def _step_text(s: Step, model: str, m: Callable[[Decimal], str], u: Callable[[Decimal], str]) -> str:
    if s.kind == "flat":
        return "flat fee per period"
    if s.kind == "included":
        if s.units is not None and s.quantity < s.units:
            return f"{qty(s.quantity)} of {u(s.units)} included"
        return f"{u(s.quantity)} included"
    if s.kind == "units":
        return f"{u(s.quantity)} × {m(s.rate)}"
    if s.kind == "tier":
        if model == "volume":
            return f"all {u(s.quantity)} at tier {s.tier}'s {m(s.rate)}"
        return f"tier {s.tier}: {u(s.quantity)} × {m(s.rate)}"
    if s.kind == "flat_fee":
        return f"tier {s.tier} fee {m(s.rate)}"
    if s.kind == "packages":
        return (
            f"{u(s.units or Decimal(0))} in packages of {qty(s.size or Decimal(1))}: "
            f"{qty(s.quantity)} × {m(s.rate)}"
        )
    if s.kind == "percent":
        return f"{qty(s.rate)}% of {m(s.quantity)}"
    if s.kind == "fixed_fee":
        return f"{qty(s.quantity)} × {m(s.rate)} fixed fee"
    if s.kind == "min":
        return f"{qty(s.quantity)} raised to the minimum {m(s.rate)}"
    if s.kind == "max":
        return f"{qty(s.quantity)} capped at the maximum {m(s.rate)}"
    return f"{s.kind} {qty(s.quantity)} × {m(s.rate)}"


# --- JSON ----------------------------------------------------------------------------------------


def _step_data(s: Step) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": s.kind,
        "quantity": dec(s.quantity),
        "rate": dec(s.rate),
        "amount": dec(s.amount),
    }
    if s.tier is not None:
        out["tier"] = s.tier
    if s.units is not None:
        out["units"] = dec(s.units)
    if s.size is not None:
        out["size"] = dec(s.size)
    return out


def line_data(catalog: Catalog, line: Line, currency: str) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "model": line.model,
        "quantity": dec(line.quantity),
        "amount": money_str(line.amount, currency),
        "kind": line.kind,
        "name": line_label(catalog, line),
        "dimension": None
        if line.dimension is None
        else {"name": line.dimension[0], "value": line.dimension[1]},
        "rest_of": line.rest_of,
        "add_on": line.add_on,
        "unrounded": dec(line.unrounded),
        "detail": [_step_data(s) for s in line.detail],
    }


def bill_data(catalog: Catalog, bill: Bill, source: str | None = None) -> dict[str, Any]:
    """SPEC §5's quote JSON (plan, currency, lines[sku, model, quantity, amount], total) plus detail."""
    plan = catalog.plans.get(bill.plan)
    return {
        "plan": bill.plan,
        "currency": bill.currency,
        "lines": [line_data(catalog, ln, bill.currency) for ln in bill.lines],
        "total": money_str(bill.total, bill.currency),
        "plan_name": plan.name if plan else bill.plan,
        "billing_period": plan.billing_period if plan else "month",
        "add_ons": list(bill.add_ons),
        "rounding": bill.rounding,
        "minor_unit": minor_unit(bill.currency),
        "catalog": source,
    }


def to_json(q: Quote) -> str:
    data = bill_data(q.catalog, q.bill, q.source)
    data["grandfathered_by"] = q.grandfathered_by
    from pricebook.rating.usage_input import usage_to_data

    data["usage"] = usage_to_data(q.usage)
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- text ----------------------------------------------------------------------------------------


def print_text(q: Quote) -> None:
    """The itemized bill as a rich table: item, quantity, how it was computed, amount; then the total."""
    from rich import box
    from rich.table import Table

    from pricebook.report.console import console, escape

    bill, cat = q.bill, q.catalog
    plan = cat.plans[bill.plan]
    out = console()
    period = "per month" if plan.billing_period == "month" else f"per {plan.billing_period}"
    add = f" + {', '.join(bill.add_ons)}" if bill.add_ons else ""
    out.print(
        f"[bold]Quote: {escape(plan.name)}[/bold] ({escape(bill.plan)}{escape(add)}), "
        f"{bill.currency}, {period}. Catalog {escape(cat.name)} at {escape(q.source)}."
    )
    if q.grandfathered_by is not None:
        out.print(f"Grandfathering rule {escape(q.grandfathered_by)} applies: priced at {escape(q.source)}.")
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    table.add_column("Item", footer="Total")
    # Numbers keep every digit: the prose columns give way first, and a number folds, never ends in "…".
    table.add_column("Quantity", justify="right", no_wrap=True, overflow="fold")
    table.add_column("How", overflow="fold")
    table.add_column(
        "Amount", justify="right", no_wrap=True, overflow="fold",
        footer=f"[bold]{escape(format_money(bill.total, bill.currency))}[/bold]",
    )
    for ln in bill.lines:
        unit = line_unit(cat, ln)
        if ln.kind != "price" or ln.model == "flat":
            shown_qty = ""
        else:
            shown_qty = f"{qty(ln.quantity)} {unit_label(unit, ln.quantity)}".strip()
        table.add_row(
            escape(line_label(cat, ln)),
            escape(shown_qty),
            escape(explain(ln, bill.currency, unit)),
            escape(format_money(ln.amount, bill.currency)),
        )
    out.print(table)
    digits = minor_unit(bill.currency)
    out.print(
        f"Each line is rounded once to {digits} decimal{'s' if digits != 1 else ''} ({bill.rounding}); "
        "the total is the sum of the lines."
    )
