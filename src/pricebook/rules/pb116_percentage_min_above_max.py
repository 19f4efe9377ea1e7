from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import PercentagePrice
from pricebook.rules import Rule, RuleContext, _walk


class PercentageMinAboveMax(Rule):
    """A percentage price's ``min`` must not be above its ``max`` in any currency.

    Wrong::

        payments: {model: percentage, percent: "2.9", min: "5.00", max: "1.00"}

    Right::

        payments: {model: percentage, percent: "2.9", min: "0.50", max: "25.00"}
    """

    id = "PB116"
    name = "percentage-min-above-max"
    severity = "error"
    scope = "plan"
    fix_hint = "make `min` at most `max`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            p = at.price
            if not isinstance(p, PercentagePrice) or p.min is None or p.max is None:
                continue
            for cur, lo in sorted(p.min.items()):
                hi = p.max.get(cur)
                if hi is not None and lo > hi:
                    yield self.report(ctx, (*at.path, "min"),
                                      f"min {dec(lo)} is above max {dec(hi)}"
                                      f"{'' if cur == '*' else ' ' + cur} in the price of '{at.sku}'",
                                      fix="swap min and max, or lower min")
