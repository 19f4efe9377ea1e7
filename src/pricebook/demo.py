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


# What each plan's customers use: (meter, share of their events, largest quantity of one usage record).
# A record is what a metering system exports per hour or per request batch; api-calls and tokens carry
# the count in `quantity` (their meters sum), images are one event per image (the meter counts).
PLAN_USAGE: dict[str, list[tuple[str, int, int]]] = {
    "free": [("api-calls", 5, 60), ("tokens", 5, 5600)],
    "starter": [("api-calls", 4, 3000), ("tokens", 4, 600000), ("seats", 2, 6)],
    "pro": [("api-calls", 3, 40000), ("tokens", 3, 4000000), ("seats", 1, 14), ("storage", 1, 900),
            ("images", 6, 1)],
    "enterprise": [("api-calls", 3, 120000), ("tokens", 3, 30000000), ("seats", 1, 60), ("storage", 1, 6000),
                   ("images", 4, 1), ("payments", 3, 2500), ("active-projects", 3, 140)],
}


def _weighted_meter_sql(rows: list[tuple[str, int, int]]) -> tuple[str, str]:
    """SQL picking a meter by weight from ``r`` (uniform in [0, 1)), and its largest quantity."""
    total = sum(w for _, w, _ in rows)
    meter, cap, acc = "CASE", "CASE", 0
    for name, weight, most in rows:
        acc += weight
        bound = f"{acc} / {total}"
        meter += f" WHEN r < {bound} THEN '{name}'"
        cap += f" WHEN r < {bound} THEN {most}"
    return meter + " END", cap + " END"


def generate_usage(con: Any, path: Path, subs_path: Path, events: int, seed: int = 7) -> None:
    """A realistic export written by DuckDB itself (seeded): customers on every plan use what their plan
    prices (free customers mostly within their hard limits, a few over), token model dimensions, payment
    transactions, and the mess real exports have: duplicate event ids, an unknown meter, a meter the
    customer's plan does not price, and a customer with no subscription."""
    customers = max(20, events // 1500)
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
    pick = {plan: _weighted_meter_sql(rows) for plan, rows in PLAN_USAGE.items()}
    meter_sql = "CASE plan " + " ".join(f"WHEN '{p}' THEN {m}" for p, (m, _) in pick.items()) + " END"
    cap_sql = "CASE plan " + " ".join(f"WHEN '{p}' THEN {c}" for p, (_, c) in pick.items()) + " END"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE demo_usage AS
        WITH e AS (
            SELECT i, CAST(floor(random() * {customers}) AS BIGINT) AS c,
                   TIMESTAMP '2026-01-01' + to_seconds(CAST(floor(random() * 90 * 86400) AS BIGINT)) AS ts,
                   random() AS r, random() AS q, random() AS d
            FROM range({events}) t(i)),
        p AS (
            SELECT e.*, s.plan FROM e
            JOIN demo_subs s ON s.customer_id = 'cus_' || lpad(CAST(e.c AS VARCHAR), 5, '0')),
        m AS (SELECT p.*, {meter_sql} AS meter,
                     -- some free customers are heavy users who runs into the free plan's hard limits
                     ({cap_sql}) * CASE WHEN plan = 'free' AND c % 7 = 0 THEN 3 ELSE 1 END AS cap
              FROM p)
        SELECT 'evt_' || CAST(CASE WHEN i % 997 = 5 THEN i - 1 ELSE i END AS VARCHAR) AS event_id,
               CASE WHEN i % 4001 = 3 THEN 'cus_unknown' ELSE 'cus_' || lpad(CAST(c AS VARCHAR), 5, '0') END
                   AS customer_id,
               strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
               CASE WHEN i % 5003 = 17 THEN 'gpu-minutes'
                    WHEN i % 3001 = 7 AND plan = 'free' THEN 'images' ELSE meter END AS meter,
               CASE WHEN meter = 'images' THEN '1'
                    WHEN meter = 'active-projects' THEN 'proj_' || CAST(CAST(q * cap AS BIGINT) AS VARCHAR)
                    WHEN meter = 'storage' THEN CAST(CAST(1 + q * cap AS DECIMAL(12, 2)) AS VARCHAR)
                    WHEN meter = 'payments' THEN CAST(CAST(5 + q * q * cap AS DECIMAL(12, 2)) AS VARCHAR)
                    ELSE CAST(1 + CAST(q * cap AS BIGINT) AS VARCHAR) END AS quantity,
               CASE WHEN meter = 'tokens' THEN CASE WHEN d < 0.3 THEN 'large' ELSE 'small' END END AS model
        FROM m""")
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
