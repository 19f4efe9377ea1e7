from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext, _walk


class EntitlementTypeMismatch(Rule):
    """An entitlement's value fits its feature's type: ``true``/``false`` for a boolean feature; a
    number or ``unlimited`` for quantity and metered features.

    Wrong::

        features:
          sso: {name: SSO, type: boolean}
          projects: {name: Projects, type: quantity}
        plans:
          pro: {entitlements: {sso: 5, projects: true}}

    Right::

        plans:
          pro: {entitlements: {sso: true, projects: 5}}
    """

    id = "PB127"
    name = "entitlement-type-mismatch"
    severity = "error"
    scope = "plan"
    fix_hint = "`true`/`false` for boolean features; a number or `unlimited` otherwise"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for path, owner, ent in _walk.entitlements(ctx.catalog):
            feature = ctx.catalog.features.get(ent.feature)
            if feature is None:
                continue  # PB103
            is_bool = ent.enabled is not None
            if feature.type == "boolean" and not is_bool:
                yield self.report(ctx, path, f"'{ent.feature}' is a boolean feature; {_walk.describe(owner)} "
                                  "gives it a limit", fix=f"write {ent.feature}: true (or false)")
            elif feature.type in ("quantity", "metered") and is_bool:
                yield self.report(ctx, path, f"'{ent.feature}' is a {feature.type} feature; "
                                  f"{_walk.describe(owner)} gives it {str(ent.enabled).lower()}",
                                  fix=f"write a number or 'unlimited' for {ent.feature}")
