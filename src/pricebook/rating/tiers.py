"""Shared by ``graduated`` and ``volume``: a tier's bounds and prices in one currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricebook.model import Tier
from pricebook.rating.base import ZERO, money_in


@dataclass(frozen=True)
class Band:
    number: int  # 1-based
    lower: Decimal  # the previous tier's up_to (0 for the first): exclusive
    upper: Decimal | None  # inclusive; None for the open last tier
    unit_price: Decimal
    flat_fee: Decimal | None


def bands(tiers: tuple[Tier, ...], currency: str) -> list[Band]:
    """The tiers with their lower bounds and this currency's prices (a missing price is 0)."""
    out: list[Band] = []
    lower = ZERO
    for i, t in enumerate(tiers):
        where = f"tiers[{i}]"
        unit = money_in(t.unit_price, currency, f"{where}.unit_price") if t.unit_price is not None else ZERO
        fee = money_in(t.flat_fee, currency, f"{where}.flat_fee") if t.flat_fee is not None else None
        out.append(Band(i + 1, lower, t.up_to, unit, fee))
        if t.up_to is not None:
            lower = t.up_to
    return out
