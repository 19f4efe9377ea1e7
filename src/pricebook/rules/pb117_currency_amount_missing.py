from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.model import UNSPECIFIED
from pricebook.rules import Rule, RuleContext, _walk


class CurrencyAmountMissing(Rule):
    """Every amount of a plan or add-on gives a value for each of its currencies, and only for those.

    Wrong::

        plans:
          pro:
            currencies: [USD, EUR]
            prices:
              platform: {model: flat, amount: {USD: "49.00"}}         # no EUR amount

    Right::

        plans:
          pro:
            currencies: [USD, EUR]
            prices:
              platform: {model: flat, amount: {USD: "49.00", EUR: "45.00"}}
    """

    id = "PB117"
    name = "currency-amount-missing"
    severity = "error"
    scope = "plan"
    fix_hint = "give one amount per currency of the plan"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        expected: dict[int, frozenset[str]] = {}
        for path, owner, m in _walk.money(ctx.catalog):
            want = expected.get(id(owner))
            if want is None:
                want = expected[id(owner)] = frozenset(owner.currencies)
            if m.keys() == want:  # the common case, decided in C
                continue
            if UNSPECIFIED in m:
                continue  # PB118 reports a bare amount in a multi-currency plan
            missing = [c for c in owner.currencies if c not in m]
            extra = sorted(c for c in m if c not in owner.currencies)
            if missing:
                yield self.report(ctx, path, f"no {', '.join(missing)} amount: {_walk.describe(owner)} is "
                                  f"priced in {', '.join(owner.currencies)}",
                                  fix=f"add {', '.join(f'{c}: <amount>' for c in missing)}")
            for cur in extra:
                yield self.report(ctx, _walk.money_path(ctx.catalog, path, cur),
                                  f"amount in {cur}, which is not a currency of {_walk.describe(owner)} "
                                  f"({', '.join(owner.currencies)})",
                                  fix=f"add {cur} to the currencies, or remove this amount")
