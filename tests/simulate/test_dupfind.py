"""The C search for repeated id hashes (``_dupfind.c``) against DuckDB's own GROUP BY, and the engine's
dedup with and without it.

The values come from real DuckDB queries through the Arrow stream the engine uses, so the batches,
offsets and validity bitmaps are DuckDB's."""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Iterator

import duckdb
import pytest

from pricebook.simulate import engine

dupfind = pytest.importorskip("pricebook.simulate._dupfind", reason="the C search was not built")


def _repeated_in_c(con: duckdb.DuckDBPyConnection, query: str,
                   max_items: int = 10**9) -> tuple[int, set[int]]:
    found = dupfind.repeated(con.sql(query).__arrow_c_stream__(), max_items)
    assert found is not None
    count, raw = found
    values = [v for (v,) in struct.iter_unpack("=Q", raw)]
    assert len(values) == len(set(values)), "each repeated value is reported once"
    return count, set(values)


def _repeated_in_sql(con: duckdb.DuckDBPyConnection, query: str) -> tuple[int, set[int]]:
    count = con.execute(f"SELECT count(h) FROM ({query})").fetchone()[0]
    rows = con.execute(f"SELECT h FROM ({query}) WHERE h IS NOT NULL "
                       "GROUP BY h HAVING count(*) > 1").fetchall()
    return count, {r[0] for r in rows}


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


def test_hashes_of_ids_over_several_batches_equal_duckdbs_group_by(con: duckdb.DuckDBPyConnection) -> None:
    # 2.5M ids, some repeated 2, 3 or 7 times: three Arrow batches of up to 1M rows
    query = ("SELECT hash('evt_' || CASE WHEN i % 1000 = 7 THEN i // 1000 WHEN i % 5000 = 3 THEN 42 "
             "ELSE i END) AS h FROM range(2500000) t(i)")
    c_count, c_found = _repeated_in_c(con, query)
    s_count, s_found = _repeated_in_sql(con, query)
    assert c_count == s_count == 2_500_000
    assert c_found == s_found and len(c_found) > 2000


def test_skewed_buckets_extreme_values_and_nulls(con: duckdb.DuckDBPyConnection) -> None:
    """Values sharing their top 16 bits (one bucket, one sub-bucket: the sets must grow), 0 and
    2**64 - 1 (0 is a value, not an empty slot), and NULLs (skipped, not counted)."""
    rnd = random.Random(7)
    base = 0xABCD << 48
    values: list[int | None] = [base + rnd.getrandbits(48) for _ in range(20000)]
    values += values[:50] + [0, 0, 2**64 - 1, 2**64 - 1, 1, None, None]
    values += [rnd.getrandbits(64) for _ in range(20000)]
    rnd.shuffle(values)
    literal = ", ".join("NULL" if v is None else str(v) for v in values)
    query = f"SELECT unnest([{literal}]::UBIGINT[]) AS h"
    c_count, c_found = _repeated_in_c(con, query)
    s_count, s_found = _repeated_in_sql(con, query)
    assert c_count == s_count == len(values) - 2
    assert c_found == s_found
    assert {0, 2**64 - 1} <= c_found and 1 not in c_found


def test_signed_column_after_limit_and_offset(con: duckdb.DuckDBPyConnection) -> None:
    # BIGINT is read as its bits. (DuckDB exports every batch at offset 0: the Arrow offsets are
    # covered by test_dupfind_stream.py's hand-made stream.)
    query = "SELECT CAST(i % 70001 - 35000 AS BIGINT) AS h FROM range(100000) t(i) LIMIT 90000 OFFSET 3"
    c_count, c_found = _repeated_in_c(con, query)
    s_count, s_found = _repeated_in_sql(con, query)
    assert c_count == s_count == 90000
    assert c_found == {v % 2**64 for v in s_found} and len(c_found) == 19999


def test_no_repeats_gives_an_empty_result(con: duckdb.DuckDBPyConnection) -> None:
    count, found = _repeated_in_c(con, "SELECT hash(i) AS h FROM range(300000) t(i)")
    assert count == 300000 and found == set()


def test_more_values_than_allowed_gives_none(con: duckdb.DuckDBPyConnection) -> None:
    stream = con.sql("SELECT hash(i) AS h FROM range(3000000) t(i)").__arrow_c_stream__()
    assert dupfind.repeated(stream, 1_500_000) is None
    with pytest.raises(ValueError, match="must not be negative"):
        dupfind.repeated(con.sql("SELECT 1::UBIGINT AS h").__arrow_c_stream__(), -1)


FAILING = ("SELECT CAST(CASE WHEN i = 1500000 THEN 'x' ELSE i::VARCHAR END AS UBIGINT) AS h "
           "FROM range(3000000) t(i)")


def test_a_failing_query_raises_its_message(con: duckdb.DuckDBPyConnection) -> None:
    # one thread: with more, DuckDB may report another thread's "Interrupted!" for a streamed query
    con.execute("SET threads = 1")
    with pytest.raises(RuntimeError, match="Could not convert string 'x'"):
        dupfind.repeated(con.sql(FAILING).__arrow_c_stream__(), 10**9)


def test_the_engine_reports_duckdbs_own_message_for_a_failing_scan(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TEMP VIEW bad AS SELECT CAST(h AS VARCHAR) AS event_id FROM ({FAILING})")
    engine._dup_finder.cache_clear()
    for _ in range(3):  # the streamed error is racy with several threads; the message must not be
        with pytest.raises(duckdb.ConversionException, match="Could not convert string 'x'"):
            engine._find_repeated_hashes(con, "bad")


def test_wrong_shape_and_a_consumed_stream_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="one 64-bit integer column"):
        dupfind.repeated(con.sql("SELECT 'a' AS h").__arrow_c_stream__(), 10)
    with pytest.raises(ValueError, match="one 64-bit integer column"):
        dupfind.repeated(con.sql("SELECT 1::UBIGINT AS a, 2::UBIGINT AS b").__arrow_c_stream__(), 10)
    stream = con.sql("SELECT 1::UBIGINT AS h").__arrow_c_stream__()
    assert dupfind.repeated(stream, 10) == (1, b"")
    with pytest.raises(ValueError, match="already consumed"):
        dupfind.repeated(stream, 10)


class _Interrupted(Exception):
    pass


def test_a_signal_stops_the_search_between_batches(con: duckdb.DuckDBPyConnection) -> None:
    """As Ctrl-C does: a handler that raises runs between two batches, the search stops with its
    exception, and the connection is usable afterwards. (SIGUSR1, not SIGINT: a late SIGINT would
    stop the test run.)"""
    import signal
    import threading

    def handler(signum: int, frame: object) -> None:
        raise _Interrupted

    old = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGUSR1))
    try:
        stream = con.sql("SELECT hash(i) AS h FROM range(60000000) t(i)").__arrow_c_stream__()
        timer.start()
        with pytest.raises(_Interrupted):
            dupfind.repeated(stream, 10**10)  # ~1-2 s and 480 MB if it ran to the end
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, old)
    assert con.execute("SELECT 42").fetchone() == (42,)


def _dup_table(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {r[0] for r in con.execute("SELECT h FROM dup_hashes").fetchall()}


@pytest.mark.parametrize("repeat_every", [0, 997, 2])
def test_engine_search_equals_duckdbs_sort_and_falls_back_over_budget(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, repeat_every: int) -> None:
    """``_find_repeated_hashes``: the C search, DuckDB's sort (no C search) and the fallback when the
    hashes would not fit the memory budget give the same ``dup_hashes``."""
    dup = (f"CASE WHEN i % {repeat_every} = 1 THEN 'evt_0' ELSE 'evt_' || i END" if repeat_every
           else "'evt_' || i")
    con.execute(f"CREATE TEMP VIEW ev AS SELECT {dup} AS event_id FROM range(200000) t(i) "
                "UNION ALL SELECT NULL FROM range(10)")
    results = {}
    sorts: list[str] = []
    real_sql = engine.dup_hashes_sql
    monkeypatch.setattr(engine, "dup_hashes_sql", lambda source: sorts.append(source) or real_sql(source))
    for name in ("c", "sort", "over_budget"):
        engine._dup_finder.cache_clear()
        if name == "sort":
            monkeypatch.setenv("PRICEBOOK_PURE_DEDUP", "1")
        else:
            monkeypatch.delenv("PRICEBOOK_PURE_DEDUP", raising=False)
        if name == "over_budget":
            monkeypatch.setattr(engine, "_memory_limit_bytes", lambda con: 16 * 1000)
        sorts.clear()
        any_found = engine._find_repeated_hashes(con, "ev")
        results[name] = _dup_table(con)
        assert any_found == bool(repeat_every)
        assert sorts == ([] if name == "c" else ["ev"]), "which search ran"
    engine._dup_finder.cache_clear()
    assert results["c"] == results["sort"] == results["over_budget"]
    # every 997th id is evt_0; with repeat_every 2 every odd id is evt_0 too (one repeated hash either way)
    assert len(results["c"]) == (1 if repeat_every else 0)


class _BufferSpy:
    """A connection that records DuckDB's streaming buffer size when the search opens its stream."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.buffers = con, []

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, *args)

    def sql(self, sql: str) -> duckdb.DuckDBPyRelation:
        self.buffers.append(self.con.execute("SELECT current_setting('streaming_buffer_size')").fetchone()[0])
        return self.con.sql(sql)


@pytest.mark.parametrize("memory_limit, streamed_with", [("4GB", "256.0 MiB"), ("1GB", "119.1 MiB")])
def test_the_search_streams_with_a_larger_buffer_and_gives_the_default_back(
        con: duckdb.DuckDBPyConnection, memory_limit: str, streamed_with: str) -> None:
    """The C search lets DuckDB buffer up to 256 MiB of hashes (an eighth of the memory limit at most)
    instead of 976 KiB, so its scan threads run ahead; the setting is the default again afterwards,
    also when the scan fails."""
    engine._dup_finder.cache_clear()
    if engine._dup_finder() is None:
        pytest.skip("the C search was not built")
    default = con.execute("SELECT current_setting('streaming_buffer_size')").fetchone()[0]
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("CREATE TEMP VIEW ev AS SELECT 'evt_' || (i % 99999) AS event_id FROM range(100000) t(i)")
    spy = _BufferSpy(con)
    assert engine._find_repeated_hashes(spy, "ev")  # evt_0 repeats
    assert spy.buffers == [streamed_with]
    assert con.execute("SELECT current_setting('streaming_buffer_size')").fetchone()[0] == default
    con.execute(f"CREATE TEMP VIEW bad AS SELECT CAST(h AS VARCHAR) AS event_id FROM ({FAILING})")
    with pytest.raises(duckdb.ConversionException):
        engine._find_repeated_hashes(spy, "bad")
    assert con.execute("SELECT current_setting('streaming_buffer_size')").fetchone()[0] == default


@pytest.mark.parametrize("text, expected", [("2.8 GiB", 3006477107), ("512.0 MiB", 512 * 2**20),
                                            ("3.0 GB", 3 * 10**9), ("12345 bytes", 12345),
                                            ("1.5 KiB", 1536)])
def test_memory_limit_as_duckdb_prints_it(text: str, expected: int) -> None:
    class Con:
        def execute(self, sql: str) -> Con:
            return self

        def fetchone(self) -> tuple[str]:
            return (text,)

    assert engine._memory_limit_bytes(Con()) == expected


def test_memory_limit_of_a_real_connection() -> None:
    c = duckdb.connect()
    c.execute("SET memory_limit = '1500MB'")
    # DuckDB prints it to a tenth of its unit (here "1.3 GiB"): the budget may only come out smaller
    assert 1300 * 2**20 <= engine._memory_limit_bytes(c) <= 1500 * 10**6


def test_no_memory_limit_is_bounded_by_the_machine() -> None:
    c = duckdb.connect()
    c.execute("SET memory_limit = '-1'")  # DuckDB prints "16383.9 PiB"
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert engine._memory_limit_bytes(c) == physical


def test_lines_writes_each_value_in_decimal() -> None:
    values = [0, 1, 9, 10, 2**63, 2**64 - 1, 1234567890123]
    assert dupfind.lines(struct.pack(f"={len(values)}Q", *values)) == \
        "".join(f"{v}\n" for v in values).encode()
    assert dupfind.lines(b"") == b""


def test_values_alike_in_their_low_bits(con: duckdb.DuckDBPyConnection) -> None:
    """Values that differ only in bits the buckets do not use, low bits all zero: the set's slots
    come from every bit, so they neither collide into one run nor change the result."""
    query = ("SELECT (CAST(7 AS UBIGINT) << 56) + (CAST(i % 150000 AS UBIGINT) << 20) AS h "
             "FROM range(300000) t(i)")
    count, found = _repeated_in_c(con, query)
    assert count == 300000 and found == {(7 << 56) + (i << 20) for i in range(150000)}
