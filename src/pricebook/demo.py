"""``pricebook demo``: generated usage for the bundled acme catalog, a candidate price change, and the
validate -> simulate tour. The catalog comes from the package (``pricebook/data/acme``), so the demo runs
from a fresh install anywhere.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def bundled_acme() -> Path:
    """The acme catalog shipped inside the package."""
    return Path(__file__).resolve().parent / "data" / "acme"


@dataclass(frozen=True)
class DemoFiles:
    root: Path
    baseline: Path
    candidate: Path
    usage: Path
    subscriptions: Path


def generate_usage(con: Any, path: Path, subs_path: Path, events: int, seed: int = 7) -> None:
    """A realistic export written by DuckDB itself (seeded): customers on every plan, token model
    dimensions, payment transactions, a few duplicate event ids and an unknown meter."""
    customers = max(20, events // 500)
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")  # no-float-ok: RNG seed
    con.execute(f"""CREATE OR REPLACE TEMP TABLE demo_subs AS
        SELECT 'cus_' || lpad(CAST(i AS VARCHAR), 5, '0') AS customer_id,
               CASE WHEN i % 10 < 3 THEN 'free' WHEN i % 10 < 6 THEN 'starter' WHEN i % 10 < 9 THEN 'pro'
                    ELSE 'enterprise' END AS plan,
               CASE WHEN i % 7 = 0 AND i % 10 >= 3 THEN 'EUR' ELSE 'USD' END AS currency,
               DATE '2026-01-01' - CAST(i % 400 AS INTEGER) AS subscribed_at,
               CAST(NULL AS DATE) AS ended_at,
               CASE WHEN i % 10 >= 6 AND i % 4 = 0 THEN 'priority-support' ELSE '' END AS add_ons
        FROM range({customers}) t(i)""")
    con.execute(f"COPY demo_subs TO '{subs_path.as_posix()}' (FORMAT csv, HEADER true)")
    meters = ["api-calls", "api-calls", "api-calls", "tokens", "tokens", "seats", "storage", "images",
              "payments", "active-projects"]
    arr = "[" + ", ".join(f"'{m}'" for m in meters) + "]"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE demo_usage AS
        WITH e AS (
            SELECT i, CAST(floor(random() * {customers}) AS BIGINT) AS c,
                   {arr}[1 + CAST(floor(random() * {len(meters)}) AS INTEGER)] AS meter,
                   TIMESTAMP '2026-01-01' + to_seconds(CAST(floor(random() * 90 * 86400) AS BIGINT)) AS ts,
                   random() AS r
            FROM range({events}) t(i))
        SELECT 'evt_' || CAST(CASE WHEN i % 997 = 5 THEN i - 1 ELSE i END AS VARCHAR) AS event_id,
               'cus_' || lpad(CAST(c AS VARCHAR), 5, '0') AS customer_id,
               strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
               CASE WHEN i % 5003 = 17 THEN 'gpu-minutes' ELSE meter END AS meter,
               CASE meter WHEN 'api-calls' THEN '1' WHEN 'tokens' THEN CAST(CAST(r * 200000 AS BIGINT) AS VARCHAR)
                    WHEN 'seats' THEN CAST(1 + CAST(r * 12 AS BIGINT) AS VARCHAR)
                    WHEN 'storage' THEN CAST(CAST(r * 1500 AS DECIMAL(10, 2)) AS VARCHAR)
                    WHEN 'images' THEN '1'
                    WHEN 'payments' THEN CAST(CAST(1 + r * 400 AS DECIMAL(10, 2)) AS VARCHAR)
                    ELSE 'proj_' || CAST(CAST(r * 30 AS BIGINT) AS VARCHAR) END AS quantity,
               CASE WHEN meter = 'tokens' THEN CASE WHEN r < 0.3 THEN 'large' ELSE 'small' END END AS model
        FROM e""")
    con.execute(f"COPY demo_usage TO '{path.as_posix()}' (FORMAT csv, HEADER true)")


def make_candidate(baseline: Path, candidate: Path) -> None:
    """The price change the demo shows: Pro's platform fee 49 -> 59 USD, small-model tokens 0.000002 ->
    0.0000025 USD on Starter (and so Pro), and a new top API-call tier on Starter."""
    shutil.copytree(baseline, candidate)
    pro = candidate / "plans" / "pro.yaml"
    pro.write_text(pro.read_text().replace('platform: {model: flat, amount: {USD: "49.00"',
                                           'platform: {model: flat, amount: {USD: "59.00"'))
    st = candidate / "plans" / "starter.yaml"
    text = st.read_text()
    text = text.replace('unit_price: {USD: "0.000002", EUR: "0.0000018"}',
                        'unit_price: {USD: "0.0000025", EUR: "0.0000022"}')
    text = re.sub(r'          - \{unit_price: \{USD: "0.0003", EUR: "0.00027"\}\}',
                  '          - {up_to: 5000000, unit_price: {USD: "0.0003", EUR: "0.00027"}}\n'
                  '          - {unit_price: {USD: "0.0002", EUR: "0.00018"}}', text)
    st.write_text(text)


def prepare(root: Path, events: int) -> DemoFiles:
    """Write the baseline and candidate catalogs, usage and subscriptions under ``root``."""
    import duckdb

    root.mkdir(parents=True, exist_ok=True)
    base, cand = root / "baseline", root / "candidate"
    for p in (base, cand):
        if p.exists():
            shutil.rmtree(p)
    shutil.copytree(bundled_acme(), base)
    make_candidate(base, cand)
    files = DemoFiles(root, base, cand, root / "usage.csv", root / "subscriptions.csv")
    con = duckdb.connect()
    try:
        generate_usage(con, files.usage, files.subscriptions, events)
    finally:
        con.close()
    return files
