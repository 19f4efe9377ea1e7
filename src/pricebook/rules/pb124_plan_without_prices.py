from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class PlanWithoutPrices(Rule):
    """A plan with no prices bills nothing; a free plan says so with a zero flat price (warning).
    Plans marked ``sales_negotiated: true`` are priced per deal and are exempt.

    Wrong::

        plans:
          free: {name: Free}

    Right::

        plans:
          free: {name: Free, prices: {platform: {model: flat, amount: "0"}}}
    """

    id = "PB124"
    name = "plan-without-prices"
    severity = "warning"
    scope = "plan"
    fix_hint = "add a price (free: a flat 0), or set `sales_negotiated: true`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for p in ctx.catalog.plans.values():
            if not p.prices and not p.sales_negotiated:
                yield self.report(ctx, ("plans", p.id), f"plan '{p.id}' has no prices",
                                  fix="add a price (a free plan: a flat amount of 0), or mark it "
                                  "sales_negotiated: true")
