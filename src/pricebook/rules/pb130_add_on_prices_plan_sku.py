from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class AddOnPricesPlanSku(Rule):
    """An add-on that prices a SKU its plans already price bills it twice (warning).

    Wrong::

        plans:
          pro: {prices: {seats: {model: per_unit, unit_price: "12.00"}}}
        add_ons:
          extra-seats: {available_for: [pro], prices: {seats: {model: per_unit, unit_price: "10.00"}}}

    Right::

        skus:
          extra-seats: {name: Extra seats, meter: seats}
        add_ons:
          extra-seats: {available_for: [pro], prices: {extra-seats: {model: per_unit, unit_price: "10.00"}}}
    """

    id = "PB130"
    name = "add-on-prices-plan-sku"
    severity = "warning"
    fix_hint = "price a separate SKU in the add-on"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for a in ctx.catalog.add_ons.values():
            for sku in a.prices:
                plans = [p for p in a.available_for
                         if p in ctx.catalog.plans and sku in ctx.catalog.plans[p].prices]
                if plans:
                    yield self.report(ctx, ("add_ons", a.id, "prices", sku),
                                      f"add-on '{a.id}' prices '{sku}', which "
                                      f"plan{'s' if len(plans) > 1 else ''} {', '.join(plans)} already "
                                      f"price{'' if len(plans) > 1 else 's'}: "
                                      "customers would be billed twice",
                                      fix="price a separate SKU in the add-on")
