"""Maps a price's ``model`` name to the class that rates it (lago-api's charge_models factory)."""

from __future__ import annotations

from decimal import Decimal

from pricebook.model import Price
from pricebook.rating.base import PriceModel, UnknownPriceModelError
from pricebook.rating.flat import Flat
from pricebook.rating.graduated import Graduated
from pricebook.rating.package import Package
from pricebook.rating.per_unit import PerUnit
from pricebook.rating.percentage import Percentage
from pricebook.rating.volume import Volume

MODELS: dict[str, type[PriceModel]] = {
    cls.model: cls for cls in (Flat, PerUnit, Graduated, Volume, Package, Percentage)
}


def price_model(price: Price, currency: str) -> PriceModel:
    """The rating object for ``price`` in ``currency``; UnknownPriceModelError for an unknown model."""
    try:
        cls = MODELS[price.model]
    except KeyError:
        known = ", ".join(MODELS)
        raise UnknownPriceModelError(f"unknown price model '{price.model}' (known: {known})") from None
    return cls(price, currency)


def price_amount(price: Price, quantity: Decimal, currency: str) -> Decimal:
    """The exact, unrounded amount of ``price`` for ``quantity`` in ``currency``, ignoring dimensions.

    For a percentage price, ``quantity`` is taken as one transaction of that value.
    """
    return price_model(price, currency).rate(quantity, (quantity,)).amount
