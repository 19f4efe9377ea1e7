from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class AddOnUnknownPlan(Rule):
    """An add-on's ``available_for`` must list plans that exist.

    Wrong::

        add_ons:
          priority-support:
            available_for: [professional]      # no plan 'professional'

    Right::

        add_ons:
          priority-support:
            available_for: [pro]
    """

    id = "PB105"
    name = "add-on-unknown-plan"
    severity = "error"
    fix_hint = "list only plans defined under plans"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        plans = list(ctx.catalog.plans)
        for a in ctx.catalog.add_ons.values():
            for i, pid in enumerate(a.available_for):
                if pid not in ctx.catalog.plans:
                    close = difflib.get_close_matches(pid, plans, n=1)
                    hint = f" — did you mean '{close[0]}'?" if close else ""
                    yield self.report(ctx, ("add_ons", a.id, "available_for", i),
                                      f"add-on '{a.id}' is available for unknown plan '{pid}'{hint}",
                                      fix="list only plans defined under 'plans'")
