"""`pricebook simulate` on the inputs a new user hands it: exports whose columns mix JSON types, raw
event exports without a quantity column, folders, empty files; and what it writes (`--out` JSON).
Real files, real DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, write_files

ARGS = ("--plan", "starter", "--catalog", str(ACME), "--baseline", str(ACME), "-f", "json")
HEADER = "customer_id,timestamp,meter,quantity\n"


def _run(cli, *args: str | Path) -> dict:
    r = cli("simulate", *args, *ARGS)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_ndjson_columns_that_mix_strings_and_numbers_are_read_value_by_value(cli, tmp_path: Path) -> None:
    # One time as ISO text, one as Unix seconds (2026-01-02); one quantity a number, one a string.
    # starter: platform 19 + api calls over 10,000 included at 0.0005: (20,000 + 5 - 10,000) * 0.0005
    # = 5.0025 -> 5.00. DuckDB types such a column JSON, whose text keeps a string's quotes.
    write_files(tmp_path, {
        "ts.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls",'
                     '"quantity":20000}\n'
                     '{"customer_id":"c9","timestamp":1767312000,"meter":"api-calls","quantity":5}\n',
        "q.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls",'
                    '"quantity":20000}\n'
                    '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"api-calls","quantity":"5"}\n',
    })
    # the same in a dimension column (a model name here, a number there) and in a meter's property
    write_files(tmp_path, {
        "dim.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"tokens",'
                      '"quantity":1000000,'
                      '"model":"large"}\n'
                      '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"tokens","quantity":1,"model":7}\n',
        "prop.ndjson": '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"tokens",'
                       '"tokens":1000000}\n'
                       '{"customer_id":"c9","timestamp":"2026-01-02T00:00:00Z","meter":"tokens","tokens":"1"}\n',
    })
    # starter: 19 + large tokens 1,000,000 * 0.00001 = 10 (+ 1 token at 0.000002: 0.00) = 29.00
    assert _run(cli, tmp_path / "dim.ndjson")["totals"][0]["baseline"] == "29.00"
    # no dimension: 1,000,001 tokens at 0.000002 = 2.000002 -> 2.00
    d = _run(cli, tmp_path / "prop.ndjson")
    assert d["unrated"] == {} and d["totals"][0]["baseline"] == "21.00"
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
    write_files(tmp_path, {"u.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,5\n"})
    r = cli("simulate", tmp_path / "u.csv", "--dedup", *ARGS)
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        "pricebook: error: --dedup: the usage has no event id column; map one with --map event_id=COLUMN"]
    assert _run(cli, tmp_path / "u.csv")["totals"][0]["baseline"] == "19.00"  # without --dedup: fine


def test_out_json_writes_amounts_as_decimal_strings(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,20001\n"})
    _run(cli, tmp_path / "u.csv", "--out", tmp_path / "rows.json")
    _run(cli, tmp_path / "u.csv", "--out", tmp_path / "rows.ndjson")
    row = {"customer_id": "c1", "period": "2026-01", "plan": "starter", "currency": "USD",
           "baseline_prices": "baseline", "candidate_prices": "candidate",
           "baseline": "24.00", "candidate": "24.00", "delta": "0.00"}
    assert json.loads((tmp_path / "rows.json").read_text()) == [row]  # .json: one document
    lines = (tmp_path / "rows.ndjson").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [row]  # .ndjson: a row per line


def test_usage_without_events_stops_with_one_line(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"h.csv": "customer_id,timestamp,meter,quantity\n",
                           "s.csv": "customer_id,plan,currency\nc1,pro,USD\n"})
    (tmp_path / "z.csv").write_bytes(b"")
    r = cli("simulate", tmp_path / "h.csv", *ARGS)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert f"no usage events in {tmp_path / 'h.csv'}" in r.err
    r = cli("simulate", tmp_path / "z.csv", *ARGS)
    assert r.code == 2 and f"usage file '{tmp_path / 'z.csv'}' is empty" in r.err
    # among other files (a shell's usage/*.csv), an empty one is read as no events
    write_files(tmp_path, {"a.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,5\n"})
    assert _run(cli, tmp_path / "a.csv", tmp_path / "z.csv")["events"]["read"] == 1
    # with the months given, subscriptions without usage are billed: pro's minimum, twice
    d = _run(cli, tmp_path / "h.csv", "-s", tmp_path / "s.csv", "--from", "2026-01", "--to", "2026-02")
    assert d["totals"][0]["baseline"] == "200.00" and d["events"]["read"] == 0


def test_a_folder_is_read_as_every_data_file_under_it(cli, tmp_path: Path) -> None:
    # a hive-partitioned export: usage/month=2026-0X/part-0.csv, and a _SUCCESS marker Spark leaves
    write_files(tmp_path, {
        "usage/month=2026-01/part-0.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,20000\n",
        "usage/month=2026-02/part-0.csv": HEADER + "c1,2026-02-03T10:00:00Z,api-calls,5\n",
        "usage/_SUCCESS": "",
        # what a writer leaves beside its data is not read: a task's temporary copy, a hidden file
        "usage/_temporary/0/task_1/part-0.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,20000\n",
        "usage/month=2026-01/.part-0.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,20000\n",
    })
    d = _run(cli, tmp_path / "usage")
    assert d["events"]["read"] == 2 and d["periods"] == ["2026-01", "2026-02"]
    assert d["totals"][0]["baseline"] == "43.00"  # 19 + 5 (10,000 over) in January, 19 in February
    (tmp_path / "empty").mkdir()
    r = cli("simulate", tmp_path / "empty", *ARGS)
    assert r.code == 2 and "holds no .csv, .parquet or .json/.ndjson file" in r.err


def test_a_subscriptions_column_missing_names_the_columns_it_takes(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,5\n",
                           "s.csv": "account_id,plan\nc1,pro\n"})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", *ARGS)
    assert r.code == 2
    assert "has no column 'customer_id' for customer_id (columns: account_id, plan); name the column " \
           "'customer_id' (a subscriptions file takes customer_id, plan" in r.err
    assert "--map" not in r.err  # --map renames usage columns, not these


def test_usage_map_in_pricebook_yaml_is_checked_as_map_is(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,5\n",
                           "pricebook.yaml": "usage:\n  map:\n    custmer_id: account\n"})
    r = cli("simulate", "u.csv", *ARGS, cwd=tmp_path)
    assert r.code == 2
    assert "pricebook.yaml usage.map 'custmer_id': unknown column 'custmer_id'" in r.err


def test_running_out_of_memory_is_an_error_that_names_the_limit(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + "c1,2026-01-03T10:00:00Z,api-calls,5\n"})
    r = cli("simulate", tmp_path / "u.csv", "--memory-limit", "64MB", *ARGS)
    assert r.code == 2, r.out
    assert r.err.strip().splitlines() == [
        "pricebook: error: DuckDB ran out of memory (memory limit 64MB): raise --memory-limit, or lower "
        "--threads; it spills to --temp-dir where it can"]


TWO_MONTHS = HEADER + "c1,2026-01-05T10:00:00Z,api-calls,1\nc1,2026-02-05T10:00:00Z,api-calls,1\n"


def test_a_customer_billed_in_two_currencies_is_counted_once(cli, acme_copy: Path, tmp_path: Path) -> None:
    # c1 is on starter in USD in January and in EUR from February; c2 on starter in USD both months.
    # The candidate lowers starter's USD fee (19 -> 17) and raises its EUR fee (18 -> 20): c1 pays
    # less in one currency and more in the other, c2 pays less.
    write_files(tmp_path, {"u.csv": TWO_MONTHS, "s.csv": (
        "customer_id,plan,currency,subscribed_at,ended_at\nc1,starter,USD,2025-12-01,2026-02-01\n"
        "c1,starter,EUR,2026-02-01,\nc2,starter,USD,2025-12-01,\n")})
    starter = acme_copy / "plans" / "starter.yaml"
    starter.write_text(starter.read_text().replace('{USD: "19.00", EUR: "18.00"}',
                                                   '{USD: "17.00", EUR: "20.00"}'))
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(acme_copy), "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["customers"] == {"total": 2, "increased": 0, "decreased": 1, "unchanged": 0, "mixed": 1}
    # the movers stay per customer and currency
    assert [(m["customer_id"], m["currency"]) for m in d["movers"]["up"]] == [("c1", "EUR")]


def test_a_subscription_that_ends_before_it_starts_is_refused(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": TWO_MONTHS, "s.csv": (
        "customer_id,plan,subscribed_at,ended_at\nc2,pro,2025-01-01,\nc1,pro,2026-03-01,2026-01-01\n")})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", *ARGS)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert "row 2: ended_at 2026-01-01 00:00:00 is before subscribed_at 2026-03-01 00:00:00" in r.err


def test_an_add_on_listed_twice_is_refused_as_quote_refuses_it(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": TWO_MONTHS, "s.csv": (
        "customer_id,plan,add_ons\nc1,pro,priority-support;priority-support\n")})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", *ARGS)
    assert r.code == 2
    assert "row 1: add-on 'priority-support' is listed twice" in r.err
