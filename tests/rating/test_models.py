"""Every price model of SPEC §2 on its own: the SPEC examples and the boundaries."""

from __future__ import annotations

import pytest

from pricebook.model import FlatPrice, GraduatedPrice, PackagePrice, PercentagePrice, Price, Tier
from pricebook.rating import RatingError, UnknownPriceModelError, price_amount, price_model
from tests.rating.conftest import FEE_TIERS, SPEC_TIERS, D, build


def price(spec: dict) -> Price:
    return build({"units": spec}).plans["p"].prices["units"]


@pytest.mark.parametrize(("q", "expected"), [(6, 29), (0, 0), (5, 25), (10, 45), (25, 75)])
def test_graduated_spec_example(q: int, expected: int) -> None:
    assert price_amount(price({"model": "graduated", "tiers": SPEC_TIERS}), D(q), "USD") == expected


@pytest.mark.parametrize(("q", "expected"), [(1, 5), (5, 25), (6, 24), (20, 40), (25, 25), (0, 0)])
def test_volume_spec_example(q: int, expected: int) -> None:
    assert price_amount(price({"model": "volume", "tiers": SPEC_TIERS}), D(q), "USD") == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [("0", "100"), ("5", "100"), ("5.001", "150"), ("12", "170"), ("22", "235"), ("10", "150")],
)
def test_graduated_flat_fees_spec_example(q: str, expected: str) -> None:
    assert price_amount(price({"model": "graduated", "tiers": FEE_TIERS}), D(q), "USD") == D(expected)


@pytest.mark.parametrize(("q", "expected"), [(1, 10), (3, 10), (5, 10), (6, 20), (7, 20), (0, 0), (10, 20)])
def test_package_spec_example(q: int, expected: int) -> None:
    p = price({"model": "package", "package_size": 5, "package_price": "10"})
    assert price_amount(p, D(q), "USD") == expected


def test_graduated_boundary_exactly_at_and_just_above_up_to() -> None:
    p = price({"model": "graduated", "tiers": SPEC_TIERS})
    assert price_amount(p, D(5), "USD") == D(25)
    assert price_amount(p, D("5.001"), "USD") == D("25.004")  # 0.001 unit at 4
    rated = price_model(p, "USD").rate(D("5.001"))
    assert [(s.tier, s.quantity) for s in rated.steps] == [(1, D(5)), (2, D("0.001"))]


def test_volume_boundary_exactly_at_and_just_above_up_to() -> None:
    p = price({"model": "volume", "tiers": SPEC_TIERS})
    assert price_amount(p, D(5), "USD") == D(25)  # 5 @5: up_to is inclusive
    assert price_amount(p, D("5.001"), "USD") == D("20.004")  # every unit at 4
    assert price_model(p, "USD").rate(D("5.001")).steps[0].tier == 2


def test_fractional_quantities_are_exact() -> None:
    p = price({"model": "per_unit", "unit_price": "0.0004"})
    assert price_amount(p, D("2.5"), "USD") == D("0.001")
    assert price_amount(p, D("0.1"), "USD") * 3 == D("0.00012")


def test_per_unit_included_larger_than_usage_is_free() -> None:
    p = price({"model": "per_unit", "unit_price": "2", "included": 100})
    rated = price_model(p, "USD").rate(D(40))
    assert rated.amount == 0
    assert [(s.kind, s.quantity) for s in rated.steps] == [("included", D(40)), ("units", D(0))]
    assert price_amount(p, D(101), "USD") == D(2)


def test_package_included_and_rounding_down() -> None:
    up = price({"model": "package", "package_size": 100, "package_price": "4", "included": 200})
    assert price_amount(up, D(150), "USD") == 0
    assert price_amount(up, D(201), "USD") == D(4)
    assert price_amount(up, D(450), "USD") == D(12)
    down = price({"model": "package", "package_size": 5, "package_price": "10", "rounding": "down"})
    assert price_amount(down, D(9), "USD") == D(10)
    assert price_amount(down, D(4), "USD") == 0
    step = price_model(up, "USD").rate(D(450)).steps[-1]
    assert (step.kind, step.quantity, step.units, step.size) == ("packages", D(3), D(250), D(100))


def test_package_fractional_size_uses_exact_division() -> None:
    p = price({"model": "package", "package_size": "0.1", "package_price": "1"})
    assert price_amount(p, D("0.3"), "USD") == D(3)  # 0.3/0.1 is exactly 3, not 3.0000000001 -> 4
    assert price_amount(p, D("0.30001"), "USD") == D(4)


PCT = {"model": "percentage", "percent": "2.9", "fixed_fee": "0.30", "min": "0.50", "max": "25.00"}


def test_percentage_per_transaction_min_and_max() -> None:
    m = price_model(price(PCT), "USD")
    assert m.rate(D(0), [D(5)]).amount == D("0.50")  # 0.445 -> clamped up to min
    assert m.rate(D(0), [D(100)]).amount == D("3.20")  # 2.90 + 0.30, inside
    assert m.rate(D(0), [D(1000)]).amount == D("25.00")  # 29.30 -> clamped down to max
    rated = m.rate(D(0), [D(5), D(100), D(1000)])
    assert rated.amount == D("28.70")
    assert {s.kind: s.quantity for s in rated.steps} == {
        "percent": D(100),
        "fixed_fee": D(1),
        "min": D(1),
        "max": D(1),
    }


def test_percentage_exactly_at_bounds_is_not_clamped() -> None:
    m = price_model(price({"model": "percentage", "percent": "10", "min": "1", "max": "5"}), "USD")
    assert [s.kind for s in m.rate(D(0), [D(10)]).steps] == ["percent"]  # 1.00 == min
    assert [s.kind for s in m.rate(D(0), [D(50)]).steps] == ["percent"]  # 5.00 == max
    assert [s.kind for s in m.rate(D(0), [D("9.99")]).steps] == ["percent", "min"]
    assert m.rate(D(0), [D(10), D(50), D(9), D(51)]).amount == D(12)


def test_percentage_without_bounds_or_fee() -> None:
    m = price_model(price({"model": "percentage", "percent": "1.5"}), "USD")
    assert m.rate(D(0), [D("10.10"), D("0.01")]).amount == D("0.15165")
    assert m.rate(D(0), []).amount == 0


def test_flat_ignores_usage() -> None:
    p = build({"base": {"model": "flat", "amount": "49.00"}}).plans["p"].prices["base"]
    assert isinstance(p, FlatPrice)
    assert price_amount(p, D(0), "USD") == D(49)
    assert price_amount(p, D(1000), "USD") == D(49)


def test_missing_currency_names_the_field() -> None:
    p = price({"model": "per_unit", "unit_price": "1"})
    with pytest.raises(RatingError, match="unit_price has no EUR amount"):
        price_amount(p, D(1), "EUR")


def test_unknown_model_is_a_typed_error() -> None:
    class Odd(Price):
        pass

    odd = Odd()
    object.__setattr__(odd, "model", "tiered_magic")
    with pytest.raises(UnknownPriceModelError, match="unknown price model 'tiered_magic'"):
        price_model(odd, "USD")


def test_models_are_built_from_the_model_classes() -> None:
    g = GraduatedPrice(tiers=(Tier(up_to=D(10), unit_price={"USD": D(1)}), Tier(unit_price={"USD": D(0)})))
    assert price_amount(g, D(20), "USD") == D(10)
    pk = PackagePrice(package_size=D(3), package_price={"USD": D(2)})
    assert price_amount(pk, D(7), "USD") == D(6)
    pc = PercentagePrice(percent=D(50))
    assert price_amount(pc, D(3), "USD") == D("1.5")
