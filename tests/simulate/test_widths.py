"""Stage 2 rates with 64-bit decimals where they fit and falls back to 128-bit when they do not.

The narrow run is exact or raises (DuckDB never wraps a DECIMAL); these tests build usage whose
bill or quantity does not fit DECIMAL(18, s), check that a forced narrow run really fails on it, and
that the default run (narrow first, then the fallback) equals a run forced wide, field for field.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pricebook.load import load_catalog
from pricebook.model import Catalog, FlatPrice, Meter, PerUnitPrice, Plan, Sku, Tier, VolumePrice
from pricebook.simulate import Side, SimulationOptions, run_simulation
from pricebook.simulate.engine import _narrow_quantities
from pricebook.simulate.stage2 import WIDE, Widths
from tests.conftest import ACME, write_files

METERS = {"tokens": Meter("tokens", "Tokens", aggregation="sum", dimensions=("k",)),
          "calls": Meter("calls", "Calls", aggregation="count")}
SKUS = {"fee": Sku("fee", "Fee"), "tokens": Sku("tokens", "Tokens", meter="tokens"),
        "calls": Sku("calls", "Calls", meter="calls")}
NARROW = Widths(quantity=18, money=18)


def _catalog(token_price: str) -> Catalog:
    plan = Plan("big", "Big", ("USD",), prices={
        "fee": FlatPrice(amount={"USD": Decimal("10.00")}),
        "tokens": PerUnitPrice(unit_price={"USD": Decimal(token_price)}),
        "calls": VolumePrice(tiers=(Tier(Decimal(5), {"USD": Decimal("0.50")}, None),
                                    Tier(None, {"USD": Decimal("0.25")}, {"USD": Decimal("1.00")}))),
    }, minimum={"USD": Decimal("25.00")}, credit={"USD": Decimal("2.00")})
    return Catalog("t", "T", "USD", meters=METERS, skus=SKUS, plans={"big": plan})


def _run(tmp_path: Path, cat: Catalog, usage: str, widths: Widths | None, plan: str = "big"):
    write_files(tmp_path, {"u.csv": usage})
    return run_simulation(
        SimulationOptions(usage=[str(tmp_path / "u.csv")], default_plan=plan, keep_lines=True, widths=widths),
        Side("baseline", "b", cat), Side("candidate", "c", cat))


HEADER = "customer_id,timestamp,meter,quantity,k\n"


def test_bill_over_18_digits_falls_back_to_wide_and_stays_exact(tmp_path: Path) -> None:
    # 500,000 tokens at 1,000,000,000,000 USD: a 5e17 line, over DECIMAL(18, 2); the quantity fits
    cat = _catalog("1000000000000")
    usage = HEADER + ("c1,2026-01-05T00:00:00,tokens,500000,a\n"
                      "c1,2026-01-06T00:00:00,calls,1,\n"
                      "c2,2026-01-07T00:00:00,tokens,3,a\n")
    with pytest.raises((duckdb.ConversionException, duckdb.OutOfRangeException)):
        _run(tmp_path, cat, usage, NARROW)
    auto = _run(tmp_path, cat, usage, None)
    wide = _run(tmp_path, cat, usage, WIDE)
    assert auto == wide
    # c1: 10 + 5e17 + 0.50 (one call, first tier) - credit 2; c2: 10 + 3e12 - 2 (over the minimum)
    want = Decimal("500000000000000010.50") - 2 + Decimal("3000000000010") - 2
    assert [(t.currency, t.baseline, t.candidate) for t in auto.totals] == [("USD", want, want)]
    line = next(ln for ln in auto.lines if ln[1] == "c1" and ln[4] == "tokens" and ln[0] == "candidate")
    assert line[-1] == Decimal("500000000000000000.00")


def test_quantity_sum_over_18_digits_falls_back_to_wide(tmp_path: Path) -> None:
    # each stage 1 row (one per dimension value) fits DECIMAL(18, 12) (< 1e6); their sum does not
    cat = _catalog("0.001")
    usage = HEADER + ("c1,2026-01-05T00:00:00,tokens,600000.5,a\n"
                      "c1,2026-01-06T00:00:00,tokens,700000.25,b\n"
                      "c2,2026-01-06T00:00:00,calls,1,\n")
    write_files(tmp_path, {"u.csv": usage})
    with pytest.raises((duckdb.ConversionException, duckdb.OutOfRangeException)):
        _run(tmp_path, cat, usage, NARROW)
    auto = _run(tmp_path, cat, usage, None)
    assert auto == _run(tmp_path, cat, usage, WIDE)
    line = next(ln for ln in auto.lines if ln[1] == "c1" and ln[4] == "tokens" and ln[0] == "baseline")
    assert (line[-2], line[-1]) == (Decimal("1300000.75"), Decimal("1300.00"))  # 1300.00075 rounds half up


def test_quantities_that_fit_rate_narrow_and_equal_wide(tmp_path: Path) -> None:
    cat = load_catalog(ACME).catalog
    rows = [f"c{i % 7},2026-0{1 + i % 3}-0{1 + i % 9}T0{i % 10}:00:00,{m},{q},\n"
            for i, (m, q) in enumerate([("api-calls", 1), ("tokens", "123456.789"), ("seats", 9),
                                        ("storage", "1500.5"), ("storage", "40.25"), ("images", 777)] * 40)]
    usage = HEADER + "".join(rows)
    narrow = _run(tmp_path, cat, usage, NARROW, plan="pro")
    wide = _run(tmp_path, cat, usage, WIDE, plan="pro")
    assert narrow == wide == _run(tmp_path, cat, usage, None, plan="pro")
    assert narrow.totals and narrow.totals[0].candidate > 0 and len(narrow.lines) > 100


def test_the_quantity_bound_reads_every_kind_of_quantity() -> None:
    con = duckdb.connect()
    con.execute("""CREATE TABLE agg (status VARCHAR, qty_sum DECIMAL(38, 12), qty_max DECIMAL(38, 12),
        vnum DECIMAL(38, 12), events BIGINT)""")
    assert _narrow_quantities(con, 12)  # nothing: narrow
    con.execute("INSERT INTO agg VALUES ('ok', 999999.5, 3, NULL, 1), ('duplicate', 1e9, 1e9, 1e9, 1e9)")
    assert _narrow_quantities(con, 12)  # unrated rows are not rated
    assert not _narrow_quantities(con, 13)  # 999999.5 needs 6 integer digits, DECIMAL(18, 13) has 5
    assert not _narrow_quantities(con, 18)
    for row in ("('ok', -1e6, 0, NULL, 1)", "('ok', 0, 1e6, NULL, 1)", "('ok', 0, 0, -1e6, 1)",
                "('ok', 0, 0, NULL, 1000000)"):
        con.execute("DELETE FROM agg WHERE status = 'ok'")
        con.execute(f"INSERT INTO agg VALUES {row}")
        assert not _narrow_quantities(con, 12), row
