"""The aggregate a warehouse hands back (`simulate --aggregate FILE`): read exactly, or refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pricebook.errors import InputError
from tests.spark.conftest import duckdb_stage1, make_usage
from tests.spark.golden import CATALOG, golden_path


@pytest.fixture(scope="module")
def contract() -> tuple[Any, list[tuple[str, str]]]:
    from pricebook.load import load_catalog
    from pricebook.simulate.dialects import aggregate_columns, transaction_meters
    from pricebook.simulate.readers import dimension_names
    from pricebook.simulate.stage1 import AggregateSpec

    cat = load_catalog(CATALOG).catalog
    spec = AggregateSpec(dict(cat.meters), frozenset(transaction_meters([cat])), 12, True,
                         dimensions=tuple(dimension_names(cat.meters)))
    return cat, aggregate_columns(spec)


def test_contract_is_the_builders_output(contract: Any) -> None:
    _, columns = contract
    assert columns == [
        ("customer_id", "VARCHAR"), ("period", "DATE"), ("meter", "VARCHAR"), ("status", "VARCHAR"),
        ("d_0", "VARCHAR"), ("vnum", "DECIMAL(38,12)"), ("vkey", "VARCHAR"), ("events", "BIGINT"),
        ("qty_sum", "DECIMAL(38,12)"), ("qty_max", "DECIMAL(38,12)"), ("last_ts", "TIMESTAMP")]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_warehouse_result_round_trips_exactly(contract: Any, tmp_path: Path, fmt: str) -> None:
    """Run the golden DuckDB SQL as a warehouse would, export it, read it back: equal to the engine."""
    import duckdb

    from pricebook.simulate.dialects import load_aggregate

    cat, columns = contract
    usage = tmp_path / "usage.csv"
    make_usage(usage, 600)
    expected, _, _ = duckdb_stage1([str(usage)], [cat])
    con = duckdb.connect()
    con.execute(f"CREATE TABLE usage AS SELECT * FROM read_csv('{usage}', all_varchar = true)")
    con.execute(golden_path("duckdb").read_text(encoding="utf-8").rsplit(";", 1)[0].replace(
        "SET TimeZone = 'Europe/Berlin';", "SET TimeZone = 'Europe/Berlin'; CREATE TABLE result AS ", 1))
    out = tmp_path / f"aggregate.{'ndjson' if fmt == 'json' else fmt}"
    if fmt == "json":  # decimals as JSON strings: a JSON number would pass through a binary float
        text = "SELECT * REPLACE (CAST(vnum AS VARCHAR) AS vnum, CAST(qty_sum AS VARCHAR) AS qty_sum, " \
               "CAST(qty_max AS VARCHAR) AS qty_max) FROM result"
        con.execute(f"COPY ({text}) TO '{out}' (FORMAT json)")
        con.execute(f"COPY result TO '{tmp_path / 'numbers.ndjson'}' (FORMAT json)")
        with pytest.raises(InputError, match="holds JSON numbers, which are read as binary floats"):
            load_aggregate(duckdb.connect(), str(tmp_path / "numbers.ndjson"), columns)
    else:
        con.execute(f"COPY result TO '{out}' (FORMAT {fmt})")
    reader = duckdb.connect()
    n = load_aggregate(reader, str(out), columns)
    assert n == len(expected)
    assert reader.execute("SELECT * FROM agg ORDER BY ALL").fetchall() == expected
    assert [(r[0], r[1]) for r in reader.execute("DESCRIBE agg").fetchall()] == columns


def _write(con: Any, path: Path, select: str) -> str:
    con.execute(f"COPY ({select}) TO '{path}'")
    return str(path)


GOOD = ("SELECT 'c1' AS customer_id, DATE '2026-01-01' AS period, 'tokens' AS meter, 'ok' AS status, "
        "'large' AS d_0, CAST(NULL AS DECIMAL(38, 12)) AS vnum, CAST(NULL AS VARCHAR) AS vkey, "
        "CAST(3 AS BIGINT) AS events, CAST('1.5' AS DECIMAL(38, 12)) AS qty_sum, "
        "CAST('1.0' AS DECIMAL(38, 12)) AS qty_max, TIMESTAMP '2026-01-02 03:00:00' AS last_ts")


@pytest.mark.parametrize(("change", "message"), [
    ("SELECT 1 AS x", "missing column(s) customer_id, period"),
    (GOOD.replace(" AS d_0,", " AS dim,"), "missing column(s) d_0; unexpected column(s) dim"),
    (GOOD + ", 1 AS extra", "unexpected column(s) extra"),
    (GOOD.replace("CAST('1.5' AS DECIMAL(38, 12))", "CAST(1.5 AS DOUBLE)"), "column qty_sum is DOUBLE"),
    (GOOD.replace("CAST('1.5' AS DECIMAL(38, 12))", "'1.0000000000001'"),
     "row 1: qty_sum = '1.0000000000001' is not a DECIMAL(38,12)"),
    (GOOD.replace("DATE '2026-01-01'", "DATE '2026-01-15'"), "period = '2026-01-15' is not the first day"),
    (GOOD.replace("CAST(3 AS BIGINT)", "'three'"), "row 1: events = 'three' is not a BIGINT"),
    (GOOD.replace("'ok' AS status", "'rated' AS status"), "status 'rated' is not one of ok, duplicate"),
])
def test_bad_aggregate_is_refused_in_one_line(contract: Any, tmp_path: Path, change: str,
                                              message: str) -> None:
    import duckdb

    from pricebook.simulate.dialects import load_aggregate

    _, columns = contract
    con = duckdb.connect()
    path = _write(con, tmp_path / "bad.parquet", change)
    with pytest.raises(InputError) as err:
        load_aggregate(con, path, columns)
    assert message in str(err.value)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"aggregate {path}")


def test_trailing_zeros_beyond_the_scale_are_exact(contract: Any, tmp_path: Path) -> None:
    """BigQuery's BIGNUMERIC prints 38 places; zeros past the scale lose nothing and are accepted."""
    import duckdb

    from pricebook.simulate.dialects import load_aggregate

    _, columns = contract
    con = duckdb.connect()
    path = _write(con, tmp_path / "ok.csv", GOOD.replace("CAST('1.5' AS DECIMAL(38, 12))",
                                                         "'1.50000000000000000000000000000000000000'"))
    assert load_aggregate(con, path, columns) == 1
    assert str(con.execute("SELECT qty_sum FROM agg").fetchone()[0]) == "1.500000000000"
