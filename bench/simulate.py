"""Benchmark: pricebook simulate against the bare DuckDB scan + GROUP BY (the floor).

    .venv/bin/python bench/simulate.py [--events 20000000] [--no-pandas] [--repeat N] [--statements]
                                       [--dups PCT]

Generates N events with DuckDB into Parquet under a temp dir, then times, in child processes (peak RSS
from getrusage): the floor (the bare scan + GROUP BY of the same file into a table, as stage 1 writes
its table), floor_fetch (the same fetched into Python: the floor before 2026-11-22), floor_agg4 (the
floor's scan and keys with the four aggregates stage 1 keeps per group: events, sum, max, last
timestamp; information only, ratios stay to the floor), floor_ym (the floor with the month grouped as
year(ts) and month(ts), as stage 1 groups it; information only), stage 1 alone
(read and aggregate, no rating: simulate minus stage1 is
what stage 2 and the report cost), ideal (stage 1, then a stage 2 written by hand for this data alone,
with the prices as constants: a lower bound for any stage 2; information only), simulate without dedup, simulate with dedup (repeated ids found by the C
search, ``_dupfind.c``), the same with DuckDB's sort of the id hashes instead (dedup_sort: the path
where the C search is not built), and the pandas peer (same
aggregation and the acme Pro prices, as an analyst would write it). Prints ratios to the floor.

Event ids are unique unless ``--dups PCT`` (0-100): then PCT% of the events repeat the id of the event
before them (a later copy with other values: the earlier wins), which the dedup run must find and window.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
mode, path, cat = sys.argv[1], sys.argv[2], sys.argv[3]
# ideal: a lower bound for stage 2 and the report, information only. One statement from the stage 1
# table to both sides' bills, written by hand for this benchmark alone: every customer on acme's Pro
# in USD, the prices as constants (the candidate's platform fee 59.00 instead of 49.00), no
# subscriptions, grandfathering, add-ons, EUR, limits or unrated report; each line rounded once, exact
# DECIMAL; then the report's few sums, per-customer totals, movers and histogram. Its baseline total is
# simulate's to the cent (473,819,280.00 at 20M events). What simulate costs beyond it is its generality.
D = "DECIMAL(18, 2)"
def _side(x, platform):
    return (f"CAST(round(greatest(coalesce(seats, 0) - 3, 0) * 12.00, 2) AS {D}) AS seats_{x}, "
            f"CAST(round(greatest(least(coalesce(api, 0), 1000000) - 10000, 0) * 0.0005 "
            f"+ greatest(coalesce(api, 0) - 1000000, 0) * 0.0003, 2) AS {D}) AS api_{x}, "
            f"CAST(round(coalesce(tok_rest, 0) * 0.000002, 2) + round(coalesce(tok_large, 0) * 0.00001, 2) AS {D}) "
            f"AS tok_{x}, "
            f"CAST(round(CASE WHEN coalesce(storage, 0) <= 100 THEN coalesce(storage, 0) * 0.10 "
            f"WHEN storage <= 1000 THEN storage * 0.08 ELSE storage * 0.05 + 10 END, 2) AS {D}) AS st_{x}, "
            f"CAST(round(CASE WHEN coalesce(images, 0) > 200 THEN ceil((images - 200) / 100) * 4.00 ELSE 0 END, 2) "
            f"AS {D}) AS img_{x}, CAST({platform} AS {D}) AS plat_{x}")
def _total(x):
    return (f"CAST(greatest(plat_{x} + seats_{x} + api_{x} + tok_{x} + st_{x} + img_{x} "
            f"- least(10, greatest(seats_{x} + api_{x} + tok_{x} + st_{x} + img_{x}, 0)), 100) AS {D}) AS total_{x}")
IDEAL = [
    f'''CREATE TEMP TABLE bills AS WITH w AS (
        SELECT customer_id, period, sum(qty_sum) FILTER (meter = 'api-calls') AS api,
               sum(qty_sum) FILTER (meter = 'tokens' AND coalesce(d_0, '') <> 'large') AS tok_rest,
               sum(qty_sum) FILTER (meter = 'tokens' AND d_0 = 'large') AS tok_large,
               max(qty_max) FILTER (meter = 'seats') AS seats, max(qty_max) FILTER (meter = 'storage') AS storage,
               sum(events) FILTER (meter = 'images') AS images
        FROM agg WHERE status = 'ok' GROUP BY customer_id, period),
        l AS (SELECT customer_id, period, {_side('b', '49.00')}, {_side('c', '59.00')} FROM w)
        SELECT *, {_total('b')}, {_total('c')} FROM l''',
    "SELECT sum(total_b), sum(total_c), count(*) FILTER (total_c > total_b), count(*) FILTER (total_c < total_b) "
    "FROM bills",
    "SELECT period, sum(total_b), sum(total_c) FROM bills GROUP BY period",
    "SELECT sum(seats_b), sum(seats_c), sum(api_b), sum(api_c), sum(tok_b), sum(tok_c), sum(st_b), sum(st_c), "
    "sum(img_b), sum(img_c) FROM bills",
    "CREATE TEMP TABLE pc AS SELECT customer_id, sum(total_b) AS b, sum(total_c) AS c FROM bills GROUP BY customer_id",
    "SELECT * FROM pc ORDER BY c - b DESC LIMIT 10",
    "SELECT * FROM pc ORDER BY c - b LIMIT 10",
    "SELECT floor((c - b) * 10 / b) AS bucket, count(*) FROM pc GROUP BY 1",
    "SELECT status, meter, sum(events), sum(qty_sum) FROM agg GROUP BY ALL",
]
t = time.perf_counter()
if mode == "pandas":
    # The peer an analyst would write: pandas + pyarrow, aggregate, then the acme Pro prices in floats.
    import numpy as np
    import pandas as pd
    df = pd.read_parquet(path, columns=["event_id", "customer_id", "ts", "meter", "quantity"])
    df = df.drop_duplicates("event_id")
    df["quantity"] = df["quantity"].astype("float64")  # no-float-ok: the peer's choice
    df["period"] = df["ts"].dt.to_period("M")
    g = df.groupby(["customer_id", "period", "meter"])["quantity"]
    agg = pd.concat([g.sum().rename("sum"), g.max().rename("max"), g.size().rename("n")], axis=1).reset_index()
    wide = agg.pivot_table(index=["customer_id", "period"], columns="meter", values=["sum", "max", "n"],
                           fill_value=0)
    calls = wide[("n", "api-calls")]
    api = (np.clip(calls, 10000, 1000000) - 10000) * 0.0005 + np.clip(calls - 1000000, 0, None) * 0.0003
    tokens = wide[("sum", "tokens")] * 0.000002
    seats = np.clip(wide[("max", "seats")] - 3, 0, None) * 12
    st = wide[("max", "storage")]
    storage = np.where(st <= 100, st * 0.10, np.where(st <= 1000, st * 0.08, st * 0.05 + 10))
    usage = (api.round(2) + tokens.round(2) + seats.round(2) + np.round(storage, 2))
    credit = np.minimum(10, usage)
    total = 49 + usage - credit
    total = np.maximum(total, 100)
    for _side in ("baseline", "candidate"):
        float(total.sum())  # no-float-ok
elif mode.startswith("floor"):
    # The bare scan + GROUP BY of the same file into a table, as stage 1 writes agg (floor). The others
    # are information only, ratios stay to floor: floor_fetch, the floor used up to the 2026-11-22
    # table, also converted the 300k groups into Python tuples (~0.5 s CPU more), which flattered every
    # ratio; floor_agg4 keeps the four aggregates stage 1 keeps per group (events, sum, max, last
    # timestamp) instead of the floor's two; floor_ym groups the month as stage 1 has since 2026-11-23,
    # year(ts) and month(ts), not date_trunc('month', ts) (~0.75 s less CPU at 20M events).
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    src = f"read_parquet('{path}')"
    floor = (f"SELECT customer_id, meter, date_trunc('month', ts), sum(quantity), count(*) "
             f"FROM {src} GROUP BY ALL")
    q = {"floor": floor, "floor_fetch": floor,
         "floor_agg4": "SELECT customer_id, meter, CAST(date_trunc('month', ts) AS DATE), count(*), "
                       f"sum(quantity), max(quantity), max(ts) FROM {src} GROUP BY ALL",
         "floor_ym": "SELECT customer_id, meter, make_date(y, m, 1), s, n FROM (SELECT customer_id, meter, "
                     "year(ts) AS y, month(ts) AS m, sum(quantity) AS s, count(*) AS n "
                     f"FROM {src} GROUP BY ALL)",
         }[mode]
    if mode == "floor_fetch":
        con.execute(q).fetchall()
    else:
        con.execute("CREATE TEMP TABLE g AS " + q)
elif mode in ("stage1", "ideal"):
    # stage 1 alone (read + aggregate into the table stage 2 reads), as run_simulation runs it; ideal:
    # then a stage 2 no engine can beat (see IDEAL below)
    from pricebook.load import load_catalog
    from pricebook.simulate.engine import SimulationOptions, _connect, _stage1
    from pricebook.simulate.readers import UsageSpec, create_usage_view, dimension_names, usage_view_shape
    from pricebook.simulate.stage1 import AggregateSpec
    c = load_catalog(cat).catalog
    con = _connect(SimulationOptions(usage=[path]), c.timezone)
    us = UsageSpec((path,), {"timestamp": "ts"}, None, 12)
    shape = usage_view_shape(create_usage_view(con, us, c.meters), us, c.meters)
    txn = frozenset(c.skus[s].meter for p in c.plans.values() for s, pr in p.prices.items()
                    if pr.model == "percentage" and s in c.skus and c.skus[s].meter)
    _stage1(con, AggregateSpec(c.meters, txn, 12, False, dimensions=tuple(dimension_names(c.meters))), shape)
    if mode == "ideal":
        for sql in IDEAL:
            con.execute(sql).fetchall()
    con.close()
else:
    from pricebook.load import load_catalog
    from pricebook.simulate import Side, SimulationOptions, run_simulation
    c = load_catalog(cat).catalog
    if mode == "statements":
        # wall and CPU seconds of every SQL statement of one simulate run, the costliest first
        import re
        import pricebook.simulate.engine as eng
        log = []

        class Timed:
            def __init__(self, con):
                self._con = con

            def execute(self, sql, *args):
                w, c0 = time.perf_counter(), time.process_time()
                out = self._con.execute(sql, *args)
                log.append((time.perf_counter() - w, time.process_time() - c0, re.sub(r"\s+", " ", sql)))
                return out

            def __getattr__(self, name):
                return getattr(self._con, name)

        connect = eng._connect
        eng._connect = lambda opts, tz: Timed(connect(opts, tz))
    run_simulation(SimulationOptions(usage=[path], default_plan="pro", dedup=(mode == "dedup"),
                                     mapping={"timestamp": "ts"}),
                   Side("baseline", "b", c), Side("candidate", "c", c))
    if mode == "statements":
        stage1 = [x for x in log if x[2].startswith("CREATE TEMP TABLE agg AS")]
        rest = [x for x in log if x not in stage1]
        print(f"statements: {len(log)}; stage 1 {sum(x[0] for x in stage1):.2f} s wall, "
              f"{sum(x[1] for x in stage1):.2f} s CPU; after it {sum(x[0] for x in rest):.2f} s wall, "
              f"{sum(x[1] for x in rest):.2f} s CPU")
        for w, cpu, sql in sorted(rest, reverse=True)[:15]:
            print(f"  {w:6.3f} s wall {cpu:6.3f} s CPU  {sql[:100]}")
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"s": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas peer (it needs ~400 B/event)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of every mode (alternating); prints the best of each and, from 3, the median")
    ap.add_argument("--dups", type=int, default=0,
                    help="percent of events that repeat the previous event's id")
    ap.add_argument("--statements", action="store_true",
                    help="only time every SQL statement of one simulate run (the 15 costliest after stage 1)")
    args = ap.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "usage.parquet")
        dups = max(0, min(100, args.dups))
        duckdb.connect().execute(f"""COPY (SELECT
            'evt_' || CASE WHEN i > 0 AND i % 100 < {dups} THEN i - 1 ELSE i END AS event_id, 'cus_' || (i % 100000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (90 * 86400)) AS ts,
            ['api-calls', 'tokens', 'seats', 'storage'][1 + (i % 4)::INTEGER] AS meter,
            CAST(1 + i % 1000 AS DECIMAL(18, 3)) AS quantity
            FROM range({args.events}) t(i)) TO '{path}' (FORMAT parquet)""")
        if args.statements:
            res = subprocess.run([sys.executable, "-c", CHILD, "statements", path,
                                  str(ROOT / "catalogs" / "acme")], capture_output=True, text=True, check=True)
            print(f"events: {args.events:,}  repeated ids: {dups}%  load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print("\n".join(ln for ln in res.stdout.splitlines() if not ln.startswith('{"s"')))
            return
        modes = ["floor", "floor_fetch", "floor_agg4", "floor_ym", "stage1", "ideal", "simulate", "dedup",
                 "dedup_sort"]
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
        # rounds alternate the modes, so a slow minute of a shared machine hits every mode alike;
        # the pandas peer (a minute at 20M) runs once, after the rounds
        for _ in range(max(1, args.repeat)):
            for mode in modes:
                runs[mode].append(_child(mode, path))
        if not args.no_pandas:
            runs["pandas"] = [_child("pandas", path)]
        # The machine may be shared: CPU seconds (user + sys of the child) move less with other load
        # than wall time, so both ratios are printed, with the load average.
        print(f"events: {args.events:,}  repeated ids: {dups}%  rounds: {max(1, args.repeat)}  load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        best = {m: min(r, key=lambda x: x["s"]) for m, r in runs.items()}
        median = {m: sorted(r, key=lambda x: x["s"])[(len(r) - 1) // 2] for m, r in runs.items()}
        picks = [("best", best), ("median", median)] if args.repeat > 2 else \
            [("best", best)] if args.repeat == 2 else [("", best)]
        for label, pick in picks:
            floor, floor_cpu = pick["floor"]["s"], pick["floor"]["cpu"]
            if label:
                print(f"{label} of each mode, ratios to the {label} floor:")
            for mode, r in pick.items():
                print(f"{mode:>11}: {r['s']:8.2f} s  {r['s'] / floor:5.2f}x floor  cpu {r['cpu']:7.2f} s "
                      f"{r['cpu'] / floor_cpu:5.2f}x floor  peak RSS {r['rss_mib']:8.0f} MiB")
        if "pandas" in best:
            p, d = best["pandas"], best["dedup"]
            print(f"pandas / simulate --dedup (best): {p['s'] / d['s']:.2f}x time, "
                  f"{p['rss_mib'] / d['rss_mib']:.2f}x peak RSS")


def _child(mode: str, path: str) -> dict[str, float]:
    """One mode in a fresh process: its seconds, CPU seconds and peak RSS (MiB)."""
    # dedup_sort: dedup with DuckDB's sort of the id hashes instead of the C search
    env = {**os.environ, "PRICEBOOK_PURE_DEDUP": "1"} if mode == "dedup_sort" else None
    res = subprocess.run([sys.executable, "-c", CHILD, mode.removesuffix("_sort"), path,
                          str(ROOT / "catalogs" / "acme")],
                         capture_output=True, text=True, check=True, env=env)
    lines = [ln[ln.index('{"s"'):] for ln in res.stdout.splitlines() if '{"s"' in ln]
    if not lines:
        raise SystemExit(f"{mode} printed no result: {res.stdout[-500:]!r} {res.stderr[-500:]!r}")
    out: dict[str, float] = json.loads(lines[-1])
    return out


if __name__ == "__main__":
    main()
