"""The interface every price model implements, and the errors rating raises.

A model is built for one price and one currency, then rates a quantity (and, for ``percentage``,
the transaction values) into an exact, unrounded amount plus the steps that explain it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from pricebook.errors import InputError
from pricebook.model import UNSPECIFIED, Money, Price

ZERO = Decimal(0)


class RatingError(InputError):
    """Usage or a catalog that cannot be rated: unknown plan, missing currency, unpriced meter."""


class UnknownPriceModelError(RatingError):
    """A price whose ``model`` no rating class implements."""


@dataclass(frozen=True)
class Step:
    """One part of how a line's amount arose, exact and unrounded. ``kind`` is one of:

    - ``flat``: quantity 1 × rate;
    - ``included``: ``quantity`` units used of the ``units`` allowance, amount 0;
    - ``units``: billable units × unit price;
    - ``tier`` / ``flat_fee``: units in tier ``tier`` × its unit price / that tier's fee (quantity 1);
    - ``packages``: packages × package price, ``units`` billable units packed by ``size``;
    - ``percent``: the sum of the unclamped transaction values × rate percent / 100;
    - ``fixed_fee``: unclamped transactions × fee; ``min`` / ``max``: transactions clamped × the bound;
    - ``credit`` / ``minimum`` on adjustment lines: rate is the plan's credit or minimum, amount what
      was applied.
    """

    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    tier: int | None = None  # 1-based tier number for tier and flat_fee steps
    units: Decimal | None = None  # packages: billable units before packing; included: the allowance
    size: Decimal | None = None  # packages: package size


@dataclass(frozen=True)
class Rated:
    """An exact amount and the steps that add up to it."""

    amount: Decimal
    steps: tuple[Step, ...] = ()


def money_in(m: Money | None, currency: str, what: str) -> Decimal:
    """The amount of ``m`` in ``currency``; a RatingError naming ``what`` when it has none."""
    if m is not None and currency in m:
        return m[currency]
    if m is not None and UNSPECIFIED in m:
        raise RatingError(f"{what} is a bare amount in a multi-currency plan: give one per currency")
    raise RatingError(f"{what} has no {currency} amount")


class PriceModel(ABC):
    """Rates one price in one currency. Subclasses set ``model`` and implement ``rate``."""

    model: ClassVar[str]
    #: percentage prices read transaction values; every other model reads the quantity.
    uses_transactions: ClassVar[bool] = False

    def __init__(self, price: Price, currency: str) -> None:
        self.price = price
        self.currency = currency

    @abstractmethod
    def rate(self, quantity: Decimal, transactions: Sequence[Decimal] = ()) -> Rated:
        """The exact amount for ``quantity`` (or ``transactions``) and how it arose."""
