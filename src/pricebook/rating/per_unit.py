"""``per_unit``: ``max(q - included, 0) × unit_price``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import PerUnitPrice
from pricebook.rating.base import ZERO, PriceModel, Rated, Step, money_in


class PerUnit(PriceModel):
    model = "per_unit"

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        p = self.price
        assert isinstance(p, PerUnitPrice)
        unit_price = money_in(p.unit_price, self.currency, "unit_price")
        steps: list[Step] = []
        if p.included > 0:
            steps.append(Step("included", min(quantity, p.included), ZERO, ZERO, units=p.included))
        billable = max(quantity - p.included, ZERO)
        amount = billable * unit_price
        steps.append(Step("units", billable, unit_price, amount))
        return Rated(amount, tuple(steps))
