"""A customer id with surrounding spaces is the same customer in the usage and the subscriptions: both
are trimmed where they are read as text (CSV, NDJSON; the subscriptions always were). A typed Parquet
column is taken as written: trimming every event's id there cost half of stage 1."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ACME, write_files


def run(cli, usage: Path, subs: Path) -> dict:
    res = cli("simulate", usage, "-s", subs, "-c", ACME, "--baseline", ACME, "-f", "json")
    assert res.code == 0, res.err
    return json.loads(res.out)


@pytest.mark.parametrize("usage_id, subs_id", [(" c1", " c1"), (" c1 ", "c1"), ("c1", " c1 ")])
def test_spaces_around_a_csv_customer_id(cli, tmp_path: Path, usage_id: str, subs_id: str) -> None:
    write_files(tmp_path, {
        "u.csv": f"customer_id,timestamp,meter,quantity\n{usage_id},2026-01-05T10:00:00Z,api-calls,500000\n",
        "s.csv": f"customer_id,plan\n{subs_id},pro\n"})
    d = run(cli, tmp_path / "u.csv", tmp_path / "s.csv")
    assert d["unrated"] == {}, d["unrated"]  # was unknown_customer for " c1" in both files
    assert d["totals"][0]["baseline"] == "284.00"  # c1 billed on pro


def test_spaces_around_an_ndjson_customer_id(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {
        "u.ndjson": json.dumps({"customer_id": " c1 ", "timestamp": "2026-01-05T10:00:00Z",
                                "meter": "api-calls", "quantity": 500000}) + "\n",
        "s.csv": "customer_id,plan\nc1,pro\n"})
    d = run(cli, tmp_path / "u.ndjson", tmp_path / "s.csv")
    assert d["unrated"] == {} and d["totals"][0]["baseline"] == "284.00"


def test_other_differences_are_kept(cli, tmp_path: Path) -> None:
    # only surrounding spaces go: case and inner spaces are part of the id
    write_files(tmp_path, {
        "u.csv": "customer_id,timestamp,meter,quantity\nC1,2026-01-05T10:00:00Z,api-calls,1\n"
                 "c 1,2026-01-05T10:00:00Z,api-calls,1\n",
        "s.csv": "customer_id,plan\nc1,pro\n"})
    d = run(cli, tmp_path / "u.csv", tmp_path / "s.csv")
    assert d["unrated"]["unknown_customer"]["events"] == 2


def test_a_typed_parquet_customer_id_is_taken_as_written(cli, tmp_path: Path) -> None:
    path = tmp_path / "u.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 'c1 ' AS customer_id, TIMESTAMP '2026-01-05 10:00:00' AS timestamp, "
        "'api-calls' AS meter, "
        f"CAST(500000 AS DECIMAL(18, 3)) AS quantity) TO '{path}' (FORMAT parquet)")
    write_files(tmp_path, {"s.csv": "customer_id,plan\nc1,pro\n"})
    d = run(cli, path, tmp_path / "s.csv")
    assert d["unrated"]["unknown_customer"]["events"] == 1
