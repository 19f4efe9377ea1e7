from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import PercentagePrice
from pricebook.rules import Rule, RuleContext, _walk


class PercentageOver100(Rule):
    """A percentage price above 100 charges more than the transaction itself: usually a fee
    written as a fraction's inverse or with a misplaced decimal point (warning).

    Wrong::

        payments: {model: percentage, percent: "290"}

    Right::

        payments: {model: percentage, percent: "2.9"}
    """

    id = "PB132"
    name = "percentage-over-100"
    severity = "warning"
    scope = "plan"
    fix_hint = "write percent as a percentage: 2.9 means 2.9%"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if isinstance(at.price, PercentagePrice) and at.price.percent > Decimal(100):
                yield self.report(ctx, (*at.path, "percent"),
                                  f"percent {dec(at.price.percent)} of '{at.sku}' is above 100",
                                  fix="percent is in percent: 2.9 means 2.9%")
