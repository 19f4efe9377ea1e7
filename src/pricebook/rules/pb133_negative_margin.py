from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import GraduatedPrice, PerUnitPrice, VolumePrice
from pricebook.rules import Rule, RuleContext, _walk


class NegativeMargin(Rule):
    """A unit price below the SKU's ``unit_cost`` sells each unit at a loss (warning). Compared in
    the catalog's currency (the currency unit_cost is written in), for per_unit prices and every
    paid tier; a tier priced 0 is a deliberate free allowance and is not reported.

    Wrong::

        skus:
          api-calls: {name: API calls, meter: api-calls, unit_cost: "0.0005"}
        plans:
          pro: {prices: {api-calls: {model: per_unit, unit_price: "0.0004"}}}

    Right::

        plans:
          pro: {prices: {api-calls: {model: per_unit, unit_price: "0.0008"}}}
    """

    id = "PB133"
    name = "negative-margin"
    severity = "warning"
    scope = "plan"
    fix_hint = "raise the price or check `unit_cost`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        cur = ctx.catalog.currency
        for at in _walk.prices(ctx.catalog):
            sku = ctx.catalog.skus.get(at.sku)
            if sku is None or sku.unit_cost is None:
                continue
            cost = sku.unit_cost
            candidates: list[tuple[tuple[str | int, ...], Decimal | None]] = []
            if isinstance(at.price, PerUnitPrice):
                candidates.append((("unit_price",), at.price.unit_price.get(cur)))
            elif isinstance(at.price, (GraduatedPrice, VolumePrice)):
                for i, t in enumerate(at.price.tiers):
                    if t.unit_price is not None:
                        candidates.append((("tiers", i, "unit_price"), t.unit_price.get(cur)))
            for rel, price in candidates:
                if price is not None and Decimal(0) < price < cost:
                    path = _walk.money_path(ctx.catalog, (*at.path, *rel), cur)
                    yield self.report(ctx, path, f"unit price {dec(price)} {cur} of '{at.sku}' is below its "
                                      f"unit_cost {dec(cost)}: every unit sells at a loss",
                                      fix="raise the price or check unit_cost")
