from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class PriceDimensionUnknown(Rule):
    """A price may vary only by a dimension its SKU's meter declares.

    Wrong::

        meters:
          tokens: {name: Tokens, dimensions: [model]}
        plans:
          pro:
            prices:
              tokens:
                model: per_unit
                unit_price: "0.000002"
                dimensions:
                  region: {eu: {model: per_unit, unit_price: "0.000003"}}   # meter has no 'region'

    Right::

        meters:
          tokens: {name: Tokens, dimensions: [model, region]}
    """

    id = "PB108"
    name = "price-dimension-unknown"
    severity = "error"
    scope = "plan"
    fix_hint = "add the dimension to the meter, or remove it from the price"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            meter_id = _walk.meter_of(ctx.catalog, at.sku)
            meter = ctx.catalog.meters.get(meter_id) if meter_id else None
            if meter is None:
                continue  # PB109 (no meter) or PB102 (unknown meter) says it
            for dim in at.price.dimensions:
                if dim not in meter.dimensions:
                    declared = ", ".join(meter.dimensions) or "none"
                    yield self.report(ctx, (*at.path, "dimensions", dim),
                                      f"price of '{at.sku}' varies by '{dim}', but meter '{meter.id}' "
                                      f"has no such dimension (it has: {declared})",
                                      fix=f"add '{dim}' to meters.{meter.id}.dimensions or remove it here")
