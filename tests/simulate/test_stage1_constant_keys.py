"""DuckDB's stage 1 leaves keys that are the same on every row out of its GROUP BY (columns the view
makes NULL, a dimension no column gives, the kept value or key when no meter keeps one, bad_quantity
when value and value_raw are one typed column). The table must equal the portable query's."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pricebook.model import Meter
from pricebook.simulate.readers import UsageSpec, create_usage_view, usage_view_shape
from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql
from tests.conftest import write_files

METERS = {
    "calls": Meter("calls", "Calls", aggregation="count"),
    "tokens": Meter("tokens", "Tokens", aggregation="sum", dimensions=("model",)),
    "pay": Meter("pay", "Payments", aggregation="sum"),
    "proj": Meter("proj", "Projects", aggregation="unique_count"),
    "seats": Meter("seats", "Seats", aggregation="max"),
    "last": Meter("last", "Last", aggregation="latest"),
}


def _parquet(tmp_path: Path) -> str:
    """Typed columns (TIMESTAMP, DECIMAL quantity), no dimension column: NULL and negative values,
    repeated values of the kept meters, every meter."""
    path = str(tmp_path / "u.parquet")
    duckdb.connect().execute(f"""COPY (SELECT 'e' || i AS event_id, 'c' || (i % 3) AS customer_id,
            TIMESTAMP '2026-01-01' + to_days(CAST(i % 50 AS INTEGER)) AS timestamp,
            ['calls', 'tokens', 'pay', 'proj', 'seats', 'last', 'other'][1 + i % 7] AS meter,
            CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN -1.5
                 ELSE CAST(i % 4 AS DECIMAL(18, 3)) END AS quantity
        FROM range(400) t(i)) TO '{path}' (FORMAT parquet)""")
    return path


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL").fetchall()


@pytest.mark.parametrize("dedup", [False, True])
def test_typed_parquet_without_constant_keys_equals_the_portable_query(tmp_path: Path, dedup: bool) -> None:
    path = _parquet(tmp_path)
    con = duckdb.connect()
    usage = UsageSpec((path,))
    shape = usage_view_shape(create_usage_view(con, usage, METERS), usage, METERS)
    assert shape.value_is_raw and {"excluded", "d_0"} <= shape.null_columns
    assert "event_id" not in shape.null_columns
    spec = AggregateSpec(METERS, frozenset({"pay"}), dedup=dedup)
    fast = aggregate_sql(replace(spec, status_after_group=True, null_columns=shape.null_columns,
                                 value_is_raw=True))
    # the constant keys are really gone from every GROUP BY (the dedup window still reads them)
    group_bys = [part.split(")")[0] for part in fast.split("GROUP BY ")[1:]]
    assert len(group_bys) >= 2
    assert not any(k in g for g in group_bys for k in ("bad_value", "excluded", "d_0"))
    portable = _rows(con, aggregate_sql(spec))
    assert _rows(con, fast) == portable
    statuses = {r[3] for r in portable}
    assert {"ok", "null_quantity", "negative_quantity", "unknown_meter"} <= statuses
    # the kept value (pay, last) and key (proj) still split their rows
    assert any(r[2] == "pay" and r[5] is not None for r in portable)
    assert any(r[2] == "proj" and r[6] is not None for r in portable)


def test_text_values_keep_bad_quantity_and_the_given_dimension(tmp_path: Path) -> None:
    rows = [{"customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "tokens", "quantity": q,
             "model": m} for q, m in (("1", "large"), ("x", "large"), ("2", None), ("-1", "small"))]
    rows.append({"customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "pay", "quantity": "3"})
    write_files(tmp_path, {"u.ndjson": "\n".join(json.dumps(r) for r in rows) + "\n"})
    con = duckdb.connect()
    usage = UsageSpec((str(tmp_path / "u.ndjson"),))
    shape = usage_view_shape(create_usage_view(con, usage, METERS), usage, METERS)
    # no event_id column, no usage filter; the model column gives the dimension; values are text
    assert shape.null_columns == frozenset({"excluded", "event_id"}) and not shape.value_is_raw
    spec = AggregateSpec(METERS, frozenset({"pay"}), dedup=False)
    fast = aggregate_sql(replace(spec, status_after_group=True, null_columns=shape.null_columns,
                                 value_is_raw=shape.value_is_raw))
    got = _rows(con, fast)
    assert got == _rows(con, aggregate_sql(spec))
    assert {(r[3], r[4]) for r in got if r[2] == "tokens"} == {
        ("ok", "large"), ("bad_quantity", "large"), ("ok", None), ("negative_quantity", "small")}
