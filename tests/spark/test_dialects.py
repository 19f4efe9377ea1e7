"""Stage-1 SQL for other engines: sqlglot's output fixed where it is wrong, checked per dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

sqlglot = pytest.importorskip("sqlglot")

from pricebook.errors import InternalError, UsageError  # noqa: E402
from pricebook.simulate.dialects import DIALECTS, check_functions, transpile  # noqa: E402
from tests.conftest import ACME  # noqa: E402
from tests.spark.conftest import duckdb_stage1, make_usage  # noqa: E402
from tests.spark.golden import CATALOG, golden_path, golden_sql  # noqa: E402


def _load(path: Path = CATALOG):
    from pricebook.load import load_catalog

    result = load_catalog(path)
    assert result.catalog is not None, result.diagnostics
    return result.catalog


# --- what sqlglot gets wrong, fixed ---------------------------------------------------------------


def test_month_in_the_catalog_zone_is_spelled_per_engine() -> None:
    sql = "SELECT CAST(DATE_TRUNC('month', timezone('Europe/Berlin', ts)) AS DATE) AS period FROM t"
    assert "CONVERT_TIMEZONE('Europe/Berlin', ts)" in transpile(sql, "spark")
    assert "FROM_UTC_TIMESTAMP" not in transpile(sql, "spark")  # depends on the session zone
    assert "CAST(CONVERT_TIMEZONE('Europe/Berlin', ts) AS TIMESTAMPNTZ)" in transpile(sql, "snowflake")
    bq = transpile(sql, "bigquery")
    assert "DATETIME_TRUNC(DATETIME(ts, 'Europe/Berlin'), MONTH)" in bq
    assert "TIMESTAMP_TRUNC" not in bq
    assert "AT_TIMEZONE(ts, 'Europe/Berlin')" in transpile(sql, "trino")


def test_zoned_to_wall_clock_cast_names_the_zone_where_the_engine_ignores_the_session() -> None:
    sql = ("SELECT CAST(TRY_CAST(x AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, "
           "CAST(to_timestamp(n) AS TIMESTAMP) AS e FROM t")
    snow = transpile(sql, "snowflake", timezone="Asia/Tokyo")
    assert ("CAST(CONVERT_TIMEZONE('Asia/Tokyo', TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ)) "
            "AS TIMESTAMPNTZ)") in snow
    assert "CONVERT_TIMEZONE('Asia/Tokyo', TO_TIMESTAMP_TZ(n))" in snow
    bq = transpile(sql, "bigquery", timezone="Asia/Tokyo")
    assert "DATETIME(SAFE_CAST(x AS TIMESTAMP), 'Asia/Tokyo')" in bq
    assert "DATETIME(TIMESTAMP_SECONDS(n), 'Asia/Tokyo')" in bq
    assert "AT_TIMEZONE(TRY_CAST(x AS TIMESTAMP WITH TIME ZONE), 'Asia/Tokyo')" in transpile(sql, "trino",
                                                                                              timezone="Asia/Tokyo")
    spark = transpile(sql, "spark", timezone="Asia/Tokyo")
    assert "TIMESTAMP_SECONDS(n)" in spark and "FROM_UNIXTIME" not in spark


def test_bigquery_keeps_the_declared_decimal_scale() -> None:
    sql = "SELECT CAST(SUM(TRY_CAST(q AS DECIMAL(38, 12))) AS DECIMAL(38, 12)) AS s FROM t"
    plain = sqlglot.transpile(sql, read="duckdb", write="bigquery")[0]
    assert "BIGNUMERIC)" in plain and "12" not in plain  # what sqlglot alone writes: the scale is gone
    bq = transpile(sql, "bigquery", pretty=False)
    assert bq == ("SELECT ROUND(CAST(SUM(ROUND(SAFE_CAST(q AS BIGNUMERIC), 12)) AS BIGNUMERIC), 12) "
                  "AS s FROM t")


def test_snowflake_try_cast_survives() -> None:
    sql = "SELECT TRY_CAST(q AS DECIMAL(38, 12)) AS v FROM t"
    assert "TRY_CAST" not in sqlglot.transpile(sql, read="duckdb", write="snowflake")[0]  # sqlglot drops it
    assert "TRY_CAST(CAST(q AS VARCHAR) AS DECIMAL(38, 12))" in transpile(sql, "snowflake")


def test_full_match_regex_is_anchored_everywhere() -> None:
    sql = "SELECT regexp_full_match(x, '[0-9]{9,11}') AS m FROM t"
    assert "x RLIKE '^(?:[0-9]{9,11})$'" in transpile(sql, "spark")
    assert "REGEXP_CONTAINS(x, '^(?:[0-9]{9,11})$')" in transpile(sql, "bigquery")
    assert "REGEXP_LIKE(x, '^(?:[0-9]{9,11})$')" in transpile(sql, "trino")


def test_star_next_to_a_computed_column_of_the_same_name_is_expanded() -> None:
    sql = "SELECT event_id FROM (SELECT CAST(event_id AS VARCHAR) AS event_id, * FROM src) AS s"
    out = transpile(sql, "spark", source_columns=["event_id", "quantity", "Meter"], pretty=False)
    assert out == ("SELECT event_id FROM (SELECT CAST(event_id AS STRING) AS event_id, `quantity`, `Meter` "
                   "FROM src) AS s")


def test_events_without_an_id_are_spread_over_partitions() -> None:
    sql = ("SELECT ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY ts, customer_id) AS rn FROM t")
    assert transpile(sql, "trino", pretty=False) == (
        "SELECT ROW_NUMBER() OVER (PARTITION BY event_id, CASE WHEN event_id IS NULL THEN ts END, "
        "CASE WHEN event_id IS NULL THEN customer_id END ORDER BY ts, customer_id) AS rn FROM t")
    assert transpile(sql, "duckdb", pretty=False) == (
        "SELECT ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY ts, customer_id) AS rn FROM t")


def test_round_even_per_engine_and_refused_where_missing() -> None:
    sql = "SELECT ROUND_EVEN(x, 2) AS r FROM t"
    assert "BROUND(x, 2)" in transpile(sql, "spark")
    assert "ROUND(x, 2, 'HALF_TO_EVEN')" in transpile(sql, "snowflake")
    assert "ROUND(x, 2, 'ROUND_HALF_EVEN')" in transpile(sql, "bigquery")
    with pytest.raises(UsageError, match="trino has no half-to-even"):
        transpile(sql, "trino")


def test_a_duckdb_only_function_left_over_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="still calls LIST_SORT"):
        check_functions("SELECT LIST_SORT(x) FROM t", "spark")
    with pytest.raises(UsageError, match="unknown SQL dialect 'oracle'"):
        transpile("SELECT 1", "oracle")


# --- golden SQL per dialect ----------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql_is_current_and_parses_back(dialect: str) -> None:
    path = golden_path(dialect)
    text = path.read_text(encoding="utf-8")
    assert text == golden_sql(dialect), f"{path} is stale: run .venv/bin/python -m tests.spark.golden"
    statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    assert len(statements) == 2  # the session zone, then the one query
    query = statements[1]
    assert isinstance(query, sqlglot.exp.Select)
    assert [c.alias_or_name for c in query.selects] == [
        "customer_id", "period", "meter", "status", "d_0", "vnum", "vkey", "events", "qty_sum", "qty_max",
        "last_ts"]
    assert not list(query.find_all(sqlglot.exp.Mul)), "stage 1 must only sum quantities, never multiply"
    check_functions(text, dialect)


def test_golden_duckdb_sql_runs_and_equals_the_engine(tmp_path: Path) -> None:
    import duckdb

    usage = tmp_path / "usage.csv"
    make_usage(usage, 1500)
    expected, _, _ = duckdb_stage1([str(usage)], [_load()])
    con = duckdb.connect()
    con.execute(f"CREATE TABLE usage AS SELECT * FROM read_csv('{usage}', all_varchar = true)")
    got = con.execute(golden_path("duckdb").read_text(encoding="utf-8")).fetchall()
    assert "SET TimeZone = 'Europe/Berlin';" in golden_path("duckdb").read_text(encoding="utf-8")
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    statuses = {r[3] for r in got}
    assert {"ok", "duplicate", "unknown_meter", "bad_timestamp", "negative_quantity"} <= statuses


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_prints_sql_for_each_dialect(cli) -> None:
    for dialect in DIALECTS:
        res = cli("aggregate-sql", "--dialect", dialect, "--catalog", str(CATALOG))
        assert res.code == 0, res.err
        assert res.out == golden_sql(dialect), dialect


def test_cli_unknown_dialect_is_exit_2_with_one_line(cli) -> None:
    res = cli("aggregate-sql", "--dialect", "oracle", "--catalog", str(ACME))
    assert res.code == 2
    assert res.err.strip().count("\n") == 0 and "unknown SQL dialect 'oracle'" in res.err


def test_cli_reads_column_names_from_a_sample_and_writes_a_file(cli, tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("txn,acct,at,metric,amount,properties\n", encoding="utf-8")
    out = tmp_path / "stage1.sql"
    res = cli("aggregate-sql", "--dialect", "snowflake", "--catalog", str(ACME), "--usage", str(sample),
              "--map", "event_id=txn", "--map", "customer_id=acct", "--map", "timestamp=at",
              "--map", "meter=metric", "--map", "quantity=amount", "--table", "RAW.EVENTS", "--out", str(out))
    assert res.code == 0, res.err
    sql = out.read_text(encoding="utf-8")
    assert "FROM RAW.EVENTS" in sql
    assert "CAST(acct AS VARCHAR) AS customer_id" in sql  # unquoted: Snowflake folds it like the load did
    assert "ALTER SESSION SET TIMEZONE = 'UTC';" in sql


def test_cli_missing_sample_column_is_exit_2(cli, tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("a,b\n1,2\n", encoding="utf-8")
    res = cli("aggregate-sql", "--dialect", "spark", "--catalog", str(ACME), "--usage", str(sample))
    assert res.code == 2
    assert "no column 'customer_id'" in res.err
