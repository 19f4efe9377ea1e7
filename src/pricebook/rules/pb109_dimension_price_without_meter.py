from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class DimensionPriceWithoutMeter(Rule):
    """Dimension prices split usage by an event property, so the SKU needs a meter.

    Wrong::

        skus:
          platform: {name: Platform fee}                 # no meter
        plans:
          pro:
            prices:
              platform:
                model: flat
                amount: "49.00"
                dimensions: {region: {eu: {model: flat, amount: "45.00"}}}

    Right::

        plans:
          pro:
            prices:
              platform: {model: flat, amount: "49.00"}   # or give the SKU a meter with that dimension
    """

    id = "PB109"
    name = "dimension-price-without-meter"
    severity = "error"
    scope = "plan"
    fix_hint = "give the SKU a meter with that dimension, or drop `dimensions`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog, nested=False):
            sku = ctx.catalog.skus.get(at.sku)
            if sku is not None and sku.meter is None and at.price.dimensions:
                yield self.report(ctx, (*at.path, "dimensions"),
                                  f"price of '{at.sku}' has dimension prices but SKU '{at.sku}' has no meter",
                                  fix=f"give skus.{at.sku} a meter that declares the dimension, "
                                  "or remove 'dimensions'")
