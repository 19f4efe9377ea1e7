from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class EnforcementOnUnmeteredFeature(Rule):
    """A metered entitlement (``{limit, enforcement}``) is enforced against a meter, so its feature
    must be a metered feature.

    Wrong::

        features:
          projects: {name: Projects, type: quantity}
        plans:
          pro: {entitlements: {projects: {limit: 50, enforcement: hard}}}

    Right::

        plans:
          pro: {entitlements: {projects: 50}}
        # or make the feature metered: {type: metered, meter: active-projects}
    """

    id = "PB128"
    name = "enforcement-on-unmetered-feature"
    severity = "error"
    scope = "plan"
    fix_hint = "make the feature metered, or write a plain limit"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for path, owner, ent in _walk.entitlements(ctx.catalog):
            feature = ctx.catalog.features.get(ent.feature)
            if feature is None or ent.enforcement is None or feature.type == "metered":
                continue
            yield self.report(ctx, path, f"{_walk.describe(owner)} gives '{ent.feature}' a metered limit "
                              f"(enforcement: {ent.enforcement}), but it is a {feature.type} feature",
                              fix=f"make features.{ent.feature} type: metered with a meter, or write a plain "
                              "limit")
