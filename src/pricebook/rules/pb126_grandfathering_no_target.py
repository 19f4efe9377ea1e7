from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringNoTarget(Rule):
    """A grandfathering rule must say whom it keeps on an old release: ``plans`` together with
    ``subscribed_before``, or ``customers``.

    Wrong::

        grandfathering:
          legacy-pro: {plans: [pro], release: 2026.01.01}        # subscribed before when?

    Right::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}
          big-deal: {customers: [cus_123], release: 2026.01.01}
    """

    id = "PB126"
    name = "grandfathering-no-target"
    severity = "error"
    fix_hint = "add `plans` + `subscribed_before`, or `customers`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for r in ctx.catalog.grandfathering.values():
            if r.customers or (r.plans and r.subscribed_before is not None):
                continue
            if r.plans:
                msg = f"grandfathering rule '{r.id}' lists plans but no subscribed_before date"
            elif r.subscribed_before is not None:
                msg = f"grandfathering rule '{r.id}' has subscribed_before but lists no plans"
            else:
                msg = f"grandfathering rule '{r.id}' matches nobody: it has neither plans nor customers"
            yield self.report(ctx, ("grandfathering", r.id), msg,
                              fix="add plans + subscribed_before, or customers")
