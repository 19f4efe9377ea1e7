from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class PriceSeveralDimensions(Rule):
    """A price varies by one dimension: its ``dimensions`` name one, and a dimension value's price has
    no ``dimensions`` of its own. ``quote`` refuses a price with two; a second level would be ignored.

    Wrong::

        meters:
          payments: {name: Payments, aggregation: sum, dimensions: [region, card]}
        plans:
          pro:
            prices:
              payments:
                model: per_unit
                unit_price: "1"
                dimensions:
                  region: {eu: {model: per_unit, unit_price: "2"}}
                  card: {amex: {model: per_unit, unit_price: "3"}}     # a second dimension

    Right::

        plans:
          pro:
            prices:
              payments:
                model: per_unit
                unit_price: "1"
                dimensions:
                  region: {eu: {model: per_unit, unit_price: "2"}}
        # and price the other dimension on a SKU (and meter) of its own
    """

    id = "PB135"
    name = "price-several-dimensions"
    severity = "error"
    scope = "plan"
    fix_hint = "keep one dimension per price; price another on a SKU of its own"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog, nested=False):
            dims = at.price.dimensions
            who = f"{_walk.describe(at.owner)}, SKU '{at.sku}'"
            if len(dims) > 1:
                yield self.report(ctx, (*at.path, "dimensions"),
                                  f"{who}: the price varies by {len(dims)} dimensions ({', '.join(dims)}); "
                                  "a price may vary by one dimension",
                                  fix=f"keep one of {', '.join(dims)} here, and price another on a SKU of "
                                  "its own")
            for dim, values in dims.items():
                for value, sub in values.items():
                    if sub.dimensions:
                        yield self.report(ctx, (*at.path, "dimensions", dim, value, "dimensions"),
                                          f"{who}: the price for {dim}={value} varies by "
                                          f"{', '.join(sub.dimensions)} in turn; a dimension value's price "
                                          "cannot vary by dimension (rating would ignore it)",
                                          fix=f"remove 'dimensions' from the price for {dim}={value}")
