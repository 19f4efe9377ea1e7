from __future__ import annotations

from pathlib import Path


def test_demo_runs_the_tour(cli, tmp_path: Path) -> None:
    r = cli("demo", "--events", "5000", "--dir", tmp_path / "d")
    assert r.code == 0, r.err
    assert "1. validate: baseline valid (0 findings), candidate valid (0 findings)" in r.out
    assert "Revenue impact" in r.out
    # the candidate splits the top API-call tier at its own price and cheapens the part above 5M
    assert "info: plans.pro.prices.api-calls.tier 3: graduated tier 3 (up to 5000000) added" in r.out
    assert "warning: plans.pro.prices.api-calls.tier 4.unit_price: tier 4 unit price down" in r.out
    assert "duplicate" in r.out and "unknown_meter" in r.out
    assert (tmp_path / "d" / "usage.csv").stat().st_size > 0
