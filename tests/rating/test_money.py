"""Minor units and rounding: Decimal at the currency's minor unit, never a float."""

from __future__ import annotations

import pytest

from pricebook.money import format_money, minor_unit, money_str, round_money
from tests.rating.conftest import D


@pytest.mark.parametrize(("cur", "digits"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("usd", 2)])
def test_minor_units_from_babel(cur: str, digits: int) -> None:
    assert minor_unit(cur) == digits


@pytest.mark.parametrize(
    ("amount", "cur", "mode", "expected"),
    [
        ("1.005", "USD", "half_up", "1.01"),  # a binary float would give 1.00
        ("1.005", "USD", "half_even", "1.00"),
        ("1.015", "USD", "half_even", "1.02"),
        ("2.5", "JPY", "half_up", "3"),
        ("2.5", "JPY", "half_even", "2"),
        ("3.5", "JPY", "half_even", "4"),
        ("1.2345", "KWD", "half_up", "1.235"),
        ("1.2345", "KWD", "half_even", "1.234"),
        ("-1.005", "USD", "half_up", "-1.01"),
        ("-0.001", "USD", "half_up", "0.00"),
    ],
)
def test_round_money_at_an_exact_half(amount: str, cur: str, mode: str, expected: str) -> None:
    out = round_money(D(amount), cur, mode)
    assert str(out) == expected


def test_round_money_rejects_an_unknown_mode() -> None:
    from pricebook.errors import InputError

    with pytest.raises(InputError, match="unknown rounding mode"):
        round_money(D(1), "USD", "bankers")


def test_money_str_and_format_money() -> None:
    assert money_str(D("12.5"), "USD") == "12.50"
    assert money_str(D("1500"), "JPY") == "1500"
    assert money_str(D("-0"), "USD") == "0.00"
    assert format_money(D("1234.5"), "USD") == "$1,234.50"
    assert format_money(D("1500"), "JPY") == "¥1,500"
    assert format_money(D("0.0004"), "USD") == "$0.0004"  # unit prices keep their digits
    assert format_money(D("1.234"), "KWD").endswith("1.234")
