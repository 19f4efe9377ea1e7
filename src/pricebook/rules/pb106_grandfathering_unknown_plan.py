from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringUnknownPlan(Rule):
    """A grandfathering rule's ``plans`` must be plans of the catalog.

    Wrong::

        grandfathering:
          legacy-pro: {plans: [professional], subscribed_before: 2026-06-01, release: 2026.01.01}

    Right::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}
    """

    id = "PB106"
    name = "grandfathering-unknown-plan"
    severity = "error"
    fix_hint = "list only plans defined under plans"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for r in ctx.catalog.grandfathering.values():
            for i, pid in enumerate(r.plans):
                if pid not in ctx.catalog.plans:
                    yield self.report(ctx, ("grandfathering", r.id, "plans", i),
                                      f"grandfathering rule '{r.id}' names unknown plan '{pid}'",
                                      fix="list only plans defined under 'plans'")
