"""Benchmark: a catalog of many meters that share a dimension (simulate's other shape).

    .venv/bin/python bench/many_meters.py [--meters 40] [--events 20000000] [--repeat 2]

bench/simulate.py measures acme: 7 meters, one of them with a dimension. Here every one of N meters
declares the dimension ``region`` and is priced per unit, with another price for one region, so stage 1
tests per event whether the event's meter declares the dimension. Times, in child processes, against
the floor measured in the same run (the bare scan + GROUP BY of the same file into a table, keyed as
stage 1 keys it here, by region too): stage 1 alone; stage 1 as it ran up to 2026-11-23
(``stage1_before``: its meter lists as IN lists, with DuckDB's in_clause optimizer off, as it then was
so that the scan reports progress: DuckDB then compares an IN list of n constants n times per event);
and the whole simulate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
mode, path, cat = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
if mode == "floor":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TEMP TABLE g AS SELECT customer_id, meter, region, date_trunc('month', ts), "
                f"sum(quantity), count(*) FROM read_parquet('{path}') GROUP BY ALL")
else:
    from pricebook.load import load_catalog
    c = load_catalog(cat).catalog
    if mode.startswith("stage1"):
        import pricebook.simulate.stage1 as s1
        from pricebook.simulate.engine import SimulationOptions, _connect, _stage1
        from pricebook.simulate.readers import UsageSpec, create_usage_view, dimension_names, usage_view_shape
        con = _connect(SimulationOptions(usage=[path]), c.timezone)
        if mode == "stage1_before":  # the lists as IN lists (as the portable query writes them)
            portable = s1._in_list
            s1._in_list = lambda column, values, duckdb=False: portable(column, values)
            con.execute("SET disabled_optimizers = 'in_clause'")
        us = UsageSpec((path,), {"timestamp": "ts"}, None, 12)
        shape = usage_view_shape(create_usage_view(con, us, c.meters), us, c.meters)
        _stage1(con, s1.AggregateSpec(c.meters, frozenset(), 12, False,
                                      dimensions=tuple(dimension_names(c.meters))), shape)
        con.close()
    else:
        from pricebook.simulate import Side, SimulationOptions, run_simulation
        run_simulation(SimulationOptions(usage=[path], default_plan="pro", dedup=False, mapping={"timestamp": "ts"}),
                       Side("baseline", "b", c), Side("candidate", "c", c))
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"s": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}))
"""


def write_catalog(root: Path, n: int) -> None:
    (root / "plans").mkdir(parents=True)
    meters = "\n".join(f"  m{i}: {{name: M{i}, aggregation: sum, dimensions: [region]}}" for i in range(n))
    skus = "\n".join(f"  s{i}: {{name: S{i}, meter: m{i}}}" for i in range(n))
    (root / "catalog.yaml").write_text(
        f"catalog:\n  id: many\n  name: Many\n  currency: USD\n\nmeters:\n{meters}\n\nskus:\n{skus}\n")
    prices = "\n".join(
        f"      s{i}:\n        model: per_unit\n        unit_price: {{USD: \"0.01\"}}\n        dimensions:\n"
        f"          region:\n            eu: {{model: per_unit, unit_price: {{USD: \"0.02\"}}}}" for i in range(n))
    (root / "plans" / "pro.yaml").write_text(f"plans:\n  pro:\n    name: Pro\n    prices:\n{prices}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--meters", type=int, default=40)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--repeat", type=int, default=2, help="rounds of every mode (alternating); the best is printed")
    args = ap.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as d:
        cat, path = Path(d) / "catalog", str(Path(d) / "usage.parquet")
        write_catalog(cat, args.meters)
        duckdb.connect().execute(f"""COPY (SELECT 'evt_' || i AS event_id, 'cus_' || (i % 100000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (90 * 86400)) AS ts, 'm' || (i % {args.meters}) AS meter,
            CAST(1 + i % 1000 AS DECIMAL(18, 3)) AS quantity, ['eu', 'us', 'ap'][1 + (i % 3)::INTEGER] AS region
            FROM range({args.events}) t(i)) TO '{path}' (FORMAT parquet)""")
        modes = ["floor", "stage1", "stage1_before", "simulate"]
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
        for _ in range(max(1, args.repeat)):
            for mode in modes:
                res = subprocess.run([sys.executable, "-c", CHILD, mode, path, str(cat)],
                                     capture_output=True, text=True, check=True)
                runs[mode].append(json.loads([ln for ln in res.stdout.splitlines() if ln.startswith('{"s"')][-1]))
        best = {m: min(r, key=lambda x: x["s"]) for m, r in runs.items()}
        print(f"events: {args.events:,}  meters sharing a dimension: {args.meters}  rounds: {max(1, args.repeat)}  "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        floor, floor_cpu = best["floor"]["s"], best["floor"]["cpu"]
        for mode, r in best.items():
            print(f"{mode:>13}: {r['s']:7.2f} s  {r['s'] / floor:5.2f}x floor  cpu {r['cpu']:7.2f} s "
                  f"{r['cpu'] / floor_cpu:5.2f}x floor  peak RSS {r['rss_mib']:7.0f} MiB")


if __name__ == "__main__":
    main()
