"""rate_plan: line order, dimensions, rounding per line, credit and minimum, add-ons, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricebook.rating import Bill, MeterUsage, RatingError, rate_plan
from tests.rating.conftest import FEE_TIERS, SPEC_TIERS, D, build


def amounts(bill: Bill) -> list[tuple[str, str]]:
    return [
        (ln.sku if ln.dimension is None else f"{ln.sku}[{ln.dimension[1]}]", str(ln.amount))
        for ln in bill.lines
    ]


def test_lines_follow_plan_order_then_add_ons_then_adjustments() -> None:
    c = build(
        {"units": {"model": "per_unit", "unit_price": "1"}, "base": {"model": "flat", "amount": "5"}},
        credit="2",
        minimum="100",
    )
    bill = rate_plan(c, "p", {"units": MeterUsage(D(10))}, add_ons=["addon"])
    assert [(ln.sku, ln.kind, ln.add_on) for ln in bill.lines] == [
        ("units", "price", None),
        ("base", "price", None),
        ("support", "price", "addon"),
        ("extra", "price", "addon"),
        ("credit", "credit", None),
        ("minimum", "minimum", None),
    ]
    # usage lines: units 10 + extra (same meter, 0.5 each) 5 = 15; credit 2; 10+5+7+5-2 = 25
    assert amounts(bill)[-2:] == [("credit", "-2.00"), ("minimum", "75.00")]
    assert bill.total == D(100)


def test_a_meter_without_usage_rates_at_zero_and_first_tier_fee_applies() -> None:
    bill = rate_plan(build({"units": {"model": "graduated", "tiers": FEE_TIERS}}), "p", {})
    assert amounts(bill) == [("units", "100.00")]
    assert bill.lines[0].quantity == 0


def test_each_line_rounds_once_and_total_is_sum_of_rounded_lines() -> None:
    c = build(
        {
            "units": {"model": "per_unit", "unit_price": "0.005"},
            "peak": {"model": "per_unit", "unit_price": "0.005"},
        }
    )
    bill = rate_plan(c, "p", {"units": MeterUsage(D(1)), "peak": MeterUsage(D(1))})
    assert [ln.unrounded for ln in bill.lines] == [D("0.005"), D("0.005")]
    assert [ln.amount for ln in bill.lines] == [D("0.01"), D("0.01")]
    assert bill.total == D("0.02")  # not round(0.010) = 0.01


def test_price_of_1_005_for_one_unit_half_up_and_half_even() -> None:
    prices = {"units": {"model": "per_unit", "unit_price": "1.005"}}
    up = rate_plan(build(prices), "p", {"units": MeterUsage(D(1))})
    even = rate_plan(build(prices, rounding="half_even"), "p", {"units": MeterUsage(D(1))})
    assert (up.total, even.total) == (D("1.01"), D("1.00"))


def test_jpy_and_kwd_minor_units() -> None:
    jpy = rate_plan(
        build({"units": {"model": "per_unit", "unit_price": "0.5"}}, currency="JPY"),
        "p",
        {"units": MeterUsage(D(3))},
    )
    assert (jpy.currency, str(jpy.total)) == ("JPY", "2")  # 1.5 -> 2
    kwd = rate_plan(
        build({"units": {"model": "per_unit", "unit_price": "0.0015"}}, currency="KWD"),
        "p",
        {"units": MeterUsage(D(3))},
    )
    assert str(kwd.total) == "0.005"  # 0.0045 -> 0.005


def test_dimension_lines_listed_values_then_rest() -> None:
    c = build(
        {
            "units": {
                "model": "per_unit",
                "unit_price": "1",
                "dimensions": {
                    "model": {
                        "large": {"model": "per_unit", "unit_price": "10"},
                        "huge": {"model": "per_unit", "unit_price": "100"},
                    }
                },
            }
        }
    )
    usage = {"units": MeterUsage(D(16), {"model": {"large": D(2), "small": D(3), "": D(11)}})}
    bill = rate_plan(c, "p", usage)
    assert amounts(bill) == [("units[large]", "20.00"), ("units", "14.00")]  # huge has no usage: no line
    assert bill.lines[0].dimension == ("model", "large")
    assert (bill.lines[1].dimension, bill.lines[1].rest_of, bill.lines[1].quantity) == (None, "model", D(14))


def test_dimension_absent_from_usage_means_all_usage_is_rest() -> None:
    c = build(
        {
            "units": {
                "model": "per_unit",
                "unit_price": "1",
                "dimensions": {"model": {"large": {"model": "per_unit", "unit_price": "10"}}},
            }
        }
    )
    bill = rate_plan(c, "p", {"units": MeterUsage(D(7))})
    assert amounts(bill) == [("units", "7.00")]


def test_listed_value_without_usage_shows_when_its_amount_is_not_zero() -> None:
    c = build(
        {
            "units": {
                "model": "per_unit",
                "unit_price": "1",
                "dimensions": {"model": {"large": {"model": "graduated", "tiers": FEE_TIERS}}},
            }
        }
    )
    bill = rate_plan(c, "p", {})
    assert amounts(bill) == [("units[large]", "100.00"), ("units", "0.00")]


def test_max_meter_rest_is_the_largest_unlisted_value() -> None:
    c = build(
        {
            "peak": {
                "model": "per_unit",
                "unit_price": "2",
                "dimensions": {"region": {"eu": {"model": "per_unit", "unit_price": "3"}}},
            }
        }
    )
    usage = {"peak": MeterUsage(D(9), {"region": {"eu": D(9), "us": D(4), "ap": D(6)}})}
    bill = rate_plan(c, "p", usage)
    assert amounts(bill) == [("peak[eu]", "27.00"), ("peak", "12.00")]


def test_percentage_line_quantity_is_sum_of_transactions() -> None:
    c = build(
        {
            "payments": {
                "model": "percentage",
                "percent": "2.9",
                "fixed_fee": "0.30",
                "min": "0.50",
                "max": "25.00",
            }
        }
    )
    bill = rate_plan(c, "p", {"payments": MeterUsage(D(1105), transactions=(D(5), D(100), D(1000)))})
    assert (bill.lines[0].quantity, bill.lines[0].unrounded, bill.total) == (D(1105), D("28.70"), D("28.70"))


def test_percentage_needs_transactions_not_only_a_total() -> None:
    c = build({"payments": {"model": "percentage", "percent": "2.9"}})
    with pytest.raises(RatingError, match="transaction values"):
        rate_plan(c, "p", {"payments": MeterUsage(D(100))})


def test_credit_applies_to_usage_lines_only_and_never_below_zero() -> None:
    c = build(
        {"base": {"model": "flat", "amount": "50"}, "units": {"model": "per_unit", "unit_price": "1"}},
        credit="10",
    )
    small = rate_plan(c, "p", {"units": MeterUsage(D(3))})
    assert amounts(small) == [("base", "50.00"), ("units", "3.00"), ("credit", "-3.00")]
    assert small.total == D(50)  # the flat fee is never reduced
    big = rate_plan(c, "p", {"units": MeterUsage(D(30))})
    assert amounts(big)[-1] == ("credit", "-10.00")
    none = rate_plan(c, "p", {})
    assert [ln.kind for ln in none.lines] == ["price", "price"]  # a zero credit is no line


def test_credit_is_rounded_to_the_minor_unit() -> None:
    c = build({"units": {"model": "per_unit", "unit_price": "1"}}, credit="0.005")
    bill = rate_plan(c, "p", {"units": MeterUsage(D(5))})
    assert amounts(bill)[-1] == ("credit", "-0.01")


def test_minimum_tops_up_after_credit_and_not_when_above() -> None:
    c = build({"units": {"model": "per_unit", "unit_price": "1"}}, credit="10", minimum="100")
    low = rate_plan(c, "p", {"units": MeterUsage(D(50))})
    assert amounts(low) == [("units", "50.00"), ("credit", "-10.00"), ("minimum", "60.00")]
    high = rate_plan(c, "p", {"units": MeterUsage(D(150))})
    assert [ln.kind for ln in high.lines] == ["price", "credit"]
    assert high.total == D(140)


def test_multi_currency_plan_and_default_currency() -> None:
    c = build(
        {"units": {"model": "per_unit", "unit_price": {"USD": "1", "EUR": "0.9"}}}, currencies=["EUR", "USD"]
    )
    assert rate_plan(c, "p", {"units": MeterUsage(D(10))}).currency == "USD"  # the catalog's currency
    eur = rate_plan(c, "p", {"units": MeterUsage(D(10))}, currency="eur")
    assert (eur.currency, eur.total) == ("EUR", D(9))


@pytest.mark.parametrize(
    ("kwargs", "usage", "message"),
    [
        ({"plan_id": "pp"}, {}, "unknown plan 'pp'; did you mean 'p'"),
        ({"currency": "EUR"}, {}, "plan 'p' is not sold in EUR"),
        ({"add_ons": ["nope"]}, {}, "unknown add-on 'nope'"),
        ({"add_ons": ["addon", "addon"]}, {}, "given twice"),
        ({}, {"payments": MeterUsage(D(1))}, "plan 'p' does not price meter 'payments'"),
        ({}, {"unitz": MeterUsage(D(1))}, "unknown meter 'unitz'; did you mean 'units'"),
        ({}, {"units": MeterUsage(D(-1))}, "cannot be negative"),
    ],
)
def test_errors_name_what_is_wrong(kwargs: dict, usage: dict, message: str) -> None:
    c = build({"units": {"model": "per_unit", "unit_price": "1"}})
    args = {"plan_id": "p", **kwargs}
    with pytest.raises(RatingError, match=message.replace("(", r"\(")):
        rate_plan(c, args.pop("plan_id"), usage, **args)


def test_add_on_not_available_for_plan() -> None:
    c = build({"units": {"model": "per_unit", "unit_price": "1"}})
    with pytest.raises(RatingError, match="add-on 'addon' is not available for plan 'other'"):
        rate_plan(c, "other", {}, add_ons=["addon"])


def test_add_on_usage_lines_read_the_plan_usage_and_get_the_credit() -> None:
    c = build({"base": {"model": "flat", "amount": "1"}}, credit="100")
    bill = rate_plan(c, "p", {"units": MeterUsage(D(4))}, add_ons=["addon"])
    assert amounts(bill) == [("base", "1.00"), ("support", "7.00"), ("extra", "2.00"), ("credit", "-2.00")]


def test_large_quantities_keep_every_digit() -> None:
    c = build({"units": {"model": "per_unit", "unit_price": "0.0000018"}})
    q = Decimal("123456789012345678901234567.891")
    bill = rate_plan(c, "p", {"units": MeterUsage(q)})
    # 34 significant digits: Python's default 28-digit context would have rounded the product
    assert str(bill.lines[0].unrounded) == "222222220222222222022.2222222038"
    assert str(bill.total) == "222222220222222222022.22"


def test_spec_examples_through_rate_plan() -> None:
    c = build(
        {
            "units": {"model": "graduated", "tiers": SPEC_TIERS},
            "peak": {"model": "volume", "tiers": SPEC_TIERS},
        }
    )
    bill = rate_plan(c, "p", {"units": MeterUsage(D(6)), "peak": MeterUsage(D(6))})
    assert amounts(bill) == [("units", "29.00"), ("peak", "24.00")]
