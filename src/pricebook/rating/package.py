"""``package``: ``ceil(max(q - included, 0) / package_size) × package_price``; ``rounding: down`` floors."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import PackagePrice
from pricebook.rating.base import ZERO, PriceModel, Rated, RatingError, Step, money_in


def packages(units: Decimal, size: Decimal, rounding: str) -> Decimal:
    """Whole packages for ``units``: exact (``divmod``), never a rounded quotient."""
    whole, rest = divmod(units, size)
    return whole + 1 if rounding == "up" and rest else whole


class Package(PriceModel):
    model = "package"

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        p = self.price
        assert isinstance(p, PackagePrice)
        if p.package_size <= 0:
            raise RatingError(f"package_size must be above 0, not {p.package_size}")
        if p.rounding not in ("up", "down"):
            raise RatingError(f"package rounding must be up or down, not '{p.rounding}'")
        price = money_in(p.package_price, self.currency, "package_price")
        steps: list[Step] = []
        if p.included > 0:
            steps.append(Step("included", min(quantity, p.included), ZERO, ZERO, units=p.included))
        billable = max(quantity - p.included, ZERO)
        n = packages(billable, p.package_size, p.rounding)
        amount = n * price
        steps.append(Step("packages", n, price, amount, units=billable, size=p.package_size))
        return Rated(amount, tuple(steps))
