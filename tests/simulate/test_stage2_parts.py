"""Pieces of the fast stage 2 that the reference-equality property test does not reach on its own:
the SQL histogram (exact at the rounding ties), rows stored as data (exact decimals, quotes, NULLs,
lists, dates) and a run that binds no Python parameter (so duckdb never imports pandas)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.simulate.result import HISTOGRAM_EDGES, histogram, histogram_sql, pct
from pricebook.simulate.stage2 import insert_rows

from tests.conftest import ACME

cents = st.integers(-10**9, 10**9).map(lambda n: Decimal(n).scaleb(-2))


def _ties() -> st.SearchStrategy[tuple[Decimal, Decimal]]:
    # delta / base * 100 exactly at an edge, at edge +- 0.005 (the rounding ties) and near them
    @st.composite
    def build(draw: st.DrawFn) -> tuple[Decimal, Decimal]:
        edge = draw(st.sampled_from(HISTOGRAM_EDGES))
        off = draw(st.sampled_from(["-0.005", "0.005", "0", "-0.0049", "0.0051", "-0.0051", "0.0049"]))
        base = Decimal(draw(st.sampled_from([10000, -10000, 20000, 2000000])))
        delta = (Decimal(edge) + Decimal(off)) * base / 100
        return delta, base
    return build()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cents, cents) | _ties(), max_size=40))
def test_histogram_sql_equals_python(pairs: list[tuple[Decimal, Decimal]]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (d DECIMAL(38, 6), b DECIMAL(38, 6))")
    insert_rows(con, "t", ("d", "b"), pairs)
    assert histogram_sql(con, "t", "d", "b") == histogram([pct(d, b) for d, b in pairs])


def test_histogram_sql_ties_by_hand() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (d DECIMAL(38, 6), b DECIMAL(38, 6))")
    # 4.995% rounds to 5.00 (>= 5); 4.9949% to 4.99; 0.005% to 0.00 (the 0% bucket); -0.0051% to -0.01
    rows = [(Decimal("499.5"), Decimal("10000")), (Decimal("499.49"), Decimal("10000")),
            (Decimal("0.5"), Decimal("10000")), (Decimal("-0.51"), Decimal("10000")), (Decimal(1), Decimal(0))]
    insert_rows(con, "t", ("d", "b"), rows)
    got = dict(histogram_sql(con, "t", "d", "b"))
    assert got["5% .. 10%"] == 1 and got["1% .. 5%"] == 1 and got["0%"] == 1 and got["-1% .. 0%"] == 1
    assert sum(got.values()) == 4  # base 0 has no percentage


def test_insert_rows_keeps_values_exact() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a DECIMAL(38, 12), s VARCHAR, l VARCHAR[], d DATE, n INTEGER, f BOOLEAN)")
    rows = [("12345678901234567890.000000000001", "it's \"quoted\"; DROP TABLE t", ["a'b", "c"], date(2026, 2, 1),
             7, True),
            (Decimal("0.000000000001"), None, None, None, None, False)]
    insert_rows(con, "t", ("a", "s", "l", "d", "n", "f"), rows)
    got = con.execute("SELECT * FROM t ORDER BY n NULLS LAST").fetchall()
    assert got[0] == (Decimal("12345678901234567890.000000000001"), "it's \"quoted\"; DROP TABLE t", ["a'b", "c"],
                      date(2026, 2, 1), 7, True)
    assert got[1] == (Decimal("0.000000000001"), None, None, None, None, False)


def test_simulate_run_does_not_import_pandas(tmp_path) -> None:
    usage = tmp_path / "u.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-01-05T00:00:00Z,api-calls,1\n"
                     "c1,2026-01-06T00:00:00Z,seats,4\n")
    code = f"""
import sys
from pricebook.load import load_catalog
from pricebook.simulate import Side, SimulationOptions, run_simulation
c = load_catalog({str(ACME)!r}).catalog
r = run_simulation(SimulationOptions(usage=[{str(usage)!r}], default_plan="pro"), Side("baseline", "b", c),
                   Side("candidate", "c", c))
assert r.customers["total"] == 1, r.customers
print("pandas" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
