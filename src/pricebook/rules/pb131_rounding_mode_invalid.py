from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.model import ROUNDING_MODES
from pricebook.rules import Rule, RuleContext


class RoundingModeInvalid(Rule):
    """The catalog's ``rounding`` is ``half_up`` or ``half_even`` (how each invoice line rounds to the
    currency's minor unit). The schema checks YAML files; this rule also covers snapshots and
    catalogs built from Python data.

    Wrong::

        catalog: {id: acme, currency: USD, rounding: bankers}

    Right::

        catalog: {id: acme, currency: USD, rounding: half_even}
    """

    id = "PB131"
    name = "rounding-mode-invalid"
    severity = "error"
    fix_hint = "use `half_up` or `half_even`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        if ctx.catalog.rounding not in ROUNDING_MODES:
            yield self.report(ctx, ("catalog", "rounding"),
                              f"rounding '{ctx.catalog.rounding}' is not one of {', '.join(ROUNDING_MODES)}",
                              fix="use half_up or half_even")
