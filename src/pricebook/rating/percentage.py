"""``percentage``: per transaction t, ``t × percent / 100 + fixed_fee`` clamped to ``[min, max]``.

Transactions are summed exactly; the line is rounded once, by the engine. The steps group the
transactions into those priced by the formula and those clamped to ``min`` or ``max``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import PercentagePrice
from pricebook.rating.base import ZERO, PriceModel, Rated, Step, money_in


class Percentage(PriceModel):
    model = "percentage"
    uses_transactions = True

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        p = self.price
        assert isinstance(p, PercentagePrice)
        cur = self.currency
        fee = money_in(p.fixed_fee, cur, "fixed_fee") if p.fixed_fee is not None else ZERO
        lo = money_in(p.min, cur, "min") if p.min is not None else None
        hi = money_in(p.max, cur, "max") if p.max is not None else None
        free_sum, free_n, n_lo, n_hi = ZERO, 0, 0, 0
        for t in transactions:
            v = t * p.percent / 100 + fee
            if lo is not None and v < lo:
                n_lo += 1
            elif hi is not None and v > hi:
                n_hi += 1
            else:
                free_sum += t
                free_n += 1
        steps = [Step("percent", free_sum, p.percent, free_sum * p.percent / 100)]
        if fee:
            steps.append(Step("fixed_fee", Decimal(free_n), fee, free_n * fee))
        if n_lo:
            assert lo is not None
            steps.append(Step("min", Decimal(n_lo), lo, n_lo * lo))
        if n_hi:
            assert hi is not None
            steps.append(Step("max", Decimal(n_hi), hi, n_hi * hi))
        return Rated(sum((s.amount for s in steps), ZERO), tuple(steps))
