from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pricebook.diagnostics import Diagnostic
from pricebook.model import UNSPECIFIED
from pricebook.rules import Rule, RuleContext, _walk


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """ISO 4217 codes as Babel (CLDR) knows them."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


class CurrencyUnknown(Rule):
    """Currencies are ISO 4217 codes (as listed by CLDR): the catalog's, each plan's and add-on's,
    and every key of a per-currency amount.

    Wrong::

        catalog: {id: acme, currency: USX}
        plans:
          pro: {currencies: [USD, EUR], prices: {platform: {model: flat, amount: {USD: "49", EUU: "45"}}}}

    Right::

        catalog: {id: acme, currency: USD}
    """

    id = "PB119"
    name = "currency-unknown"
    severity = "error"
    scope = "plan"
    fix_hint = "use an ISO 4217 code (USD, EUR, JPY, ...)"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        known = iso_currencies()

        def bad(code: str, path: tuple[str | int, ...], what: str) -> Diagnostic:
            close = difflib.get_close_matches(code, sorted(known), n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            return self.report(ctx, path, f"'{code}' {what} is not an ISO 4217 currency code{hint}",
                               fix="use an ISO 4217 code such as USD, EUR or JPY")

        c = ctx.catalog
        if c.currency not in known:
            yield bad(c.currency, ("catalog", "currency"), "(the catalog's currency)")
        for base, owner in _walk.owners(c):
            if _walk.inherited(c, owner, "currencies", owner.currencies):
                continue
            for i, cur in enumerate(owner.currencies):
                if cur not in known and cur != c.currency:
                    at = (*base, "currencies", i) if (*base, "currencies") in c.source.positions else base
                    yield bad(cur, at, f"(a currency of {_walk.describe(owner)})")
        for path, owner, m in _walk.money(c):
            for cur in m:
                if cur != UNSPECIFIED and cur not in known and cur not in owner.currencies:
                    yield bad(cur, _walk.money_path(c, path, cur), "(an amount's currency)")
