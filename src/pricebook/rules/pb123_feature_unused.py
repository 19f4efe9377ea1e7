from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class FeatureUnused(Rule):
    """A feature that no plan or add-on grants is dead weight (warning).

    Wrong::

        features:
          sso: {name: Single sign-on, type: boolean}    # no entitlement mentions sso

    Right::

        plans:
          pro: {entitlements: {sso: true}}
    """

    id = "PB123"
    name = "feature-unused"
    severity = "warning"
    fix_hint = "grant the feature in a plan, or remove it"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        used: set[str] = set()
        for _, owner in _walk.owners(ctx.catalog):
            used.update(owner.entitlements)
        for f in ctx.catalog.features.values():
            if f.id not in used:
                yield self.report(ctx, ("features", f.id),
                                  f"feature '{f.id}' is granted by no plan or add-on",
                                  fix="grant it in a plan's entitlements or remove it")
