"""Stage 1 on its own: every event lands in exactly one aggregate row; periods follow the catalog timezone."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pricebook.model import Meter
from pricebook.simulate.readers import UsageSpec, create_usage_view
from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql
from tests.conftest import write_files

METERS = {"calls": Meter("calls", "Calls", aggregation="count"),
          "tokens": Meter("tokens", "Tokens", aggregation="sum", property="tokens", dimensions=("model",))}


def _agg(tmp_path: Path, text: str, tz: str = "UTC", dedup: bool = True, dup_hash: bool = False) -> list[tuple]:
    write_files(tmp_path, {"u.ndjson": text})
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{tz}'")
    create_usage_view(con, UsageSpec((str(tmp_path / "u.ndjson"),)), METERS)
    sql = aggregate_sql(AggregateSpec(METERS, dedup=dedup, dup_hash=dup_hash))
    assert "FILTER" not in sql.upper() and "QUALIFY" not in sql.upper()
    return con.execute(f"SELECT status, customer_id, strftime(period, '%Y-%m'), meter, d_0, events, qty_sum "
                       f"FROM ({sql}) ORDER BY ALL").fetchall()


def test_every_event_lands_in_one_row(tmp_path: Path) -> None:
    events = [
        {"event_id": "a", "customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "10", "model": "large"}},
        {"event_id": "a", "customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "10", "model": "large"}},
        {"event_id": "b", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "0.0000018"}},
        {"event_id": "c", "customer_id": "c1", "timestamp": "nope", "meter": "calls"},
        {"event_id": "d", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {}},
        {"event_id": "e", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "-1"}},
        {"event_id": "f", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "other"},
        {"event_id": "g", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "calls"},
    ]
    rows = _agg(tmp_path, "\n".join(json.dumps(e) for e in events) + "\n")
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r[0]] = by_status.get(r[0], 0) + r[5]
    assert sum(by_status.values()) == len(events)
    assert by_status == {"ok": 3, "duplicate": 1, "bad_timestamp": 1, "null_quantity": 1,
                         "negative_quantity": 1, "unknown_meter": 1}
    ok = [r for r in rows if r[0] == "ok" and r[3] == "tokens"]
    assert {(r[4], str(r[6])) for r in ok} == {("large", "10.000000000000"), (None, "0.000001800000")}


def test_periods_follow_the_catalog_timezone(tmp_path: Path) -> None:
    text = json.dumps({"customer_id": "c1", "timestamp": "2026-01-31T23:30:00Z", "meter": "calls"}) + "\n"
    assert _agg(tmp_path, text, tz="UTC")[0][2] == "2026-01"
    assert _agg(tmp_path, text, tz="Europe/Berlin")[0][2] == "2026-02"


def test_transaction_meters_include_percentage_prices_inside_dimensions() -> None:
    """simulate and aggregate-sql keep event values for the same meters: one shared definition."""
    from pricebook.load import load_data
    from pricebook.simulate import engine, stage1

    cat = load_data({
        "catalog": {"id": "t", "currency": "USD"},
        "meters": {"pay": {"aggregation": "sum", "dimensions": ["method"]}, "calls": {"aggregation": "count"}},
        "skus": {"pay": {"meter": "pay"}, "calls": {"meter": "calls"}},
        "plans": {"p": {"prices": {
            "pay": {"model": "per_unit", "unit_price": "0.01",
                    "dimensions": {"method": {"card": {"model": "percentage", "percent": "2.9"}}}},
            "calls": {"model": "per_unit", "unit_price": "0.001"}}}},
    }).catalog
    assert cat is not None
    assert stage1.transaction_meters([cat]) == {"pay"}
    assert engine.transaction_meters is stage1.transaction_meters


@pytest.mark.parametrize("dup_hash", [False, True])
def test_the_earliest_duplicate_wins_whatever_the_file_order(tmp_path: Path, dup_hash: bool) -> None:
    # One id three times (latest first in the file), ties on time broken by customer id; events
    # without an id are never duplicates; a unique id passes untouched.
    def ev(eid: str | None, cid: str, day: int, tokens: str) -> str:
        return json.dumps({"event_id": eid, "customer_id": cid, "timestamp": f"2026-01-{day:02d}T00:00:00Z",
                           "meter": "tokens", "properties": {"tokens": tokens}})

    lines = [ev("x", "c2", 3, "1"), ev("x", "c3", 1, "2"), ev("x", "c1", 1, "4"),
             ev(None, "c1", 5, "8"), ev(None, "c1", 5, "8"), ev("y", "c2", 2, "16")]
    rows = _agg(tmp_path, "\n".join(lines) + "\n", dup_hash=dup_hash)
    got = {(r[0], r[1]): (r[5], str(r[6])) for r in rows}
    assert got == {
        ("ok", "c1"): (3, "20.000000000000"),  # x from c1 on the 1st (4) and the two id-less events (8 + 8)
        ("ok", "c2"): (1, "16.000000000000"),  # y
        ("duplicate", "c2"): (1, "1.000000000000"),
        ("duplicate", "c3"): (1, "2.000000000000"),
    }
    assert _agg(tmp_path, "\n".join(lines) + "\n", dedup=False)[0][:2] == ("ok", "c1")


def test_typed_quantities_are_summed_exactly_and_too_wide_ones_are_bad(tmp_path: Path) -> None:
    # Parquet quantities keep their type through stage 1 when every value fits DECIMAL(38, 12)
    # (summed, then cast); a DECIMAL(38, 0) column may hold values that do not fit: cast per event,
    # and a value too wide is bad_quantity, as text would be.
    meters = {"tokens": Meter("tokens", "Tokens", aggregation="sum"),
              "proj": Meter("proj", "Projects", aggregation="unique_count")}
    narrow, wide = tmp_path / "n.parquet", tmp_path / "w.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM (VALUES ('c1', TIMESTAMP '2026-01-02', 'tokens', 1.5::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-03', 'tokens', 2.255::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-04', 'tokens', -1::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-05', 'tokens', NULL::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-06', 'proj', 7::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-07', 'proj', 7::DECIMAL(18, 3)),
        ('c1', TIMESTAMP '2026-01-08', 'proj', 8::DECIMAL(18, 3)))
        AS t(customer_id, timestamp, meter, quantity)) TO '{narrow}' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT * FROM (VALUES ('c1', TIMESTAMP '2026-01-02', 'tokens', 5::DECIMAL(38, 0)),
        ('c1', TIMESTAMP '2026-01-02', 'tokens', CAST('1{"0" * 30}' AS DECIMAL(38, 0))))
        AS t(customer_id, timestamp, meter, quantity)) TO '{wide}' (FORMAT parquet)""")

    def run(path: Path) -> list[tuple]:
        c = duckdb.connect()
        create_usage_view(c, UsageSpec((str(path),)), meters)
        sql = aggregate_sql(AggregateSpec(meters, dedup=False))
        return c.execute(f"SELECT status, meter, vkey, events, qty_sum FROM ({sql}) ORDER BY ALL").fetchall()

    assert [(s, m, k, n, str(q)) for s, m, k, n, q in run(narrow)] == [
        ("negative_quantity", "tokens", None, 1, "-1.000000000000"),
        ("null_quantity", "tokens", None, 1, "None"),
        ("ok", "proj", "7.000", 2, "14.000000000000"),
        ("ok", "proj", "8.000", 1, "8.000000000000"),
        ("ok", "tokens", None, 2, "3.755000000000"),
    ]
    assert [(s, n, str(q)) for s, _, _, n, q in run(wide)] == [("bad_quantity", 1, "None"),
                                                              ("ok", 1, "5.000000000000")]
