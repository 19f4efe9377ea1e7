from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import GraduatedPrice, VolumePrice
from pricebook.rules import Rule, RuleContext, _walk


class TiersNotIncreasing(Rule):
    """Each tier's ``up_to`` must be above the previous tier's (and above zero).

    Wrong::

        tiers:
          - {up_to: 1000, unit_price: "0"}
          - {up_to: 1000, unit_price: "0.002"}     # not above 1000
          - {unit_price: "0.001"}

    Right::

        tiers:
          - {up_to: 1000, unit_price: "0"}
          - {up_to: 10000, unit_price: "0.002"}
          - {unit_price: "0.001"}
    """

    id = "PB111"
    name = "tiers-not-increasing"
    severity = "error"
    scope = "plan"
    fix_hint = "order tiers by `up_to`, each above the one before"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if not isinstance(at.price, (GraduatedPrice, VolumePrice)):
                continue
            prev = None
            for i, t in enumerate(at.price.tiers):
                if t.up_to is None:
                    continue
                if prev is None and t.up_to <= 0:
                    yield self.report(ctx, (*at.path, "tiers", i, "up_to"),
                                      f"tier {i + 1} of '{at.sku}' ends at {dec(t.up_to)}; a tier must cover "
                                      "quantities above zero", fix="use an up_to above 0")
                elif prev is not None and t.up_to <= prev:
                    yield self.report(ctx, (*at.path, "tiers", i, "up_to"),
                                      f"tier {i + 1} of '{at.sku}' ends at {dec(t.up_to)}, not above the "
                                      f"previous tier's {dec(prev)}",
                                      fix="order tiers by up_to, each strictly above the one before")
                prev = t.up_to if prev is None else max(prev, t.up_to)
