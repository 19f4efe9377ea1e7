from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class UsagePriceWithoutMeter(Rule):
    """A usage price (per_unit, graduated, volume, package, percentage) needs a quantity, so its SKU
    must have a meter.

    Wrong::

        skus:
          seats: {name: Seats}                          # no meter
        plans:
          pro: {prices: {seats: {model: per_unit, unit_price: "12.00"}}}

    Right::

        meters:
          seats: {name: Seats, aggregation: max}
        skus:
          seats: {name: Seats, meter: seats}
    """

    id = "PB120"
    name = "usage-price-without-meter"
    severity = "error"
    scope = "plan"
    fix_hint = "give the SKU a meter, or use `model: flat`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog, nested=False):
            sku = ctx.catalog.skus.get(at.sku)
            if sku is not None and sku.meter is None and at.price.model != "flat":
                yield self.report(ctx, (*at.path, "model"),
                                  f"{at.price.model} price of '{at.sku}' needs usage, but SKU '{at.sku}' "
                                  "has no meter",
                                  fix=f"give skus.{at.sku} a meter, or use model: flat")
