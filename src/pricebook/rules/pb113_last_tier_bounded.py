from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import GraduatedPrice, VolumePrice
from pricebook.rules import Rule, RuleContext, _walk


class LastTierBounded(Rule):
    """The last tier must be open (no ``up_to``), or quantities above it have no price.

    Wrong::

        tiers:
          - {up_to: 1000, unit_price: "0"}
          - {up_to: 10000, unit_price: "0.002"}    # what does call 10,001 cost?

    Right::

        tiers:
          - {up_to: 1000, unit_price: "0"}
          - {unit_price: "0.002"}
    """

    id = "PB113"
    name = "last-tier-bounded"
    severity = "error"
    scope = "plan"
    fix_hint = "remove `up_to` from the last tier"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if not isinstance(at.price, (GraduatedPrice, VolumePrice)) or not at.price.tiers:
                continue
            i = len(at.price.tiers) - 1
            last = at.price.tiers[i]
            if last.up_to is not None:
                yield self.report(ctx, (*at.path, "tiers", i, "up_to"),
                                  f"the last tier of '{at.sku}' ends at {dec(last.up_to)}: quantities above "
                                  "it have no price", fix="remove up_to from the last tier")
