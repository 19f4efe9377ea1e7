from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.model import GraduatedPrice, VolumePrice
from pricebook.rules import Rule, RuleContext, _walk


class TiersEmpty(Rule):
    """A graduated or volume price needs at least one tier.

    Wrong::

        api-calls: {model: graduated, tiers: []}

    Right::

        api-calls:
          model: graduated
          tiers:
            - {up_to: 1000, unit_price: "0"}
            - {unit_price: "0.002"}
    """

    id = "PB110"
    name = "tiers-empty"
    severity = "error"
    scope = "plan"
    fix_hint = "add tiers; the last one has no `up_to`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if isinstance(at.price, (GraduatedPrice, VolumePrice)) and not at.price.tiers:
                yield self.report(ctx, (*at.path, "tiers"),
                                  f"{at.price.model} price of '{at.sku}' has no tiers",
                                  fix="add at least one tier; the last one has no up_to")
