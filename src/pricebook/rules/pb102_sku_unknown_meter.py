from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class SkuUnknownMeter(Rule):
    """A SKU's ``meter`` must name a meter defined under ``meters``.

    Wrong::

        skus:
          api-calls: {name: API calls, meter: api-call}    # no meter 'api-call'

    Right::

        meters:
          api-calls: {name: API calls, aggregation: count}
        skus:
          api-calls: {name: API calls, meter: api-calls}
    """

    id = "PB102"
    name = "sku-unknown-meter"
    severity = "error"
    fix_hint = "define the meter, or name an existing one"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        meters = list(ctx.catalog.meters)
        for sku in ctx.catalog.skus.values():
            if sku.meter is not None and sku.meter not in ctx.catalog.meters:
                close = difflib.get_close_matches(sku.meter, meters, n=1)
                hint = f" — did you mean '{close[0]}'?" if close else ""
                yield self.report(ctx, ("skus", sku.id, "meter"),
                                  f"SKU '{sku.id}' uses unknown meter '{sku.meter}'{hint}",
                                  fix=f"define meters.{sku.meter} or name an existing meter")
