"""Currencies: minor units, rounding and formatting.

Minor units come from Babel's CLDR data (JPY 0, USD 2, KWD 3); Babel is imported lazily because
``pricebook --help`` must start fast. Rounding is Decimal rounding at the minor unit: never a float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from pricebook.errors import InputError

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@lru_cache(maxsize=256)
def minor_unit(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (ISO 4217): JPY 0, USD 2, KWD 3."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency.upper()))


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal('0.01')`` for USD, ``Decimal('1')`` for JPY."""
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str, mode: str = "half_up") -> Decimal:
    """``amount`` rounded to the minor unit of ``currency``.

    ``mode`` is the catalog's rounding: ``half_up`` (an exact half goes away from zero, so 1.005 USD
    is 1.01) or ``half_even`` (to the even neighbour: 1.005 -> 1.00, 1.015 -> 1.02).
    """
    try:
        rounding = _MODES[mode]
    except KeyError:
        raise InputError(f"unknown rounding mode '{mode}' (expected half_up or half_even)") from None
    out = amount.quantize(quantum(currency), rounding=rounding)
    return out + 0 if out else abs(out)  # never print -0.00


def printable(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` at the minor unit of ``currency`` fits the decimal precision in force (28
    digits by default), in which ``money_str`` and ``format_money`` round it. Rating runs with more
    precision, so a bill for an absurd quantity (1e25 seats) rates but could not be printed."""
    try:
        amount.quantize(quantum(currency))
    except InvalidOperation:
        return False
    return True


def money_str(amount: Decimal, currency: str) -> str:
    """A plain decimal string at the minor unit, for JSON: ``"12.50"``, ``"1500"`` (JPY)."""
    q = amount.quantize(quantum(currency)) if amount == amount.quantize(quantum(currency)) else amount
    s = format(q, "f")
    return s[1:] if s.startswith("-") and Decimal(s) == 0 else s


def format_money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """``amount`` in the currency's convention, for people: ``$1,234.50``, ``¥1,500``, ``KWD1.234``.

    Amounts finer than the minor unit (unit prices such as 0.0004) keep their extra digits.
    """
    from babel.numbers import format_currency

    mu = minor_unit(currency)
    exp = amount.normalize().as_tuple().exponent
    extra = max(0, -int(exp) - mu) if isinstance(exp, int) else 0
    if extra == 0:
        return str(format_currency(amount, currency, locale=locale))
    pattern = "¤#,##0." + "0" * mu + "#" * extra
    return str(format_currency(amount, currency, locale=locale, format=pattern, currency_digits=False))
