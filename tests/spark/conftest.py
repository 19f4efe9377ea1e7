"""Fixtures for stage 1 beyond DuckDB: generated usage, one Spark session per module."""

from __future__ import annotations

import csv
import random
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

METERS = ("api-calls", "tokens", "seats", "storage", "images", "payments", "active-projects")


def make_usage(path: Path, events: int, *, seed: int = 7, customers: int = 12) -> dict[str, int]:
    """Write a usage CSV in the plain shape (event_id, customer_id, timestamp, meter, quantity,
    properties) with every case stage 1 must handle, and return how many of each were written.

    Duplicated event ids, dimension values (tokens by model), percentage transactions (payments),
    unique counts (active-projects), timestamps with Z, with an offset, without one and as Unix
    seconds, some right at a month boundary, an unparseable timestamp, unknown meters and customers,
    negative, blank and non-numeric quantities, and quantities with 12 decimal places.
    """
    rnd = random.Random(seed)
    counts = {"rows": 0, "duplicates": 0}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_id", "customer_id", "timestamp", "meter", "quantity", "properties"])
        for i in range(events):
            meter = rnd.choice(METERS + ("bogus-meter",)) if i % 13 else "tokens"
            customer = f"cus_{rnd.randint(1, customers)}" if i % 41 else "cus_unknown"
            day, hour = rnd.randint(1, 28), rnd.randint(0, 23)
            month = rnd.randint(1, 3)
            kind = i % 7
            if kind == 0:
                ts = f"2026-{month:02d}-{day:02d}T{hour:02d}:15:00Z"
            elif kind == 1:
                ts = f"2026-{month:02d}-{day:02d} {hour:02d}:30:00"
            elif kind == 2:
                ts = f"2026-{month:02d}-{day:02d}T{hour:02d}:45:00+05:00"
            elif kind == 3:
                ts = str(1767225600 + rnd.randint(0, 80 * 86400))  # Unix seconds, Jan-Mar 2026
            elif kind == 4:
                ts = rnd.choice(["2026-01-31T23:30:00Z", "2026-02-28T23:59:59Z", "2026-03-01T00:00:00+01:00"])
            else:
                ts = f"2026-{month:02d}-{day:02d}T{hour:02d}:00:00.123456Z"
            if i % 211 == 5:
                ts = "not a time"
            q: str
            r = rnd.random()
            if meter == "payments":
                q = f"{rnd.randint(1, 2000)}.{rnd.randint(0, 99):02d}"
            elif r < 0.01:
                q = ""
            elif r < 0.02:
                q = "-3"
            elif r < 0.03:
                q = "lots"
            elif r < 0.05:  # more places than the scale, a tie at the 13th: each engine must round alike
                q = f"{rnd.randint(0, 99)}.{rnd.randint(0, 10**12 - 1):012d}5"
            elif r < 0.5:
                q = str(Decimal(rnd.randint(0, 10**16)) / Decimal(10**12))  # 12 decimal places
            else:
                q = str(rnd.randint(0, 5000))
            props = {"tokens": str(rnd.randint(1, 10**7)), "model": rnd.choice(["small", "large", "medium"]),
                     "project_id": f"p{rnd.randint(1, 40)}"}
            import json

            event_id = "" if i % 29 == 3 else f"evt_{i}"  # some events carry no id: never duplicates
            row = [event_id, customer, ts, meter, q, json.dumps(props)]
            w.writerow(row)
            counts["rows"] += 1
            if i % 37 == 0:
                w.writerow(row)  # an exact duplicate (same event id)
                counts["rows"] += 1
                counts["duplicates"] += bool(event_id)
            elif i % 53 == 0:
                # the same id with another value: the first by time is kept
                w.writerow([f"evt_{i}", customer, ts, meter, "999", json.dumps(props)])
                counts["rows"] += 1
                counts["duplicates"] += bool(event_id)
    return counts


def make_subscriptions(path: Path, customers: int = 12) -> None:
    """Customers on every plan of catalogs/acme, in USD and EUR."""
    plans = ("free", "starter", "pro", "enterprise")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "plan", "currency", "subscribed_at", "add_ons"])
        for i in range(1, customers + 1):
            plan = plans[i % len(plans)]
            currency = "USD" if plan == "free" else ("EUR" if i % 3 == 0 else "USD")
            add_ons = "priority-support" if plan in ("pro", "enterprise") and i % 2 else ""
            w.writerow([f"cus_{i}", plan, currency, "2025-06-01", add_ons])


def spark_available() -> bool:
    import os

    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the module (2 cores, no UI, 4 shuffle partitions)."""
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow")
    if not spark_available():
        pytest.skip("no Java runtime for Spark")
    from pricebook.simulate.spark import spark_session

    session = spark_session("local[2]", shuffle_partitions=4)
    yield session
    session.stop()


def duckdb_stage1(paths: list[str], catalogs: list[Any], *, preset: str | None = None,
                  mapping: dict[str, str] | None = None, dedup: bool = True,
                  scale: int = 12) -> tuple[list[tuple[Any, ...]], Any, Any]:
    """Stage 1 as ``pricebook simulate`` runs it in DuckDB (same builders, same session zone).
    Returns the sorted rows, the UsageSpec and the AggregateSpec."""
    import duckdb

    from pricebook.simulate.dialects import transaction_meters
    from pricebook.simulate.presets import get_preset
    from pricebook.simulate.readers import UsageSpec, create_usage_view, dimension_names
    from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql

    meters: dict[str, Any] = {}
    for cat in catalogs:
        for mid, m in cat.meters.items():
            meters.setdefault(mid, m)
    spec = UsageSpec(tuple(paths), dict(mapping or {}), get_preset(preset), scale)
    agg = AggregateSpec(meters, frozenset(transaction_meters(catalogs)), scale, dedup,
                        dimensions=tuple(dimension_names(meters)))
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{catalogs[-1].timezone}'")
        create_usage_view(con, spec, meters)
        rows = con.execute(f"SELECT * FROM ({aggregate_sql(agg)}) ORDER BY ALL").fetchall()
    finally:
        con.close()
    return rows, spec, agg
