"""``graduated``: each tier prices the units that fall in it; plus the flat fee of every tier reached.

The first tier is always reached, also at q = 0; tier i > 1 is reached when q is above tier i-1's
``up_to`` (SPEC §2). So 5.001 units reach the second tier of ``up_to: 5``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import GraduatedPrice
from pricebook.rating.base import ZERO, PriceModel, Rated, Step
from pricebook.rating.tiers import bands


class Graduated(PriceModel):
    model = "graduated"

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        p = self.price
        assert isinstance(p, GraduatedPrice)
        steps: list[Step] = []
        total = ZERO
        for b in bands(p.tiers, self.currency):
            if b.number > 1 and quantity <= b.lower:
                break
            top = quantity if b.upper is None else min(quantity, b.upper)
            units = max(top - b.lower, ZERO)
            amount = units * b.unit_price
            steps.append(Step("tier", units, b.unit_price, amount, tier=b.number))
            total += amount
            if b.flat_fee is not None:
                steps.append(Step("flat_fee", Decimal(1), b.flat_fee, b.flat_fee, tier=b.number))
                total += b.flat_fee
        return Rated(total, tuple(steps))
