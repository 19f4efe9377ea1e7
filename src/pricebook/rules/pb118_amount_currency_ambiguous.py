from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.model import UNSPECIFIED
from pricebook.rules import Rule, RuleContext, _walk


class AmountCurrencyAmbiguous(Rule):
    """In a plan with several currencies, every amount names its currency.

    Wrong::

        plans:
          pro:
            currencies: [USD, EUR]
            prices:
              platform: {model: flat, amount: "49.00"}      # USD or EUR?

    Right::

        plans:
          pro:
            currencies: [USD, EUR]
            prices:
              platform: {model: flat, amount: {USD: "49.00", EUR: "45.00"}}
    """

    id = "PB118"
    name = "amount-currency-ambiguous"
    severity = "error"
    scope = "plan"
    fix_hint = "write `{USD: ..., EUR: ...}` instead of a bare amount"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for path, owner, m in _walk.money(ctx.catalog):
            if UNSPECIFIED in m:
                yield self.report(ctx, path, f"a bare amount in {_walk.describe(owner)}, which is priced in "
                                  f"{', '.join(owner.currencies)}: which currency is it?",
                                  fix="write one amount per currency: {" +
                                  ", ".join(f"{c}: ..." for c in owner.currencies) + "}")
