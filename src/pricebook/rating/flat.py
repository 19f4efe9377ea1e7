"""``flat``: a fixed amount per period; usage does not matter."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import FlatPrice
from pricebook.rating.base import PriceModel, Rated, Step, money_in


class Flat(PriceModel):
    model = "flat"

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        assert isinstance(self.price, FlatPrice)
        amount = money_in(self.price.amount, self.currency, "amount")
        return Rated(amount, (Step("flat", Decimal(1), amount, amount),))
