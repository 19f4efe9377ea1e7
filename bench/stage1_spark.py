"""Stage 1 (read, dedup, aggregate) on local Spark against DuckDB, on the same generated usage.

    .venv/bin/python bench/stage1_spark.py [--events 10000000] [--master 'local[*]'] [--customers 50000]

Generates N events with DuckDB into Parquet under a temporary folder (event ids with 1% duplicates,
tokens with a model dimension in JSON properties, 12-decimal quantities, three months), then times,
in one run: DuckDB stage 1 as ``pricebook simulate`` runs it (the baseline), the Spark session start,
and stage 1 on Spark (read, aggregate, Arrow back into DuckDB). Prints the times and the ratio to the
baseline, and checks that both aggregates are identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def generate(path: Path, events: int, customers: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""
        COPY (
          SELECT event_id, customer_id, timestamp, meter,
                 CASE WHEN meter = 'payments'  -- card payments: cents, and amounts repeat
                      THEN CAST(CAST(h % 50000 AS DECIMAL(38, 0)) / 100 AS DECIMAL(38, 12))
                      ELSE CAST(CAST(h % 100000000000000 AS DECIMAL(38, 0)) / 1000000000000
                                AS DECIMAL(38, 12))
                 END AS quantity,
                 properties
          FROM (
            SELECT 'evt_' || CAST(CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END AS VARCHAR) AS event_id,
                   'cus_' || CAST(hash(i) % {customers} AS VARCHAR) AS customer_id,
                   TIMESTAMPTZ '2026-01-01 00:00:00+00'
                     + to_seconds(CAST(hash(i * 7) % (90 * 86400) AS BIGINT))
                     AS timestamp,
                   ['api-calls', 'tokens', 'storage', 'seats', 'images', 'payments']
                     [1 + CAST(hash(i * 3) % 6 AS INTEGER)]
                     AS meter,
                   hash(i * 5) AS h,
                   '{{"model": "' || ['small', 'medium', 'large'][1 + CAST(hash(i * 11) % 3 AS INTEGER)]
                     || '", "tokens": "' || CAST(hash(i * 13) % 100000 AS VARCHAR) || '"}}' AS properties
            FROM range({events}) AS t(i)
          ) AS g
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--dir", default=None, help="where to write the usage (default: a temp folder)")
    args = parser.parse_args()

    import duckdb

    from pricebook.load import load_catalog
    from pricebook.simulate.dialects import aggregate_columns, transaction_meters
    from pricebook.simulate.readers import UsageSpec, create_usage_view, dimension_names
    from pricebook.simulate.spark import aggregate_on_spark, into_duckdb, spark_session
    from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql

    catalog = load_catalog(Path(__file__).resolve().parents[1] / "catalogs" / "acme").catalog
    assert catalog is not None
    tmp = Path(args.dir or tempfile.mkdtemp(prefix="pricebook-bench-"))
    usage = tmp / "usage.parquet"
    t = time.perf_counter()
    generate(usage, args.events, args.customers)
    gen = time.perf_counter() - t
    size = usage.stat().st_size / 2**20

    meters = dict(catalog.meters)
    spec = UsageSpec((str(usage),), {}, None, 12)
    agg = AggregateSpec(meters, frozenset(transaction_meters([catalog])), 12, True,
                        dimensions=tuple(dimension_names(meters)))
    columns = aggregate_columns(agg)

    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{catalog.timezone}'")
    con.execute(f"SET temp_directory = '{tmp / 'duckdb-tmp'}'")
    t = time.perf_counter()
    create_usage_view(con, spec, meters)
    con.execute("CREATE TEMP TABLE agg_duckdb AS " + aggregate_sql(agg))
    duck = time.perf_counter() - t
    rows = con.execute("SELECT count(*) FROM agg_duckdb").fetchone()[0]

    t = time.perf_counter()
    spark = spark_session(args.master)
    start = time.perf_counter() - t
    t = time.perf_counter()
    result = aggregate_on_spark(spark, spec, meters, agg, timezone=catalog.timezone)
    into_duckdb(con, result, columns, table="agg_spark")
    on_spark = time.perf_counter() - t
    spark.stop()

    diff = con.execute("SELECT count(*) FROM ((SELECT * FROM agg_duckdb EXCEPT ALL SELECT * FROM agg_spark) "
                       "UNION ALL (SELECT * FROM agg_spark EXCEPT ALL SELECT * FROM agg_duckdb))"
                       ).fetchone()[0]
    cores = os.cpu_count()
    print(f"events {args.events:,} ({size:.0f} MiB Parquet, generated in {gen:.1f} s), "
          f"aggregate rows {rows:,}, cores {cores}, spark master {args.master}")
    print(f"{'stage 1':<40}{'seconds':>10}{'x DuckDB':>10}")
    print(f"{'DuckDB (baseline)':<40}{duck:>10.2f}{1:>10.2f}")
    print(f"{'Spark: session start':<40}{start:>10.2f}{start / duck:>10.2f}")
    print(f"{'Spark: read + aggregate + Arrow back':<40}{on_spark:>10.2f}{on_spark / duck:>10.2f}")
    print(f"{'Spark: total':<40}{start + on_spark:>10.2f}{(start + on_spark) / duck:>10.2f}")
    print(f"aggregates identical: {'yes' if diff == 0 else f'NO ({diff} rows differ)'}")
    if diff:
        sys.exit(1)


if __name__ == "__main__":
    main()
