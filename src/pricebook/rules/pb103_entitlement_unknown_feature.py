from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class EntitlementUnknownFeature(Rule):
    """An entitlement must name a feature defined under ``features``.

    Wrong::

        plans:
          pro:
            entitlements:
              single-sign-on: true       # no feature 'single-sign-on'

    Right::

        features:
          sso: {name: Single sign-on, type: boolean}
        plans:
          pro:
            entitlements:
              sso: true
    """

    id = "PB103"
    name = "entitlement-unknown-feature"
    severity = "error"
    scope = "plan"
    fix_hint = "define the feature, or grant an existing one"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        features = list(ctx.catalog.features)
        for path, owner, ent in _walk.entitlements(ctx.catalog):
            if ent.feature not in ctx.catalog.features:
                close = difflib.get_close_matches(ent.feature, features, n=1)
                hint = f" — did you mean '{close[0]}'?" if close else ""
                yield self.report(ctx, path, f"{_walk.describe(owner)} grants unknown feature "
                                  f"'{ent.feature}'{hint}",
                                  fix=f"define features.{ent.feature} or grant an existing feature")
