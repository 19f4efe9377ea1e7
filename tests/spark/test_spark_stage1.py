"""Stage 1 on local PySpark equals stage 1 in DuckDB, row for row and digit for digit."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACME, ROOT, SHARED_DATA
from tests.spark.conftest import duckdb_stage1, make_usage

pytestmark = pytest.mark.spark


def _catalog(path: Path) -> Any:
    from pricebook.load import load_catalog

    result = load_catalog(path)
    assert result.catalog is not None, result.diagnostics
    return result.catalog


@pytest.fixture(scope="module")
def berlin(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """catalogs/acme billed in Europe/Berlin months: an event at 23:30 UTC on Jan 31 is February."""
    root = tmp_path_factory.mktemp("berlin") / "acme"
    shutil.copytree(ACME, root)
    cat_file = root / "catalog.yaml"
    text = cat_file.read_text(encoding="utf-8")
    cat_file.write_text(text.replace("timezone: UTC", "timezone: Europe/Berlin"), encoding="utf-8")
    cat = _catalog(root)
    assert cat.timezone == "Europe/Berlin"
    return cat


def _spark_rows(spark: Any, paths: list[str], catalogs: list[Any], usage_spec: Any,
                agg_spec: Any) -> list[tuple[Any, ...]]:
    import duckdb

    from pricebook.simulate.dialects import aggregate_columns
    from pricebook.simulate.spark import aggregate_on_spark, into_duckdb

    meters: dict[str, Any] = {}
    for cat in catalogs:
        meters.update({k: v for k, v in cat.meters.items() if k not in meters})
    result = aggregate_on_spark(spark, usage_spec, meters, agg_spec, timezone=catalogs[-1].timezone)
    con = duckdb.connect()
    into_duckdb(con, result, aggregate_columns(agg_spec))
    rows = con.execute("SELECT * FROM agg ORDER BY ALL").fetchall()
    con.close()
    return rows


def test_spark_aggregate_equals_duckdb_on_generated_usage(spark: Any, berlin: Any, tmp_path: Path) -> None:
    usage = tmp_path / "usage.csv"
    counts = make_usage(usage, 2500)
    expected, usage_spec, agg_spec = duckdb_stage1([str(usage)], [berlin])
    got = _spark_rows(spark, [str(usage)], [berlin], usage_spec, agg_spec)
    assert got == expected

    # the comparison covered what it must: every status, dimensions, transactions, months by zone
    by_status: dict[str, int] = {}
    for r in got:
        by_status[r[3]] = by_status.get(r[3], 0) + r[7]
    assert by_status["duplicate"] == counts["duplicates"]
    assert sum(by_status.values()) == counts["rows"]  # every event lands in exactly one row
    assert {"ok", "unknown_meter", "bad_timestamp", "negative_quantity", "bad_quantity",
            "null_quantity"} <= set(by_status)
    assert {r[4] for r in got if r[2] == "tokens" and r[3] == "ok"} == {"small", "medium", "large"}
    assert any(r[5] is not None for r in got if r[2] == "payments")  # percentage transactions kept
    assert any(r[6] is not None for r in got if r[2] == "active-projects")  # unique-count keys kept
    periods = {r[1].isoformat() for r in got if r[3] == "ok"}
    # January to March, and December for early January 1 times with a +05:00 offset
    assert {"2026-01-01", "2026-02-01", "2026-03-01"} <= periods <= {"2025-12-01", "2026-01-01", "2026-02-01",
                                                                      "2026-03-01"}
    # 2026-02-28T23:59:59Z is 00:59:59 on March 1 in Berlin
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Berlin'")
    month = con.execute("SELECT CAST(DATE_TRUNC('month', CAST(TIMESTAMPTZ '2026-02-28T23:59:59Z' "
                        "AS TIMESTAMP)) AS DATE)").fetchone()[0]
    assert month.isoformat() == "2026-03-01"


def test_sums_keep_every_decimal_place(spark: Any, tmp_path: Path) -> None:
    """DECIMAL(38, 12) sums on Spark equal exact Python sums (Spark would cut a product to scale 6)."""
    import csv
    import random

    rnd = random.Random(3)
    values = [Decimal(rnd.randint(1, 10**20)) / Decimal(10**12) for _ in range(500)]
    usage = tmp_path / "usage.csv"
    with usage.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "timestamp", "meter", "quantity"])
        for i, v in enumerate(values):
            w.writerow([f"c{i % 3}", "2026-05-10 10:00:00", "storage", str(v)])
    cat = _catalog(ACME)
    expected, usage_spec, agg_spec = duckdb_stage1([str(usage)], [cat], dedup=False)
    got = _spark_rows(spark, [str(usage)], [cat], usage_spec, agg_spec)
    assert got == expected
    exact = {f"c{k}": sum(v for i, v in enumerate(values) if i % 3 == k) for k in range(3)}
    assert {r[0]: r[8] for r in got} == exact
    assert {r[0]: r[9] for r in got} == {f"c{k}": max(v for i, v in enumerate(values) if i % 3 == k)
                                         for k in range(3)}
    # why stage 1 never multiplies: Spark's product of two DECIMAL(38, 12) keeps 6 places
    product = spark.sql("SELECT CAST('0.000000000001' AS DECIMAL(38, 12)) * CAST('1' AS DECIMAL(38, 12)) "
                        "AS p")
    assert product.schema["p"].dataType.scale == 6


def test_typed_parquet_and_nested_ndjson_inputs_match(spark: Any, berlin: Any, tmp_path: Path) -> None:
    """Parquet with real TIMESTAMPTZ and DECIMAL columns, and Stripe-shaped NDJSON (a nested payload,
    Unix seconds), each read by its engine's own readers."""
    import csv
    import json
    from datetime import datetime

    import duckdb

    usage = tmp_path / "usage.csv"
    make_usage(usage, 800, seed=11)
    parquet, ndjson = tmp_path / "usage.parquet", tmp_path / "usage.ndjson"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    src = f"read_csv('{usage}', all_varchar = true)"
    con.execute(f"COPY (SELECT event_id, customer_id, TRY_CAST(timestamp AS TIMESTAMPTZ) AS timestamp, "
                f"meter, TRY_CAST(quantity AS DECIMAL(38, 12)) AS quantity, properties FROM {src}) "
                f"TO '{parquet}'")
    con.close()
    with usage.open(newline="", encoding="utf-8") as f, ndjson.open("w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            # Unix seconds, as Stripe sends them. (A column mixing numbers and strings is typed JSON
            # by DuckDB, whose text keeps the quotes: every string timestamp would be unparseable.)
            ts: int | None
            if row["timestamp"].isdigit():
                ts = int(row["timestamp"])
            else:
                try:
                    ts = int(datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")).timestamp())
                except ValueError:
                    ts = None
            props = json.loads(row["properties"])
            payload = {"stripe_customer_id": row["customer_id"], "value": row["quantity"], **props}
            out.write(json.dumps({"identifier": row["event_id"] or None, "event_name": row["meter"],
                                  "timestamp": ts, "payload": payload}) + "\n")
    for path, preset in ((parquet, None), (ndjson, "stripe")):
        expected, usage_spec, agg_spec = duckdb_stage1([str(path)], [berlin], preset=preset)
        got = _spark_rows(spark, [str(path)], [berlin], usage_spec, agg_spec)
        assert got == expected, path.name
        assert sum(r[7] for r in got if r[3] == "ok") > 300
        assert {r[4] for r in got if r[2] == "tokens" and r[3] == "ok"} == {"small", "medium", "large"}


def test_real_focus_export_with_preset(spark: Any) -> None:
    focus = SHARED_DATA / "focus" / "focus_sample.csv"
    if not focus.is_file():  # a checkout without ../shared/data: the excerpt kept in the repository
        focus = ROOT / "tests" / "fixtures" / "focus" / "focus_excerpt.csv"
    cat = _catalog(ACME)
    expected, usage_spec, agg_spec = duckdb_stage1([str(focus)], [cat], preset="focus", dedup=False)
    got = _spark_rows(spark, [str(focus)], [cat], usage_spec, agg_spec)
    assert got == expected
    statuses = {r[3] for r in got}
    assert "non_usage:Adjustment" in statuses and "non_usage:Credit" in statuses
    assert sum(r[7] for r in got) == len(focus.read_text().splitlines()) - 1  # every data row, none lost
