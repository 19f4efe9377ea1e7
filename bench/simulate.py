"""Benchmark: pricebook simulate against the bare DuckDB scan + GROUP BY (the floor).

    .venv/bin/python bench/simulate.py [--events 20000000]

Generates N events with DuckDB into Parquet under a temp dir, then times, in child processes (peak RSS
from getrusage): the floor, simulate without dedup, simulate with dedup. Prints ratios to the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
mode, path, cat = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
if mode == "floor":
    import duckdb
    duckdb.connect().execute(f"SELECT customer_id, meter, date_trunc('month', ts), sum(quantity), count(*) "
                             f"FROM read_parquet('{path}') GROUP BY ALL").fetchall()
else:
    from pricebook.load import load_catalog
    from pricebook.simulate import Side, SimulationOptions, run_simulation
    c = load_catalog(cat).catalog
    run_simulation(SimulationOptions(usage=[path], default_plan="pro", dedup=(mode == "dedup"),
                                     mapping={"timestamp": "ts"}),
                   Side("baseline", "b", c), Side("candidate", "c", c))
print(json.dumps({"s": time.perf_counter() - t, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000_000)
    args = ap.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "usage.parquet")
        duckdb.connect().execute(f"""COPY (SELECT 'evt_' || i AS event_id, 'cus_' || (i % 100000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (90 * 86400)) AS ts,
            ['api-calls', 'tokens', 'seats', 'storage'][1 + (i % 4)::INTEGER] AS meter,
            CAST(1 + i % 1000 AS DECIMAL(18, 3)) AS quantity
            FROM range({args.events}) t(i)) TO '{path}' (FORMAT parquet)""")
        out = {}
        for mode in ("floor", "simulate", "dedup"):
            t = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", CHILD, mode, path, str(ROOT / "catalogs" / "acme")],
                                 capture_output=True, text=True, check=True)
            out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
            out[mode]["wall"] = time.perf_counter() - t
        floor = out["floor"]["s"]
        print(f"events: {args.events:,}")
        for mode, r in out.items():
            print(f"{mode:>9}: {r['s']:8.2f} s  {r['s'] / floor:5.2f}x floor  peak RSS {r['rss_mib']:8.0f} MiB")


if __name__ == "__main__":
    main()
