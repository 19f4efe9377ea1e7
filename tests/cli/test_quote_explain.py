"""How quote explains each line: the words a salesperson pastes into an email."""

from __future__ import annotations

from decimal import Decimal

from pricebook.rating import MeterUsage, rate_plan
from pricebook.report.quote import explain, qty, unit_label
from tests.rating.conftest import FEE_TIERS, build


def _explain_all(prices: dict, usage: dict, **plan: object) -> list[str]:
    bill = rate_plan(build(prices, **plan), "p", usage)
    return [explain(ln, bill.currency, "unit") for ln in bill.lines]


def test_quantities_and_units_read_naturally() -> None:
    assert qty(Decimal("250000")) == "250,000"
    assert qty(Decimal("5.0010")) == "5.001"
    assert qty(Decimal("1E+3")) == "1,000"
    assert (unit_label("seat", Decimal(2)), unit_label("seat", Decimal(1)), unit_label("GB", Decimal(5))) == (
        "seats",
        "seat",
        "GB",
    )


def test_each_model_explains_its_amount() -> None:
    texts = _explain_all(
        {
            "base": {"model": "flat", "amount": "5"},
            "units": {"model": "graduated", "tiers": FEE_TIERS},
            "peak": {"model": "package", "package_size": 10, "package_price": "3", "included": 5},
            "payments": {"model": "percentage", "percent": "10", "fixed_fee": "1", "min": "2", "max": "50"},
        },
        {
            "units": MeterUsage(Decimal(12)),
            "peak": MeterUsage(Decimal(26)),
            "payments": MeterUsage(Decimal(0), transactions=(Decimal(5), Decimal(100), Decimal(1000))),
        },
    )
    assert texts == [
        "flat fee per period",
        "tier 1: 5 units × $0.00; tier 1 fee $100.00; tier 2: 5 units × $0.00; tier 2 fee $50.00; "
        "tier 3: 2 units × $10.00",
        "5 units included; 21 units in packages of 10: 3 × $3.00",
        "10% of $100.00; 1 × $1.00 fixed fee; 1 raised to the minimum $2.00; 1 capped at the maximum $50.00",
    ]


def test_included_not_used_up_no_usage_and_rounding_are_said() -> None:
    texts = _explain_all(
        {
            "units": {"model": "per_unit", "unit_price": "2", "included": 10},
            "peak": {"model": "per_unit", "unit_price": "0.001"},
            "payments": {"model": "percentage", "percent": "1"},
        },
        {"units": MeterUsage(Decimal(4)), "peak": MeterUsage(Decimal(3))},
    )
    assert texts == ["4 of 10 units included", "3 units × $0.001 = $0.003 exactly, rounded", "no usage"]


def test_credit_and_minimum_lines() -> None:
    texts = _explain_all(
        {"units": {"model": "per_unit", "unit_price": "1"}},
        {"units": MeterUsage(Decimal(4))},
        credit="10",
        minimum="20",
    )
    assert texts[1:] == [
        "credit of $10.00, capped at the usage charges",
        "minimum spend $20.00: tops the bill up to it",
    ]


def test_a_credit_only_rounded_is_not_called_capped() -> None:
    # a credit of 2.505 rounds to 2.50 (half_even) or 2.51 (half_up): the usage charges of 4.00 cover
    # it, so nothing capped it; the explanation names the credit as it applies
    for rounding, credit in (("half_even", "$2.50"), ("half_up", "$2.51")):
        texts = _explain_all({"units": {"model": "per_unit", "unit_price": "1"}},
                             {"units": MeterUsage(Decimal(4))}, credit="2.505", rounding=rounding)
        assert texts[1] == f"credit of {credit} against usage charges", rounding
