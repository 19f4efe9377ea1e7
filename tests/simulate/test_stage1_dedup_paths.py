"""simulate's stage 1 in DuckDB searches repeated id hashes first, then aggregates: without dedup
when none repeats (the ids are not read again), else with the found hashes. Both paths must give the
table the single portable query gives, whichever finds the repeated hashes: the C search
(``_dupfind.c``) or DuckDB's sort."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from pricebook.model import Meter
from pricebook.simulate import engine
from pricebook.simulate.engine import _stage1
from pricebook.simulate.readers import UsageSpec, ViewShape, create_usage_view, usage_view_shape
from pricebook.simulate.stage1 import AggregateSpec, aggregate_sql
from tests.conftest import write_files

METERS = {"calls": Meter("calls", "Calls", aggregation="count"),
          "tokens": Meter("tokens", "Tokens", aggregation="sum", property="tokens", dimensions=("model",))}
SPEC = AggregateSpec(METERS, dedup=True)


@pytest.fixture(autouse=True, params=["c_search", "duckdb_sort"])
def search(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "duckdb_sort":
        monkeypatch.setenv("PRICEBOOK_PURE_DEDUP", "1")
    else:
        monkeypatch.delenv("PRICEBOOK_PURE_DEDUP", raising=False)
    engine._dup_finder.cache_clear()
    if request.param == "c_search" and engine._dup_finder() is None:
        pytest.skip("the C search was not built")
    yield request.param
    engine._dup_finder.cache_clear()


def _event(eid: str | None, cid: str, day: int, meter: str, tokens: str = "1") -> str:
    return json.dumps({"event_id": eid, "customer_id": cid, "timestamp": f"2026-01-{day:02d}T00:00:00Z",
                       "meter": meter,
                       "properties": {"tokens": tokens, "model": "large" if day % 2 else None}})


def _both(tmp_path: Path, lines: list[str]) -> tuple[list[tuple], list[tuple], list[str]]:
    write_files(tmp_path, {"u.ndjson": "\n".join(lines) + "\n"})
    con = duckdb.connect()
    create_usage_view(con, UsageSpec((str(tmp_path / "u.ndjson"),)), METERS)
    portable, split, _ = _stage1_and_portable(con, SPEC)
    statuses = sorted({r[3] for r in split})
    return portable, split, statuses


def test_no_repeated_id_aggregates_without_dedup_and_equals_the_portable_query(tmp_path: Path) -> None:
    lines = [_event(f"e{i}", f"c{i % 3}", 1 + i % 5, ("calls", "tokens")[i % 2], str(i)) for i in range(40)]
    lines.append(_event(None, "c1", 2, "tokens", "5"))  # no id: never a duplicate
    portable, split, statuses = _both(tmp_path, lines)
    assert split == portable and statuses == ["ok"]


@pytest.mark.parametrize("repeats", [1, 3])
def test_repeated_ids_go_through_the_found_hashes_and_equal_the_portable_query(tmp_path: Path,
                                                                               repeats: int) -> None:
    lines = [_event(f"e{i}", f"c{i % 3}", 1 + i % 5, ("calls", "tokens")[i % 2], str(i)) for i in range(40)]
    lines += [_event("e7", "c9", 9, "tokens", "100")] * repeats + [_event("e8", "c0", 1, "calls")]
    portable, split, statuses = _both(tmp_path, lines)
    assert split == portable and "duplicate" in statuses
    dup = [r for r in split if r[3] == "duplicate"]
    # e7's copies (day 9) come after the original (i = 7, day 3): each is a duplicate; e8's copy
    # (day 1) is earlier than the original (i = 8, day 4), so the original is the duplicate
    assert sum(r[-4] for r in dup) == repeats + 1


@pytest.mark.parametrize("dedup", [False, True])
def test_status_after_the_group_gives_every_status_as_the_portable_query(tmp_path: Path, dedup: bool) -> None:
    meters = {**METERS, "images": Meter("images", "Images", aggregation="count"),
              "proj": Meter("proj", "Projects", aggregation="unique_count", property="p")}
    rows = [
        {"event_id": "a", "customer_id": "c1", "timestamp": "2026-01-02T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "10", "model": "large"}},
        {"event_id": "a", "customer_id": "c1", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "10", "model": "large"}},
        {"event_id": "b", "customer_id": "c1", "timestamp": "nope", "meter": "calls"},
        {"event_id": "c", "customer_id": "", "timestamp": "2026-01-03T00:00:00Z", "meter": "calls"},
        {"event_id": "d", "customer_id": "c2", "timestamp": "2026-01-03T00:00:00Z", "meter": "other"},
        {"event_id": "e", "customer_id": "c2", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {}},
        {"event_id": "f", "customer_id": "c2", "timestamp": "2026-01-03T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "abc"}},
        {"event_id": "g", "customer_id": "c2", "timestamp": "2026-02-03T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "-2.5"}},
        {"event_id": "h", "customer_id": "c2", "timestamp": "2026-02-03T00:00:00Z", "meter": "images"},
        {"event_id": "i", "customer_id": "c2", "timestamp": "2026-02-04T00:00:00Z", "meter": "images",
         "properties": {"tokens": "x"}},
        {"event_id": "j", "customer_id": "c2", "timestamp": "2026-02-04T00:00:00Z", "meter": "proj",
         "properties": {"p": "alpha"}},
        {"event_id": "k", "customer_id": "c2", "timestamp": "2026-02-05T00:00:00Z", "meter": "proj"},
        {"event_id": "l", "customer_id": "c2", "timestamp": "2026-02-05T00:00:00Z", "meter": "tokens",
         "properties": {"tokens": "0.000000000001", "model": "small"}},
    ]
    write_files(tmp_path, {"u.ndjson": "\n".join(json.dumps(r) for r in rows) + "\n"})
    con = duckdb.connect()
    create_usage_view(con, UsageSpec((str(tmp_path / "u.ndjson"),)), meters)
    spec = AggregateSpec(meters, dedup=dedup)
    one = con.execute(f"SELECT * FROM ({aggregate_sql(spec)}) ORDER BY ALL").fetchall()
    late = aggregate_sql(replace(spec, status_after_group=True))
    two = con.execute(f"SELECT * FROM ({late}) ORDER BY ALL").fetchall()
    assert one == two
    statuses = {r[3] for r in two}
    assert {"ok", "bad_timestamp", "no_customer", "unknown_meter", "null_quantity", "bad_quantity",
            "negative_quantity"} <= statuses
    assert ("duplicate" in statuses) == dedup


@pytest.mark.parametrize("seed", range(6))
def test_many_repeated_ids_in_one_scan_equal_the_portable_query(tmp_path: Path, seed: int) -> None:
    """Copies of an id that differ in time, customer, value (also unparseable or missing) or dimension,
    copies equal in everything, events without an id: the one-scan marking must pick the same winners
    as the portable window and count every other copy as a duplicate."""
    import random

    rnd = random.Random(seed)
    lines = []
    for i in range(300):
        eid = rnd.choice([None, f"e{i}", f"r{rnd.randint(0, 30)}"])
        tokens = rnd.choice(["1", "2", "2.50", "x", "", "-1"])
        # few times, customers and meters: copies often tie on them and the value or dimension decides
        line = json.dumps({"event_id": eid, "customer_id": f"c{rnd.randint(0, 1)}",
                           "timestamp": f"2026-0{rnd.randint(1, 2)}-01T00:00:00Z",
                           "meter": rnd.choice(["calls", "tokens", "tokens", "other"]),
                           "properties": {"tokens": tokens or None,
                                          "model": rnd.choice(["large", "small", None])}})
        lines += [line] * rnd.choice([1, 1, 2])  # exact copies too
    portable, split, statuses = _both(tmp_path, lines)
    assert split == portable and "duplicate" in statuses


class _Counting:
    """A DuckDB connection that records which queries created ``agg``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.creates = con, []

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if sql.startswith("CREATE TEMP TABLE agg"):
            self.creates.append("fast" if "split_needed" in sql else "facts as keys")
        return self.con.execute(sql, *args)

    def sql(self, sql: str) -> duckdb.DuckDBPyRelation:
        return self.con.sql(sql)


def _stage1_and_portable(con: duckdb.DuckDBPyConnection, spec: AggregateSpec,
                         shape: ViewShape | None = None) -> tuple[list[tuple], list[tuple], list[str]]:
    """The portable query's rows, then ``_stage1``'s table and which queries created it."""
    portable = con.execute(f"SELECT * FROM ({aggregate_sql(spec)}) ORDER BY ALL").fetchall()
    counting = _Counting(con)
    _stage1(counting, spec, shape)
    return portable, con.execute("SELECT * FROM agg ORDER BY ALL").fetchall(), counting.creates


FACT_METERS = {"calls": Meter("calls", "Calls", aggregation="count"),
               "tokens": Meter("tokens", "Tokens", aggregation="sum"),
               "proj": Meter("proj", "Projects", aggregation="unique_count")}


@pytest.mark.parametrize("odd, splits", [
    (None, False),  # clean usage: the value facts stay aggregates
    (("calls", None), False),  # a count meter counts events whatever their value
    (("calls", "-3"), False),
    (("other", None), False),  # unknown meter: its status does not read the value
    (("tokens", "-2"), True),  # a negative value in a rated group: the facts become keys
    (("tokens", None), True),
    (("proj", None), True),
    (("tokens", "abc"), True),  # unparseable (NDJSON only: a DECIMAL column cannot hold it)
])
@pytest.mark.parametrize("fmt", ["ndjson", "parquet"])
@pytest.mark.parametrize("dedup", [False, True])
def test_odd_values_in_text_and_typed_usage_equal_the_portable_query(
        tmp_path: Path, odd: tuple[str, str | None] | None, splits: bool, fmt: str, dedup: bool) -> None:
    """Missing, negative and unparseable values, as text (NDJSON) and as a typed DECIMAL column
    (Parquet: ``value`` is ``value_raw``, the unique_count key is grouped typed), with and without
    dedup: stage 1 keeps the value facts as aggregates unless a rated group holds such a value, and
    then runs the query with the facts as keys; ``_stage1``'s table is the portable query's."""
    if fmt == "parquet" and odd is not None and odd[1] == "abc":
        pytest.skip("a DECIMAL column holds no unparseable value")
    rows = [{"event_id": f"e{i}", "customer_id": f"c{i % 3}", "timestamp": f"2026-0{1 + i % 2}-0{1 + i % 7}",
             "meter": ("calls", "tokens", "proj")[i % 3], "quantity": f"{i % 5}.5"} for i in range(60)]
    if fmt == "ndjson":
        rows.append({**rows[1], "event_id": "bad", "quantity": "abc", "meter": "calls"})  # count: still ok
    if odd is not None:
        rows.append({**rows[1], "event_id": "odd", "meter": odd[0], "quantity": odd[1]})
    write_files(tmp_path, {"u.ndjson": "\n".join(json.dumps(r) for r in rows) + "\n"})
    path = tmp_path / "u.ndjson"
    con = duckdb.connect()
    if fmt == "parquet":
        path = tmp_path / "u.parquet"
        columns = ("{event_id: 'VARCHAR', customer_id: 'VARCHAR', timestamp: 'TIMESTAMP', meter: 'VARCHAR', "
                   "quantity: 'VARCHAR'}")
        con.execute("COPY (SELECT * REPLACE (CAST(quantity AS DECIMAL(18, 3)) AS quantity) "
                    f"FROM read_json('{tmp_path / 'u.ndjson'}', columns = {columns})) "
                    f"TO '{path}' (FORMAT parquet)")
    spec = AggregateSpec(FACT_METERS, dedup=dedup)
    types = create_usage_view(con, UsageSpec((str(path),)), FACT_METERS)
    shape = usage_view_shape(types, UsageSpec((str(path),)), FACT_METERS)
    assert shape.value_is_raw == (fmt == "parquet")
    portable, got, creates = _stage1_and_portable(con, spec, shape)
    assert got == portable
    assert creates == (["fast", "facts as keys"] if splits else ["fast"])
    assert "split_needed" not in {r[0] for r in con.execute("DESCRIBE agg").fetchall()}
    statuses = {r[3] for r in portable}
    if odd is not None and odd[0] == "tokens":
        assert statuses & {"negative_quantity", "null_quantity", "bad_quantity"}


@pytest.mark.parametrize("dedup", [False, True])
def test_non_usage_rows_beside_usage_rows_keep_their_own_status(tmp_path: Path, dedup: bool) -> None:
    """FOCUS rows that differ from usage rows only by their ChargeCategory (``excluded``): the fast
    query writes each group as one row without a second GROUP BY, which is right only while no two
    groups share a status and the other keys (each category names its own status)."""
    from pricebook.simulate.presets import get_preset

    header = "SubAccountId,ChargePeriodStart,ServiceCategory,ConsumedQuantity,ChargeCategory,ConsumedUnit"
    rows = [f"a{i % 2},2024-0{1 + i % 2}-03 10:00:00,Compute,{i}.5,{cat},Hours"
            for i, cat in enumerate(["Usage", "Adjustment", "Credit", "NULL", "Usage", "Tax", "Usage"] * 4)]
    rows.append("a1,not a time,Compute,1,Credit,Hours")
    rows.append("a1,not a time,Compute,1,Usage,Hours")
    write_files(tmp_path, {"f.csv": "\n".join([header, *rows]) + "\n"})
    meters = {"compute": Meter("compute", "Compute", aggregation="sum", dimensions=("unit",))}
    usage = UsageSpec((str(tmp_path / "f.csv"),), {}, get_preset("focus"))
    con = duckdb.connect()
    shape = usage_view_shape(create_usage_view(con, usage, meters), usage, meters)
    assert "excluded" not in shape.null_columns
    spec = AggregateSpec(meters, dedup=dedup, dimensions=("unit",))
    portable, got, creates = _stage1_and_portable(con, spec, shape)
    assert creates == ["fast"]
    assert got == portable
    fast = aggregate_sql(replace(spec, dedup=False, status_after_group=True, facts_as_aggregates=True,
                                 null_columns=shape.null_columns, value_is_raw=shape.value_is_raw))
    assert fast.count("GROUP BY") == 1
    statuses = {r[3] for r in portable if r[0] == "a1" and r[2] == "compute"}
    assert {"ok", "non_usage:Adjustment", "non_usage:Credit", "non_usage:NULL", "non_usage:Tax",
            "bad_timestamp"} <= statuses


@pytest.mark.parametrize("path_taken", ["fast", "marked dedup", "facts as keys"])
@pytest.mark.parametrize("fmt", ["ndjson", "parquet"])
def test_an_infinite_time_is_a_bad_timestamp_in_both_queries(tmp_path: Path, fmt: str,
                                                             path_taken: str) -> None:
    """DuckDB reads 'infinity' as a time. It has no month: both the portable query and the DuckDB
    one (which groups by year() and month()) give it bad_timestamp, not a period in the year 9999.
    Times before the year 1 and after 9999 keep their month in both. Each of the DuckDB query's
    forms is reached: the fast one, the marked dedup (an id repeated at an infinite time) and the
    facts as keys (a negative value in a rated group)."""
    times = ["2026-01-05T00:00:00Z", "infinity", "-infinity", "2026-02-01T00:00:00Z"]
    rows = [{"event_id": f"e{i}", "customer_id": "c1", "timestamp": t, "meter": "tokens", "quantity": "2"}
            for i, t in enumerate(times)]
    if path_taken == "marked dedup":
        rows += [{**rows[0], "timestamp": "infinity"}, {**rows[1], "timestamp": "2026-01-09T00:00:00Z"}]
    if path_taken == "facts as keys":
        rows.append({**rows[0], "event_id": "neg", "quantity": "-1"})
    write_files(tmp_path, {"u.ndjson": "\n".join(json.dumps(r) for r in rows) + "\n"})
    path = tmp_path / "u.ndjson"
    con = duckdb.connect()
    if fmt == "parquet":  # a typed TIMESTAMP column holding the infinities, and the years -43 and 12000
        path = tmp_path / "u.parquet"
        con.execute("COPY (SELECT * REPLACE (CAST(CAST(timestamp AS TIMESTAMPTZ) AS TIMESTAMP) AS timestamp) "
                    f"FROM read_json('{tmp_path / 'u.ndjson'}', columns = {{event_id: 'VARCHAR', "
                    "customer_id: 'VARCHAR', timestamp: 'VARCHAR', meter: 'VARCHAR', quantity: 'VARCHAR'}) "
                    "UNION ALL SELECT 'bc', 'c1', make_timestamp(-43, 3, 15, 10, 0, 0), 'tokens', '1' "
                    "UNION ALL SELECT 'far', 'c1', make_timestamp(12000, 3, 15, 10, 0, 0), 'tokens', '1') "
                    f"TO '{path}' (FORMAT parquet)")
    spec = AggregateSpec(FACT_METERS, dedup=True)
    usage = UsageSpec((str(path),))
    shape = usage_view_shape(create_usage_view(con, usage, FACT_METERS), usage, FACT_METERS)
    portable, got, creates = _stage1_and_portable(con, spec, shape)
    assert got == portable
    assert creates == {"fast": ["fast"], "marked dedup": ["facts as keys"],
                       "facts as keys": ["fast", "facts as keys"]}[path_taken]
    by_status = {(r[3], str(r[1])): r[6] for r in portable}  # events
    # with the copies, e1 at infinity has an earlier copy: a duplicate (checked before the time)
    assert by_status[("bad_timestamp", "None")] == (1 if path_taken == "marked dedup" else 2)
    assert by_status[("ok", "2026-01-01")] >= 1 and by_status[("ok", "2026-02-01")] >= 1
    if path_taken == "marked dedup":  # e0's copy at infinity and e1's copy in January are duplicates
        assert sum(n for (st, _), n in by_status.items() if st == "duplicate") == 2
    if fmt == "parquet":
        years = con.execute("SELECT year(period) FROM agg WHERE status = 'ok' ORDER BY 1").fetchall()
        assert [y for (y,) in years] == [-43, 2026, 2026, 12000]
