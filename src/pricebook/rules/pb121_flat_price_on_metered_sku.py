from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class FlatPriceOnMeteredSku(Rule):
    """A flat price ignores usage, so on a metered SKU the meter counts for nothing: often a
    mistake for ``per_unit`` (warning).

    Wrong::

        skus:
          api-calls: {name: API calls, meter: api-calls}
        plans:
          pro: {prices: {api-calls: {model: flat, amount: "20.00"}}}

    Right::

        plans:
          pro: {prices: {api-calls: {model: per_unit, unit_price: "0.0004"}}}
    """

    id = "PB121"
    name = "flat-price-on-metered-sku"
    severity = "warning"
    scope = "plan"
    fix_hint = "use a usage model, or remove the SKU's meter"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog, nested=False):
            meter = _walk.meter_of(ctx.catalog, at.sku)
            if meter is not None and at.price.model == "flat":
                yield self.report(ctx, (*at.path, "model"),
                                  f"flat price on '{at.sku}', which is metered by '{meter}': usage does not "
                                  "change the amount", fix="use a usage model (per_unit, graduated, ...) or "
                                  "remove the SKU's meter")
