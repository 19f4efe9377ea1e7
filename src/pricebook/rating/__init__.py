"""The reference rating engine: the one place where a price is defined.

Public API (``simulate``'s DuckDB engine must equal it line for line, to the cent)::

    from pricebook.rating import MeterUsage, rate_plan, Bill, Line, minor_unit, round_money, price_amount

    bill = rate_plan(catalog, "pro", {"api-calls": MeterUsage(Decimal(250000))}, currency="USD")

One module per price model (``flat``, ``per_unit``, ``graduated``, ``volume``, ``package``,
``percentage``) behind ``base.PriceModel``; ``factory.price_model`` maps a ``model`` name to its class.
The semantics are written down in docs/rating.md.
"""

from __future__ import annotations

from pricebook.money import minor_unit, round_money
from pricebook.rating.base import PriceModel, Rated, RatingError, Step, UnknownPriceModelError
from pricebook.rating.engine import (
    NO_VALUE,
    Bill,
    Line,
    MeterUsage,
    Usage,
    default_currency,
    priced_meters,
    rate_plan,
)
from pricebook.rating.factory import MODELS, price_amount, price_model

__all__ = [
    "MODELS",
    "NO_VALUE",
    "Bill",
    "Line",
    "MeterUsage",
    "PriceModel",
    "Rated",
    "RatingError",
    "Step",
    "UnknownPriceModelError",
    "Usage",
    "default_currency",
    "minor_unit",
    "price_amount",
    "price_model",
    "priced_meters",
    "rate_plan",
    "round_money",
]
