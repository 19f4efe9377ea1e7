"""Invariants of the price models, checked on generated prices and quantities."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.model import GraduatedPrice, PackagePrice, PerUnitPrice, Tier, VolumePrice
from pricebook.rating import MeterUsage, price_amount, rate_plan, round_money
from tests.rating.conftest import build

CASES = settings(max_examples=150, deadline=None)

prices = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def tiers(draw: st.DrawFn, with_fees: bool = True) -> tuple[Tier, ...]:
    bounds = sorted(set(draw(st.lists(st.integers(1, 50000), min_size=0, max_size=5))))
    out = []
    for up_to in [*bounds, None]:
        fee = draw(st.none() | prices) if with_fees else None
        out.append(
            Tier(
                up_to=None if up_to is None else Decimal(up_to),
                unit_price={"USD": draw(prices)},
                flat_fee=None if fee is None else {"USD": fee},
            )
        )
    return tuple(out)


@CASES
@given(tiers(), quantities, quantities)
def test_graduated_never_decreases_as_quantity_grows(ts: tuple[Tier, ...], a: Decimal, b: Decimal) -> None:
    p = GraduatedPrice(tiers=ts)
    lo, hi = sorted((a, b))
    assert price_amount(p, lo, "USD") <= price_amount(p, hi, "USD")


@CASES
@given(tiers(with_fees=False), quantities, quantities)
def test_volume_never_decreases_between_tier_breaks(ts: tuple[Tier, ...], a: Decimal, b: Decimal) -> None:
    """Volume may drop at a tier break (SPEC: 5 -> 25, 6 -> 24) when the next rate is lower; with
    non-decreasing unit prices and fees it never decreases, and inside one tier it never decreases."""
    rates = sorted(t.unit_price["USD"] for t in ts if t.unit_price)
    ts = tuple(Tier(up_to=t.up_to, unit_price={"USD": r}) for t, r in zip(ts, rates, strict=True))
    p = VolumePrice(tiers=ts)
    lo, hi = sorted((a, b))
    assert price_amount(p, lo, "USD") <= price_amount(p, hi, "USD")


@CASES
@given(tiers(), quantities, quantities)
def test_volume_never_decreases_inside_one_tier(ts: tuple[Tier, ...], a: Decimal, b: Decimal) -> None:
    from pricebook.rating import price_model

    p = VolumePrice(tiers=ts)
    lo, hi = sorted((a, b))
    m = price_model(p, "USD")
    if m.rate(lo).steps[0].tier == m.rate(hi).steps[0].tier:
        assert m.rate(lo).amount <= m.rate(hi).amount


@CASES
@given(prices, quantities)
def test_single_tier_graduated_and_volume_equal_per_unit(price: Decimal, q: Decimal) -> None:
    one = (Tier(unit_price={"USD": price}),)
    per_unit = price_amount(PerUnitPrice(unit_price={"USD": price}), q, "USD")
    assert price_amount(GraduatedPrice(tiers=one), q, "USD") == per_unit
    assert price_amount(VolumePrice(tiers=one), q, "USD") == per_unit


def _graduated_by_hand(ts: tuple[Tier, ...], q: Decimal) -> Decimal:
    """SPEC §2 read literally, written separately from the engine."""
    total = Decimal(0)
    prev = Decimal(0)
    for i, t in enumerate(ts):
        upper = t.up_to if t.up_to is not None else Decimal("Infinity")
        reached = i == 0 or q > prev
        if reached and t.flat_fee:
            total += t.flat_fee["USD"]
        units = min(q, upper) - prev
        if units > 0:
            total += units * t.unit_price["USD"]  # type: ignore[index]
        prev = upper if t.up_to is not None else prev
    return total


@CASES
@given(tiers(), quantities)
def test_graduated_equals_sum_over_tiers_computed_independently(ts: tuple[Tier, ...], q: Decimal) -> None:
    assert price_amount(GraduatedPrice(tiers=ts), q, "USD") == _graduated_by_hand(ts, q)


@CASES
@given(st.integers(1, 1000), prices, st.integers(0, 500), quantities)
def test_package_equals_packages_times_price(size: int, price: Decimal, included: int, q: Decimal) -> None:
    p = PackagePrice(package_size=Decimal(size), package_price={"USD": price}, included=Decimal(included))
    n = math.ceil(max(q - included, 0) / Decimal(size))  # Decimal / int is exact enough at these sizes
    assert price_amount(p, q, "USD") == n * price


@CASES
@given(
    st.lists(st.tuples(st.sampled_from(["units", "peak"]), st.decimals(0, 10000, places=3)), max_size=4),
    st.decimals(min_value=0, max_value=5, places=5),
    st.sampled_from(["half_up", "half_even"]),
    st.decimals(min_value=0, max_value=50, places=3),
)
def test_rounding_each_line_then_summing_equals_the_total(
    usage: list[tuple[str, Decimal]], unit: Decimal, mode: str, credit: Decimal
) -> None:
    c = build(
        {
            "base": {"model": "flat", "amount": "9.995"},
            "units": {"model": "per_unit", "unit_price": str(unit)},
            "peak": {
                "model": "graduated",
                "tiers": [{"up_to": 10, "unit_price": "0.333"}, {"unit_price": str(unit)}],
            },
        },
        rounding=mode,
        credit=str(credit),
        minimum="25.005",
    )
    u = {m: MeterUsage(q) for m, q in usage}
    bill = rate_plan(c, "p", u)
    assert sum(ln.amount for ln in bill.lines) == bill.total
    for ln in bill.lines:
        assert ln.amount == ln.amount.quantize(Decimal("0.01"))
        if ln.kind == "price" and mode == "half_up":
            assert ln.amount == ln.unrounded.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert bill.total >= round_money(Decimal("25.005"), "USD", mode)  # the rounded minimum is reached
