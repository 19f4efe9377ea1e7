from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.model import GraduatedPrice, VolumePrice
from pricebook.rules import Rule, RuleContext, _walk


class TierOpenNotLast(Rule):
    """Only the last tier may be open (no ``up_to``): the tiers after an open one are unreachable.

    Wrong::

        tiers:
          - {unit_price: "0.002"}                  # open, but not last
          - {up_to: 1000, unit_price: "0.001"}

    Right::

        tiers:
          - {up_to: 1000, unit_price: "0.002"}
          - {unit_price: "0.001"}
    """

    id = "PB112"
    name = "tier-open-not-last"
    severity = "error"
    scope = "plan"
    fix_hint = "give the tier an `up_to`, or move it to the end"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if not isinstance(at.price, (GraduatedPrice, VolumePrice)):
                continue
            last = len(at.price.tiers) - 1
            for i, t in enumerate(at.price.tiers):
                if t.up_to is None and i != last:
                    yield self.report(ctx, (*at.path, "tiers", i),
                                      f"tier {i + 1} of '{at.sku}' has no up_to but is not the last tier",
                                      fix="give it an up_to, or move it to the end")
