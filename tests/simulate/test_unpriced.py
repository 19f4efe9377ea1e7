"""``unpriced_meter`` / ``unpriced_meter_baseline``: usage of a unit whose candidate (or baseline) prices
do not price its meter. Counted from mtot per pair of owners when no unit has an add-on, per unit and
meter otherwise: both paths must give the same counts, and an add-on that prices a meter prices it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pricebook.load import load_data
from pricebook.simulate import Side, SimulationOptions, run_simulation

METERS = {"a": {"aggregation": "sum"}, "b": {"aggregation": "sum"}, "c": {"aggregation": "count"}}
SKUS = {"a": {"meter": "a"}, "b": {"meter": "b"}, "c": {"meter": "c"}}
C_UNPRICED = {"c": {"events": 4, "quantity": Decimal(4)}}  # 2 customers x 2 events, counted


def _catalog(plan_prices: dict[str, Any], addon_prices: dict[str, Any]) -> Any:
    data = {"catalog": {"id": "t", "currency": "USD"}, "meters": METERS, "skus": SKUS,
            "plans": {"p": {"prices": plan_prices}},
            "add_ons": {"x": {"available_for": ["p"], "prices": addon_prices}}}
    res = load_data(data)
    assert res.catalog is not None, res.diagnostics
    return res.catalog


def _run(tmp_path: Path, add_on: str) -> dict[str, Any]:
    per_unit = {"model": "per_unit", "unit_price": "1"}
    # baseline prices a and b; candidate prices a and c; the add-on x prices b in the candidate
    base = _catalog({"a": per_unit, "b": per_unit}, {})
    cand = _catalog({"a": per_unit, "c": per_unit}, {"b": per_unit})
    (tmp_path / "s.csv").write_text("customer_id,plan,currency,subscribed_at,ended_at,add_ons\n"
                                    f"k1,p,USD,2025-01-01,,{add_on}\nk2,p,USD,2025-01-01,,\n")
    rows = ["customer_id,timestamp,meter,quantity"]
    for cid in ("k1", "k2"):
        rows += [f"{cid},2026-01-0{d},{m},{q}" for d, (m, q) in enumerate((("a", "2"), ("b", "3"), ("b", "4"),
                                                                          ("c", "1"), ("c", "1")), start=1)]
    (tmp_path / "u.csv").write_text("\n".join(rows) + "\n")
    opts = SimulationOptions(usage=[str(tmp_path / "u.csv")], subscriptions=str(tmp_path / "s.csv"))
    res = run_simulation(opts, Side("baseline", "b", base), Side("candidate", "c", cand))
    return {"unrated": res.unrated, "events": res.events, "totals": res.totals}


def test_without_add_ons_each_side_reports_what_it_does_not_price(tmp_path: Path) -> None:
    got = _run(tmp_path, "")
    # candidate does not price b (2 customers x 2 events); baseline does not price c (2 x 2)
    assert got["unrated"]["unpriced_meter"]["by_meter"] == {"b": {"events": 4, "quantity": Decimal(14)}}
    assert got["unrated"]["unpriced_meter_baseline"]["by_meter"] == C_UNPRICED
    assert got["events"] == {"read": 10, "valid": 10, "rated": 6}


@pytest.mark.parametrize("add_on", ["x", "y"])
def test_an_add_on_that_prices_a_meter_prices_it(tmp_path: Path, add_on: str) -> None:
    """k1 subscribes to x (prices b in the candidate) or y (no such add-on: nothing more is priced)."""
    got = _run(tmp_path, add_on)
    unpriced_b = 2 if add_on == "x" else 4  # k2's b events, and k1's when x does not price them
    assert got["unrated"]["unpriced_meter"]["by_meter"]["b"]["events"] == unpriced_b
    assert got["unrated"]["unpriced_meter_baseline"]["by_meter"] == C_UNPRICED
    assert got["events"]["rated"] == 10 - unpriced_b
    if add_on == "x":  # the candidate bills k1's b usage through the add-on: 3 + 4
        assert got["totals"][0].candidate == Decimal(2 + 2 + 2 + 2 + 7)
