"""``volume``: the one tier that contains q prices every unit: ``q × unit_price + flat_fee``.

The first tier contains q = 0; a quantity exactly at a tier's ``up_to`` belongs to that tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricebook.model import VolumePrice
from pricebook.rating.base import PriceModel, Rated, RatingError, Step
from pricebook.rating.tiers import bands


class Volume(PriceModel):
    model = "volume"

    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        p = self.price
        assert isinstance(p, VolumePrice)
        all_bands = bands(p.tiers, self.currency)
        if not all_bands:
            raise RatingError("volume price has no tiers")
        band = next((b for b in all_bands if b.upper is None or quantity <= b.upper), all_bands[-1])
        amount = quantity * band.unit_price
        steps = [Step("tier", quantity, band.unit_price, amount, tier=band.number)]
        if band.flat_fee is not None:
            steps.append(Step("flat_fee", Decimal(1), band.flat_fee, band.flat_fee, tier=band.number))
            amount += band.flat_fee
        return Rated(amount, tuple(steps))
