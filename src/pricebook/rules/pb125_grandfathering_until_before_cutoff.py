from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringUntilBeforeCutoff(Rule):
    """A grandfathering rule's ``until`` (its sunset) must come after ``subscribed_before``: otherwise
    it has ended before any customer it is meant for could match it.

    Wrong::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01, until: 2026-01-01}

    Right::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01, until: 2027-01-01}
    """

    id = "PB125"
    name = "grandfathering-until-before-cutoff"
    severity = "error"
    fix_hint = "set `until` after `subscribed_before`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for r in ctx.catalog.grandfathering.values():
            if r.until is not None and r.subscribed_before is not None and r.until <= r.subscribed_before:
                yield self.report(ctx, ("grandfathering", r.id, "until"),
                                  f"grandfathering rule '{r.id}' ends ({r.until}) on or before its "
                                  f"subscribed_before ({r.subscribed_before})",
                                  fix="set until after subscribed_before, or remove until")
