from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class FeatureMeter(Rule):
    """A metered feature must name the meter that counts it, and that meter must exist.

    Wrong::

        features:
          monthly-calls: {name: Monthly API calls, type: metered}               # which meter?
          monthly-tokens: {name: Monthly tokens, type: metered, meter: token}   # no meter 'token'

    Right::

        features:
          monthly-calls: {name: Monthly API calls, type: metered, meter: api-calls}
    """

    id = "PB104"
    name = "feature-unknown-meter"
    severity = "error"
    fix_hint = "give the metered feature an existing meter"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for f in ctx.catalog.features.values():
            if f.meter is not None and f.meter not in ctx.catalog.meters:
                yield self.report(ctx, ("features", f.id, "meter"),
                                  f"feature '{f.id}' uses unknown meter '{f.meter}'",
                                  fix=f"define meters.{f.meter} or name an existing meter")
            elif f.type == "metered" and f.meter is None:
                yield self.report(ctx, ("features", f.id),
                                  f"metered feature '{f.id}' names no meter",
                                  fix="add 'meter: <meter id>' to the feature")
