from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class SkuUnpriced(Rule):
    """A SKU that no plan or add-on prices never appears on an invoice (warning).

    Wrong::

        skus:
          legacy-storage: {name: Legacy storage, meter: storage}   # priced nowhere

    Right::

        # price it in a plan, or delete it
        plans:
          pro: {prices: {legacy-storage: {model: per_unit, unit_price: "0.10"}}}
    """

    id = "PB122"
    name = "sku-unpriced"
    severity = "warning"
    fix_hint = "price the SKU in a plan or add-on, or remove it"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        priced = _walk.priced_skus(ctx.catalog)
        for sku in ctx.catalog.skus.values():
            if sku.id not in priced:
                yield self.report(ctx, ("skus", sku.id), f"SKU '{sku.id}' is priced by no plan or add-on",
                                  fix="price it in a plan or remove it")
