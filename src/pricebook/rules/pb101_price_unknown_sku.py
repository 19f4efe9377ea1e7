from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class PriceUnknownSku(Rule):
    """A price must name a SKU defined under ``skus``.

    Wrong::

        plans:
          pro:
            prices:
              api-call: {model: per_unit, unit_price: "0.001"}   # no SKU 'api-call'

    Right::

        skus:
          api-calls: {name: API calls, meter: api-calls}
        plans:
          pro:
            prices:
              api-calls: {model: per_unit, unit_price: "0.001"}
    """

    id = "PB101"
    name = "price-unknown-sku"
    severity = "error"
    scope = "plan"
    fix_hint = "define the SKU under skus, or price an existing one"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        skus = list(ctx.catalog.skus)
        owners = [("plans", p.id, p.prices) for p in ctx.catalog.plans.values()]
        owners += [("add_ons", a.id, a.prices) for a in ctx.catalog.add_ons.values()]
        for coll, owner, prices in owners:
            for sku in prices:
                if sku not in ctx.catalog.skus:
                    close = difflib.get_close_matches(sku, skus, n=1)
                    hint = f" — did you mean '{close[0]}'?" if close else ""
                    yield self.report(ctx, (coll, owner, "prices", sku), f"price for unknown SKU '{sku}'{hint}",
                                      fix=f"define skus.{sku} or price an existing SKU")
