from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk

_FIXED = ("flat", "percentage")  # the models whose amount cannot be split by a dimension's values


class DimensionsOnFlatOrPercentage(Rule):
    """Flat and percentage prices cannot vary by dimension: a flat price does not depend on usage
    (its ``dimensions`` would be ignored), and a percentage price is rated per transaction, which a
    dimension's quantities no longer hold. So neither may have ``dimensions``, nor be the price of
    a dimension value.

    Wrong::

        plans:
          pro:
            prices:
              payments:
                model: percentage
                percent: "2.9"
                dimensions: {region: {eu: {model: percentage, percent: "1.5"}}}
              tokens:
                model: per_unit
                unit_price: "0.000002"
                dimensions: {model: {large: {model: flat, amount: "10"}}}

    Right::

        plans:
          pro:
            prices:
              payments: {model: percentage, percent: "2.9"}
              tokens:
                model: per_unit
                unit_price: "0.000002"
                dimensions: {model: {large: {model: per_unit, unit_price: "0.00001"}}}
    """

    id = "PB136"
    name = "dimensions-on-flat-or-percentage"
    severity = "error"
    scope = "plan"
    fix_hint = ("remove `dimensions` from a flat or percentage price; price dimension values per unit or "
                "by tiers")

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog, nested=False):
            price = at.price
            if not price.dimensions:
                continue
            who = f"{_walk.describe(at.owner)}, SKU '{at.sku}'"
            if price.model in _FIXED:
                if price.model == "flat":
                    fix = "remove 'dimensions', or price by usage (per_unit, graduated, ...)"
                else:
                    fix = "remove 'dimensions'; a percent that differs by value needs a SKU of its own"
                yield self.report(ctx, (*at.path, "dimensions"), f"{who}: a {price.model} price cannot vary "
                                  f"by dimension ({', '.join(price.dimensions)})", fix=fix)
                continue  # its dimension values are wrong with it: one finding
            for dim, values in price.dimensions.items():
                for value, sub in values.items():
                    if sub.model in _FIXED:
                        yield self.report(ctx, (*at.path, "dimensions", dim, value, "model"),
                                          f"{who}: the price for {dim}={value} is {sub.model}; a dimension "
                                          "value is priced by its usage",
                                          fix=f"price {dim}={value} with per_unit, graduated, volume or "
                                          "package")
