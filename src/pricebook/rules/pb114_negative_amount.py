from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import PackagePrice, PercentagePrice, PerUnitPrice
from pricebook.rules import Rule, RuleContext, _walk


class NegativeAmount(Rule):
    """Amounts, included quantities, percents, unit costs and entitlement limits are never negative
    (a discount is a lower price, not a negative one; no limit is ``unlimited``, not -1).

    Wrong::

        platform: {model: flat, amount: "-10.00"}
        entitlements: {projects: -1, monthly-calls: {limit: -10, enforcement: hard}}

    Right::

        platform: {model: flat, amount: "10.00"}
        entitlements: {projects: unlimited, monthly-calls: {limit: 10, enforcement: hard}}
    """

    id = "PB114"
    name = "negative-amount"
    severity = "error"
    scope = "plan"
    fix_hint = "use zero or more"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        zero = Decimal(0)
        for path, _owner, m in _walk.money(ctx.catalog):
            if not m or min(m.values()) >= zero:
                continue
            for cur, v in m.items():
                if v < zero:
                    where = _walk.money_path(ctx.catalog, path, cur)
                    shown = f"{dec(v)} {cur}" if cur != "*" else dec(v)
                    yield self.report(ctx, where, f"negative amount {shown}",
                                      fix="amounts are zero or more")
        for at in _walk.prices(ctx.catalog):
            p = at.price
            if isinstance(p, (PerUnitPrice, PackagePrice)):
                key, v = "included", p.included
            elif isinstance(p, PercentagePrice):
                key, v = "percent", p.percent
            else:
                continue
            if v < zero:
                yield self.report(ctx, (*at.path, key), f"negative {key} {dec(v)} in the price of "
                                  f"'{at.sku}'", fix=f"{key} is zero or more")
        for sku in ctx.catalog.skus.values():
            if sku.unit_cost is not None and sku.unit_cost < zero:
                yield self.report(ctx, ("skus", sku.id, "unit_cost"),
                                  f"negative unit_cost {dec(sku.unit_cost)} for SKU '{sku.id}'",
                                  fix="unit_cost is zero or more")
        # the schema refuses a limit written as a negative text ("-5"); a YAML number reaches the model
        for path, owner, ent in _walk.entitlements(ctx.catalog):
            if ent.limit is not None and ent.limit < zero:
                where = (*path, "limit") if ent.enforcement is not None else path  # {limit, enforcement}
                yield self.report(ctx, where, f"limit {dec(ent.limit)} of '{ent.feature}' in "
                                  f"{_walk.describe(owner)} is negative; a limit must be a number of 0 or "
                                  "more, or \"unlimited\"", fix="write 0 or more, or unlimited for no limit")
