"""Pieces of the fast stage 2 that the reference-equality property test does not reach on its own:
the SQL histogram (exact at the rounding ties), rows stored as data (exact decimals, quotes, NULLs,
lists, dates) and a run that binds no Python parameter (so duckdb never imports pandas)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.simulate.result import HISTOGRAM_EDGES, NO_BASELINE, histogram, histogram_sql, pct
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
    assert histogram_sql(con, "t", "d", "b") == histogram(pairs)
    assert sum(n for _, n in histogram(pairs)) == len(pairs)  # every customer is in one bucket


def test_histogram_sql_ties_by_hand() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (d DECIMAL(38, 6), b DECIMAL(38, 6))")
    # 4.995% rounds to 5.00 (>= 5); 4.9949% to 4.99; 0.005% to 0.00 (the 0% bucket); -0.0051% to -0.01
    rows = [(Decimal("499.5"), Decimal("10000")), (Decimal("499.49"), Decimal("10000")),
            (Decimal("0.5"), Decimal("10000")), (Decimal("-0.51"), Decimal("10000")),
            (Decimal(1), Decimal(0)), (Decimal(0), Decimal(0)), (Decimal(-1), Decimal(-2))]
    insert_rows(con, "t", ("d", "b"), rows)
    got = dict(histogram_sql(con, "t", "d", "b"))
    assert got["5% .. 10%"] == 1 and got["1% .. 5%"] == 1 and got["-1% .. 0%"] == 1
    assert got["0%"] == 2  # 0.005% rounds to 0.00, and a bill of 0 that stays 0
    assert got["-50% .. -20%"] == 1  # a credit of -2 that becomes -3: -50%, the sign of the change
    assert got[NO_BASELINE] == 1 and sum(got.values()) == len(rows)  # from 0 to 1: no percentage


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


@pytest.mark.parametrize("eur_every", [5, 0])
def test_bills_and_skus_add_up_to_the_lines(tmp_path, eur_every: int) -> None:
    """Stage 2 stores only lines with usage; bills, by_sku and every listed line must still agree, with
    add-ons, dimensions, sparse usage and two currencies (or one: by_sku's credit and minimum then take
    the one currency without meeting units), and an add-on customer equals the reference."""
    import random
    from collections import defaultdict

    from pricebook.load import load_catalog
    from pricebook.rating import MeterUsage, rate_plan
    from pricebook.simulate import Side, SimulationOptions, run_simulation

    rnd = random.Random(7)
    subs = ["customer_id,plan,currency,subscribed_at,ended_at,add_ons"]
    rows = ["customer_id,timestamp,meter,quantity,tokens,model"]
    for i in range(60):
        plan = ["starter", "pro", "enterprise"][i % 3]
        addon = "priority-support" if plan != "starter" and i % 2 else ""
        subs.append(f"c{i},{plan},{'EUR' if eur_every and i % eur_every == 0 else 'USD'},2025-01-01,,{addon}")
        for meter in rnd.sample(["api-calls", "seats", "storage", "images", "tokens"], rnd.randint(0, 3)):
            for _ in range(rnd.randint(1, 3)):
                q = rnd.choice(["0", "1", "7.5", "12000", "250000", "3"])
                model = rnd.choice(["large", "small", ""]) if meter == "tokens" else ""
                rows.append(f"c{i},2026-0{rnd.randint(1, 2)}-1{rnd.randint(0, 9)}T00:00:00Z,{meter},{q},{q},{model}")
    rows.append("c999,2026-01-02T00:00:00Z,seats,4,4,")  # no subscription
    (tmp_path / "u.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "s.csv").write_text("\n".join(subs) + "\n")
    cat = load_catalog(ACME).catalog
    res = run_simulation(SimulationOptions(usage=[str(tmp_path / "u.csv")], subscriptions=str(tmp_path / "s.csv"),
                                           keep_lines=True), Side("baseline", "b", cat), Side("candidate", "c", cat))
    per_bill: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    per_sku: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    currency = {f"c{i}": "EUR" if eur_every and i % eur_every == 0 else "USD" for i in range(60)}
    for side, cid, period, _no, sku, _kind, _dim, _addon, _qty, amount in res.lines:
        per_bill[(side, cid, period)] += amount
        if side == "candidate":
            per_sku[(sku, currency[cid])] += amount
    assert len({k[1] for k in per_bill}) == 60
    assert {(g.key["sku"], g.amounts.currency): g.amounts.candidate for g in res.by_sku} == dict(per_sku)
    assert {"credit", "minimum"} & {g.key["sku"] for g in res.by_sku}  # the adjustments are checked too
    for m in res.totals:
        assert m.candidate == sum(v for (side, cid, _), v in per_bill.items()
                                  if side == "candidate" and currency[cid] == m.currency)
    assert res.unrated["unknown_customer"]["events"] == 1
    # an add-on customer's bill equals the reference engine's (usage of the period rebuilt from the CSV)
    for cid in ("c1", "c5", "c7"):
        usage: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
        for r in rows[1:]:
            c, ts, meter, q, _t, model = r.split(",")
            if c == cid and ts.startswith("2026-01"):
                usage[meter].append((Decimal(q), model))
        mu = {}
        for meter, vals in usage.items():
            agg = cat.meters[meter].aggregation
            qty = Decimal(len(vals)) if agg == "count" else (max(v for v, _ in vals) if agg == "max"
                                                               else sum(v for v, _ in vals))
            by_dim = None
            if meter == "tokens":
                dims: dict[str, Decimal] = defaultdict(Decimal)
                for v, model in vals:
                    dims[model] += v
                by_dim = {"model": dict(dims)}
            mu[meter] = MeterUsage(qty, by_dimension=by_dim) if by_dim else MeterUsage(qty)
        plan = ["starter", "pro", "enterprise"][int(cid[1:]) % 3]
        bill = rate_plan(cat, plan, mu, currency=currency[cid],
                         add_ons=["priority-support"] if plan != "starter" and int(cid[1:]) % 2 else [])
        assert per_bill[("candidate", cid, "2026-01")] == bill.total, (cid, mu)


def test_pct_has_the_sign_of_the_change_and_never_prints_minus_zero() -> None:
    assert pct(Decimal(-1), Decimal(-2)) == Decimal("-50.00")  # a credit of -2 that becomes -3
    assert pct(Decimal(1), Decimal(-2)) == Decimal("50.00")
    assert str(pct(Decimal(0), Decimal(-2))) == "0.00"
    assert pct(Decimal(1), Decimal(0)) is None


def test_unrated_summary_gives_entries_without_events_their_customer_periods() -> None:
    from pricebook.report.simulate_json import unrated_summary
    from pricebook.simulate.result import SimulationResult

    r = SimulationResult("b", "c", unrated={
        "duplicate": {"events": 2, "quantity": Decimal(3), "by_meter": {}},
        "plan_not_billed_candidate": {"events": 0, "quantity": Decimal(0), "by_meter": {},
                                      "customer_periods": 2, "customers": 1},
        "overlapping_subscriptions": {"events": 0, "quantity": Decimal(0), "by_meter": {}, "customers": 1},
    })
    assert unrated_summary(r) == ("duplicate: 2, plan_not_billed_candidate: 0 (2 customer-periods), "
                                  "overlapping_subscriptions: 0 (1 customer)")
