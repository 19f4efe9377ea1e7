"""`simulate --engine spark` and `simulate --aggregate FILE`: the same report as DuckDB alone."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACME
from tests.spark.conftest import make_subscriptions, make_usage


def _catalog(path: Path) -> Any:
    from pricebook.load import load_catalog

    result = load_catalog(path)
    assert result.catalog is not None, result.diagnostics
    return result.catalog


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated usage (duplicates, dimensions, USD and EUR customers) and a candidate that raises
    Pro's platform fee and the large-model token price."""
    root = tmp_path_factory.mktemp("engines")
    usage, subs = root / "usage.csv", root / "subscriptions.csv"
    make_usage(usage, 2000, seed=5)
    make_subscriptions(subs)
    cand = root / "candidate"
    shutil.copytree(ACME, cand)
    pro = cand / "plans" / "pro.yaml"
    pro.write_text(pro.read_text(encoding="utf-8").replace('amount: {USD: "49.00", EUR: "45.00"}',
                                                           'amount: {USD: "59.00", EUR: "55.00"}'),
                   encoding="utf-8")
    starter = cand / "plans" / "starter.yaml"
    text = starter.read_text(encoding="utf-8")
    starter.write_text(text.replace('"0.00001"', '"0.000012"'), encoding="utf-8")
    return {"usage": str(usage), "subs": str(subs), "baseline": _catalog(ACME), "candidate": _catalog(cand),
            "candidate_dir": str(cand)}


def _run(inputs: dict[str, Any], **options: Any) -> Any:
    from pricebook.simulate import Side, SimulationOptions, run_simulation

    opts = SimulationOptions(usage=[inputs["usage"]], subscriptions=inputs["subs"], threads=2, **options)
    return run_simulation(opts, Side("baseline", "acme", inputs["baseline"]),
                          Side("candidate", "candidate", inputs["candidate"]))


def _report(result: Any) -> dict[str, Any]:
    data = asdict(result)
    data.pop("lines", None)
    return data


@pytest.mark.spark
def test_spark_engine_gives_the_duckdb_report(spark: Any, inputs: dict[str, Any]) -> None:
    duck = _run(inputs)
    on_spark = _run(inputs, engine="spark", spark_master="local[2]")
    assert _report(on_spark) == _report(duck)
    currencies = {t.currency for t in duck.totals}
    assert currencies == {"USD", "EUR"}
    assert any(t.candidate != t.baseline for t in duck.totals)
    assert duck.unrated  # duplicates, unknown meters and customers were all reported, on both engines


def test_aggregate_from_a_warehouse_gives_the_duckdb_report(inputs: dict[str, Any], tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE usage AS SELECT * FROM read_csv('{inputs['usage']}', all_varchar = true)")
    from pricebook.simulate.dialects import aggregate_sql_command

    script = aggregate_sql_command(ACME, "duckdb", candidate=inputs["candidate_dir"], table="usage").sql
    zone, query = script.split(";", 1)
    con.execute(zone)
    out = tmp_path / "aggregate.parquet"
    con.execute(f"COPY ({query.strip().rstrip(';')}) TO '{out}' (FORMAT parquet)")
    duck = _run(inputs)
    from_file = _run(inputs, aggregate=str(out))
    assert _report(from_file) == _report(duck)


def test_cli_aggregate_with_wrong_columns_is_exit_2(cli, inputs: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "agg.csv"
    bad.write_text("customer,month,qty\nc1,2026-01-01,3\n", encoding="utf-8")
    res = cli("simulate", "--catalog", str(ACME), "--baseline", str(ACME), "--aggregate", str(bad),
              "--subscriptions", inputs["subs"])
    assert res.code == 2
    assert res.err.count("\n") == 1 and "missing column(s) customer_id" in res.err
