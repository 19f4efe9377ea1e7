"""`pricebook simulate` on the inputs a new user hands it: exports whose columns mix JSON types, raw
event exports without a quantity column, folders, empty files; and what it writes (`--out` JSON).
Real files, real DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, write_files

ARGS = ("--plan", "starter", "--catalog", str(ACME), "--baseline", str(ACME), "-f", "json")


def _run(cli, *args: str | Path) -> dict:
    r = cli("simulate", *args, *ARGS)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_ndjson_columns_that_mix_strings_and_numbers_are_read_value_by_value(cli, tmp_path: Path) -> None:
    # One time as ISO text, one as Unix seconds (2026-01-02); one quantity a number, one a string.
    # starter: platform 19 + api calls over 10,000 included at 0.0005: (20,000 + 5 - 10,000) * 0.0005
    # = 5.0025 -> 5.00. DuckDB types such a column JSON, whose text keeps a string's quotes.
    write_files(tmp_path, {
        "ts.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls","quantity":20000}\n'
                     '{"customer_id":"c9","timestamp":1767312000,"meter":"api-calls","quantity":5}\n',
        "q.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls","quantity":20000}\n'
                    '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls","quantity":"5"}\n',
    })
    for name in ("ts.ndjson", "q.ndjson"):
        d = _run(cli, tmp_path / name)
        assert d["unrated"] == {}, name
        assert d["events"] == {"read": 2, "valid": 2, "rated": 2}
        assert d["totals"][0]["baseline"] == "24.00", name


def test_a_raw_export_without_quantities_says_how_to_give_them(cli, tmp_path: Path) -> None:
    # Lago's events keep a value in properties under the metric's field_name, which only the catalog
    # can name: acme's api-calls (sum) names none, tokens names 'tokens', images counts.
    write_files(tmp_path, {"lago.ndjson": "\n".join(json.dumps(e) for e in [
        {"transaction_id": "t1", "external_customer_id": "c1", "code": "api-calls",
         "timestamp": "2026-01-03T10:00:00Z", "properties": {"value": 12000}},
        {"transaction_id": "t2", "external_customer_id": "c1", "code": "tokens",
         "timestamp": "2026-01-03T10:00:00Z", "properties": {"tokens": 1000000, "model": "small"}},
        {"transaction_id": "t3", "external_customer_id": "c1", "code": "images",
         "timestamp": "2026-01-03T10:00:00Z", "properties": {}},
    ]) + "\n"})
    r = cli("simulate", tmp_path / "lago.ndjson", "--preset", "lago", *ARGS[:-2])
    assert r.code == 0, r.err
    assert "null_quantity: 1 event (api-calls: 1)" in r.out
    assert "hint: the usage has no quantity column, and meter(s) api-calls have no 'property'" in r.out
    d = _run(cli, tmp_path / "lago.ndjson", "--preset", "lago")
    assert set(d["unrated"]) == {"null_quantity", "unpriced_meter"}  # starter prices no images
    assert "--map quantity=COLUMN" in d["unrated"]["null_quantity"]["hint"]
    # the hint's way out: the key of the value, mapped; tokens still read their own property
    d = _run(cli, tmp_path / "lago.ndjson", "--preset", "lago", "--map", "quantity=properties.value")
    assert "null_quantity" not in d["unrated"]
    assert d["events"]["rated"] == 2


def test_dedup_asked_for_without_an_event_id_is_refused(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,5\n"})
    r = cli("simulate", tmp_path / "u.csv", "--dedup", *ARGS)
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        "pricebook: error: --dedup: the usage has no event id column; map one with --map event_id=COLUMN"]
    assert _run(cli, tmp_path / "u.csv")["totals"][0]["baseline"] == "19.00"  # without --dedup: fine


def test_out_json_writes_amounts_as_decimal_strings(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,20001\n"})
    _run(cli, tmp_path / "u.csv", "--out", tmp_path / "rows.json")
    rows = [json.loads(line) for line in (tmp_path / "rows.json").read_text().splitlines()]
    assert rows == [{"customer_id": "c1", "period": "2026-01", "plan": "starter", "currency": "USD",
                     "baseline_prices": "baseline", "candidate_prices": "candidate",
                     "baseline": "24.00", "candidate": "24.00", "delta": "0.00"}]


def test_usage_without_events_stops_with_one_line(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"h.csv": "customer_id,timestamp,meter,quantity\n",
                           "s.csv": "customer_id,plan,currency\nc1,pro,USD\n"})
    (tmp_path / "z.csv").write_bytes(b"")
    r = cli("simulate", tmp_path / "h.csv", *ARGS)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert f"no usage events in {tmp_path / 'h.csv'}" in r.err
    r = cli("simulate", tmp_path / "z.csv", *ARGS)
    assert r.code == 2 and f"usage file '{tmp_path / 'z.csv'}' is empty" in r.err
    # with the months given, subscriptions without usage are billed: pro's minimum, twice
    d = _run(cli, tmp_path / "h.csv", "-s", tmp_path / "s.csv", "--from", "2026-01", "--to", "2026-02")
    assert d["totals"][0]["baseline"] == "200.00" and d["events"]["read"] == 0


def test_a_folder_is_read_as_every_data_file_under_it(cli, tmp_path: Path) -> None:
    # a hive-partitioned export: usage/month=2026-0X/part-0.csv, and a _SUCCESS marker Spark leaves
    write_files(tmp_path, {
        "usage/month=2026-01/part-0.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,20000\n",
        "usage/month=2026-02/part-0.csv": "customer_id,timestamp,meter,quantity\nc1,2026-02-03T10:00:00Z,api-calls,5\n",
        "usage/_SUCCESS": "",
    })
    d = _run(cli, tmp_path / "usage")
    assert d["events"]["read"] == 2 and d["periods"] == ["2026-01", "2026-02"]
    assert d["totals"][0]["baseline"] == "43.00"  # 19 + 5 (10,000 over) in January, 19 in February
    (tmp_path / "empty").mkdir()
    r = cli("simulate", tmp_path / "empty", *ARGS)
    assert r.code == 2 and "holds no .csv, .parquet or .json/.ndjson file" in r.err


def test_a_subscriptions_column_missing_names_the_columns_it_takes(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,5\n",
                           "s.csv": "account_id,plan\nc1,pro\n"})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", *ARGS)
    assert r.code == 2
    assert "has no column 'customer_id' for customer_id (columns: account_id, plan); name the column " \
           "'customer_id' (a subscriptions file takes customer_id, plan" in r.err
    assert "--map" not in r.err  # --map renames usage columns, not these


def test_usage_map_in_pricebook_yaml_is_checked_as_map_is(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,5\n",
                           "pricebook.yaml": "usage:\n  map:\n    custmer_id: account\n"})
    r = cli("simulate", "u.csv", *ARGS, cwd=tmp_path)
    assert r.code == 2
    assert "pricebook.yaml usage.map 'custmer_id': unknown column 'custmer_id'" in r.err


def test_running_out_of_memory_is_an_error_that_names_the_limit(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03T10:00:00Z,api-calls,5\n"})
    r = cli("simulate", tmp_path / "u.csv", "--memory-limit", "64MB", *ARGS)
    assert r.code == 2, r.out
    assert r.err.strip().splitlines() == [
        "pricebook: error: DuckDB ran out of memory (memory limit 64MB): raise --memory-limit, or lower "
        "--threads; it spills to --temp-dir where it can"]
