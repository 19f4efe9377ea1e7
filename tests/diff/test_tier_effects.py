"""Which way an added or removed tier moves the bill (``detect._range_effect``): the tier only one
side has is compared with the tier of the other side that covers its range. The same comparison holds
for graduated and volume tiers: either way, usage in that range is charged that tier's unit price."""

from __future__ import annotations

import pytest

from pricebook.diff.detect import _range_effect


def t(up_to: int | None, usd: str, eur: str | None = None, fee: str | None = None) -> dict:
    tier: dict = {"unit_price": {"USD": usd} if eur is None else {"USD": usd, "EUR": eur}}
    if up_to is not None:
        tier["up_to"] = up_to
    if fee is not None:
        tier["flat_fee"] = {"USD": fee}
    return tier


OLD = [t(10, "1"), t(None, "2")]


@pytest.mark.parametrize(("new", "effect"), [
    ([t(10, "1"), t(20, "2"), t(None, "1.5")], "none"),      # split at its own price
    ([t(10, "1"), t(20, "1.5"), t(None, "2")], "down"),      # (10, 20] paid 2, pays 1.5
    ([t(10, "1"), t(20, "3"), t(None, "2")], "up"),
    ([t(10, "1"), t(20, "2", fee="5"), t(None, "2")], "unknown"),  # a flat fee: depends on usage
])
def test_an_added_tier_against_the_tier_that_priced_its_range(new: list, effect: str) -> None:
    assert _range_effect(new, 1, OLD, added=True) == effect


def test_several_currencies_must_move_the_same_way() -> None:
    old = [t(10, "1", "1"), t(None, "2", "2")]
    assert _range_effect([t(10, "1", "1"), t(20, "1.5", "1.5"), t(None, "2", "2")], 1, old,
                         added=True) == "down"
    assert _range_effect([t(10, "1", "1"), t(20, "1.5", "2.5"), t(None, "2", "2")], 1, old,
                         added=True) == "unknown"
    # a currency only one side prices: no comparison
    assert _range_effect([t(10, "1"), t(20, "2", "2"), t(None, "2")], 1, OLD, added=True) == "unknown"


def test_a_range_across_an_old_bound_has_no_one_covering_tier() -> None:
    # (5, 15] was priced 1 up to 10 and 2 above: no single tier of the base covers it; (0, 5] lies
    # inside the base's first tier, at its price
    new = [t(5, "1"), t(15, "1"), t(None, "2")]
    assert _range_effect(new, 1, OLD, added=True) == "unknown"
    assert _range_effect(new, 0, OLD, added=True) == "none"


def test_one_tier_becoming_three_at_the_same_price_changes_nothing() -> None:
    new = [t(10, "2"), t(20, "2"), t(None, "2")]
    assert [_range_effect(new, i, [t(None, "2")], added=True) for i in (0, 1)] == ["none", "none"]


def test_a_removed_tier_against_the_tier_that_now_prices_its_range() -> None:
    old = [t(10, "1"), t(20, "3"), t(None, "2")]
    assert _range_effect(old, 1, OLD) == "down"    # (10, 20] paid 3, now the last tier's 2
    assert _range_effect([t(10, "1"), t(20, "1"), t(None, "2")], 1, OLD) == "up"
    assert _range_effect([t(10, "1"), t(20, "2"), t(None, "2")], 1, OLD) == "none"
