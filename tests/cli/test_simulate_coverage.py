"""`pricebook simulate` on inputs that worked but no test held: the OpenMeter, Metronome and Orb presets,
gzip-compressed usage, Parquet subscriptions with a list column, pricebook.yaml's `usage.map`, and the
cap on the movers. Real files, real DuckDB; every expected amount is worked out by hand beside it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACME, write_files

# A catalog small enough to bill by hand. The baseline charges calls 0.50 and tokens 0.001 on top of a
# 10.00 base; the candidate raises calls to 0.75 and halves tokens to 0.0005.
TINY = """
    catalog: {id: tiny, name: Tiny, currency: USD}
    meters:
      calls: {name: Calls, aggregation: count}
      tokens: {name: Tokens, aggregation: sum, property: tokens}
    skus:
      base: {name: Base}
      calls: {name: Calls, meter: calls}
      tokens: {name: Tokens, meter: tokens}
    plans:
      p:
        name: P
        prices:
          base: {model: flat, amount: "10.00"}
          calls: {model: per_unit, unit_price: "CALLS"}
          tokens: {model: per_unit, unit_price: "TOKENS"}
"""


def _catalogs(root: Path) -> tuple[Path, Path]:
    write_files(root, {
        "base/catalog.yaml": TINY.replace("CALLS", "0.50").replace("TOKENS", "0.001"),
        "cand/catalog.yaml": TINY.replace("CALLS", "0.75").replace("TOKENS", "0.0005"),
    })
    return root / "base", root / "cand"


def _simulate(cli, usage: Path | str, root: Path, *args: str | Path,
              cwd: Path | None = None) -> dict[str, Any]:
    base, cand = _catalogs(root)
    r = cli("simulate", usage, "--plan", "p", "--baseline", base, "--catalog", cand, "-f", "json", *args,
            cwd=cwd)
    assert r.code == 0, r.err
    return json.loads(r.out)


# --- presets --------------------------------------------------------------------------------------

# (event id, customer, meter, time, properties): e2 is sent twice (a retry), which dedup drops.
EVENTS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("e1", "c1", "calls", "2026-01-05T10:00:00Z", {}),
    ("e2", "c1", "calls", "2026-01-05T11:00:00Z", {}),
    ("e2", "c1", "calls", "2026-01-05T11:00:00Z", {}),
    ("e3", "c1", "calls", "2026-01-06T10:00:00Z", {"region": "eu"}),
    ("e4", "c1", "tokens", "2026-01-06T10:00:00Z", {"tokens": 2000}),
    ("e5", "c1", "tokens", "2026-01-07T10:00:00Z", {"tokens": 500}),
    ("e6", "c2", "calls", "2026-01-08T10:00:00Z", {}),
    ("e7", "c2", "tokens", "2026-01-08T10:00:00Z", {"tokens": 1000}),
]


def _openmeter(eid: str, cust: str, meter: str, ts: str, props: dict[str, Any]) -> dict[str, Any]:
    # a CloudEvent: the customer is the subject, the meter the type, the value in data
    return {"specversion": "1.0", "id": eid, "source": "api-gateway", "subject": cust, "type": meter,
            "time": ts, "data": props}


def _metronome(eid: str, cust: str, meter: str, ts: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"transaction_id": eid, "customer_id": cust, "event_type": meter, "timestamp": ts,
            "properties": props}


def _orb(eid: str, cust: str, meter: str, ts: str, props: dict[str, Any]) -> dict[str, Any]:
    # c1's events carry both ids: the external one (ours) wins over Orb's own customer_id. c2's carry
    # only Orb's customer_id (external_customer_id null), the fallback.
    if cust == "c1":
        ids = {"external_customer_id": "c1", "customer_id": "orb_cus_A1"}
    else:
        ids = {"external_customer_id": None, "customer_id": cust}
    return {"idempotency_key": eid, **ids, "event_name": meter, "timestamp": ts, "properties": props}


SHAPES: dict[str, Callable[[str, str, str, str, dict[str, Any]], dict[str, Any]]] = {
    "openmeter": _openmeter, "metronome": _metronome, "orb": _orb}


@pytest.mark.parametrize("preset", sorted(SHAPES))
def test_preset_reads_its_export_shape(cli, tmp_path: Path, preset: str) -> None:
    # 8 events read; e2's copy is a duplicate -> 7 valid and rated.
    # c1: 3 calls, 2,500 tokens. Baseline 10 + 3 x 0.50 = 1.50 + 2,500 x 0.001 = 2.50 -> 14.00;
    #     candidate 10 + 3 x 0.75 = 2.25 + 2,500 x 0.0005 = 1.25 -> 13.50 (-0.50).
    # c2: 1 call, 1,000 tokens. Baseline 10 + 0.50 + 1.00 = 11.50; candidate 10 + 0.75 + 0.50 = 11.25.
    # Totals 25.50 -> 24.75. Had dedup not run, c1 would have 4 calls (14.50 / 14.25).
    shape = SHAPES[preset]
    (tmp_path / "export.ndjson").write_text("".join(json.dumps(shape(*e)) + "\n" for e in EVENTS))
    d = _simulate(cli, tmp_path / "export.ndjson", tmp_path, "--preset", preset)
    assert d["dedup"] is True
    assert d["events"] == {"read": 8, "valid": 7, "rated": 7}
    assert set(d["unrated"]) == {"duplicate"}  # nothing else unrated: every value was found
    assert d["unrated"]["duplicate"]["events"] == 1
    assert d["unrated"]["duplicate"]["by_meter"]["calls"]["events"] == 1
    assert d["periods"] == ["2026-01"]
    assert d["totals"] == [{"currency": "USD", "baseline": "25.50", "candidate": "24.75", "delta": "-0.75",
                            "delta_pct": "-2.94"}]
    assert d["customers"] == {"total": 2, "increased": 0, "decreased": 2, "unchanged": 0}
    assert [(m["customer_id"], m["baseline"], m["candidate"]) for m in d["movers"]["down"]] == [
        ("c1", "14.00", "13.50"), ("c2", "11.50", "11.25")]


# --- gzip -----------------------------------------------------------------------------------------

PLAIN_CSV = """\
event_id,customer_id,timestamp,meter,quantity
e1,c1,2026-01-05T10:00:00Z,calls,1
e2,c1,2026-01-05T11:00:00Z,calls,1
e3,c1,2026-02-06T10:00:00Z,tokens,4000
e4,c2,2026-02-07T10:00:00Z,tokens,1000
"""


def test_gzip_usage_gives_the_totals_of_the_plain_file(cli, tmp_path: Path) -> None:
    # No column named 'tokens': the tokens meter reads the quantity column. Periods 2026-01 .. 02;
    # a customer without a subscription is billed in the months it has usage.
    # c1 Jan: 2 calls: 10 + 1.00 = 11.00 (candidate 10 + 1.50 = 11.50);
    #    Feb: 4,000 tokens: 10 + 4.00 = 14.00 (candidate 10 + 2.00 = 12.00). c1 25.00 -> 23.50.
    # c2 Feb: 1,000 tokens: 11.00 (candidate 10.50). Totals 36.00 -> 34.00.
    (tmp_path / "u.csv").write_text(PLAIN_CSV)
    (tmp_path / "u.csv.gz").write_bytes(gzip.compress(PLAIN_CSV.encode()))
    ndjson = "".join(json.dumps(dict(zip(PLAIN_CSV.splitlines()[0].split(","), line.split(","), strict=True)))
                     + "\n" for line in PLAIN_CSV.splitlines()[1:])
    (tmp_path / "u.ndjson.gz").write_bytes(gzip.compress(ndjson.encode()))
    assert (tmp_path / "u.csv.gz").read_bytes()[:2] == b"\x1f\x8b"  # really compressed
    plain = _simulate(cli, tmp_path / "u.csv", tmp_path)
    assert plain["totals"] == [{"currency": "USD", "baseline": "36.00", "candidate": "34.00",
                                "delta": "-2.00", "delta_pct": "-5.56"}]
    assert plain["events"] == {"read": 4, "valid": 4, "rated": 4}
    assert plain["periods"] == ["2026-01", "2026-02"]
    for name in ("u.csv.gz", "u.ndjson.gz"):
        d = _simulate(cli, tmp_path / name, tmp_path)
        for key in ("totals", "events", "periods", "customers", "by_period", "by_sku", "movers", "unrated"):
            assert d[key] == plain[key], (name, key)


# --- Parquet subscriptions ------------------------------------------------------------------------

def test_parquet_subscriptions_with_a_list_of_add_ons(cli, tmp_path: Path) -> None:
    import duckdb

    # c1 pro USD with priority-support (a list of one), c2 pro EUR with an empty list, c3 starter USD
    # with a NULL list. One API call each in January (inside every plan's free 10,000).
    # c1: platform 49 + support 99 = 148 (over Pro's 100 minimum). c2: 45 -> Pro's EUR minimum 90.
    # c3: starter 19. USD 167.00, EUR 90.00; support sells 99.00 USD.
    subs = tmp_path / "subs.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * FROM (VALUES
        ('c1', 'pro', 'USD', DATE '2025-12-01', CAST(NULL AS DATE), CAST(['priority-support'] AS VARCHAR[])),
        ('c2', 'pro', 'EUR', DATE '2025-12-01', CAST(NULL AS DATE), CAST([] AS VARCHAR[])),
        ('c3', 'starter', 'USD', DATE '2025-12-01', CAST(NULL AS DATE), CAST(NULL AS VARCHAR[]))
        ) AS t(customer_id, plan, currency, subscribed_at, ended_at, add_ons))
        TO '{subs}' (FORMAT parquet)""")
    described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM '{subs}'").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["add_ons"] == "VARCHAR[]"  # the test is about a list column, not a text one
    write_files(tmp_path, {
        "u.csv": "customer_id,timestamp,meter,quantity\n"
                 "c1,2026-01-05,api-calls,1\nc2,2026-01-05,api-calls,1\nc3,2026-01-05,api-calls,1\n",
        "subs.csv": "customer_id,plan,currency,subscribed_at,ended_at,add_ons\n"
                    "c1,pro,USD,2025-12-01,,priority-support\nc2,pro,EUR,2025-12-01,,\n"
                    "c3,starter,USD,2025-12-01,,\n",
    })
    runs = {}
    for name in ("subs.parquet", "subs.csv"):
        r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / name, "--catalog", ACME, "--baseline", ACME,
                "-f", "json")
        assert r.code == 0, r.err
        runs[name] = json.loads(r.out)
    d = runs["subs.parquet"]
    totals = {t["currency"]: (t["baseline"], t["candidate"]) for t in d["totals"]}
    assert totals == {"USD": ("167.00", "167.00"), "EUR": ("90.00", "90.00")}
    support = {s["currency"]: s["baseline"] for s in d["by_sku"] if s["sku"] == "support"}
    assert support["USD"] == "99.00" and support.get("EUR", "0.00") == "0.00"
    by_plan = {(p["plan"], p["currency"]): (p["baseline"], p["customers"]) for p in d["by_plan"]}
    assert by_plan == {("pro", "EUR"): ("90.00", 1), ("pro", "USD"): ("148.00", 1),
                       ("starter", "USD"): ("19.00", 1)}
    assert d["unrated"] == {} and d["customers"]["total"] == 3
    for key in ("totals", "by_plan", "by_sku", "customers"):
        assert d[key] == runs["subs.csv"][key], key


# --- usage.map in pricebook.yaml ------------------------------------------------------------------

RENAMED_CSV = """\
txn,account,org,ts,what,amount
e1,c1,,2026-01-05T10:00:00Z,calls,1
e2,,c2,2026-01-05T11:00:00Z,tokens,3000
e2,,c2,2026-01-05T11:00:00Z,tokens,3000
e3,c1,o9,2026-01-06T10:00:00Z,tokens,1000
"""


def test_usage_map_in_pricebook_yaml_maps_columns_as_map_does(cli, tmp_path: Path) -> None:
    # customer = account, else org (e3 has both: account c1 wins). e2 is repeated: dedup on txn.
    # c1: 1 call + 1,000 tokens: 10 + 0.50 + 1.00 = 11.50 (candidate 10 + 0.75 + 0.50 = 11.25).
    # c2: 3,000 tokens: 10 + 3.00 = 13.00 (candidate 10 + 1.50 = 11.50). Totals 24.50 -> 22.75.
    mapping = {"event_id": "txn", "customer_id": "account|org", "timestamp": "ts", "meter": "what",
               "quantity": "amount"}
    write_files(tmp_path, {
        "u.csv": RENAMED_CSV,
        "with/pricebook.yaml": "usage:\n  map:\n" + "".join(f'    {k}: "{v}"\n' for k, v in mapping.items()),
    })
    (tmp_path / "without").mkdir()
    from_settings = _simulate(cli, tmp_path / "u.csv", tmp_path, "--dedup", cwd=tmp_path / "with")
    flags = [a for k, v in mapping.items() for a in ("--map", f"{k}={v}")]
    from_flags = _simulate(cli, tmp_path / "u.csv", tmp_path, "--dedup", *flags, cwd=tmp_path / "without")
    assert from_settings == from_flags
    assert from_settings["totals"] == [{"currency": "USD", "baseline": "24.50", "candidate": "22.75",
                                        "delta": "-1.75", "delta_pct": "-7.14"}]
    assert from_settings["events"] == {"read": 4, "valid": 3, "rated": 3}
    assert from_settings["unrated"]["duplicate"]["events"] == 1
    assert sorted((m["customer_id"], m["baseline"]) for m in from_settings["movers"]["down"]) == [
        ("c1", "11.50"), ("c2", "13.00")]
    # and a flag still overrides the file's entry for the same column
    r = cli("simulate", tmp_path / "u.csv", "--plan", "p", "--baseline", tmp_path / "base",
            "--catalog", tmp_path / "cand", "-f", "json", "--map", "customer_id=org", cwd=tmp_path / "with")
    assert r.code == 0, r.err
    assert {m["customer_id"] for m in json.loads(r.out)["movers"]["down"]} == {"c2", "o9"}


# --- movers ---------------------------------------------------------------------------------------

def test_movers_are_capped_at_ten_each_way_largest_first(cli, tmp_path: Path) -> None:
    # u01..u12 make i calls each: baseline 10 + 0.50 i, candidate 10 + 0.75 i, delta +0.25 i.
    # d01..d12 send 1,000 x i tokens: baseline 10 + i, candidate 10 + 0.50 i, delta -0.50 i.
    # Up: u12 (+3.00) .. u03 (+0.75); down: d12 (-6.00) .. d03 (-1.50); u01, u02, d01, d02 left out.
    lines = ["customer_id,timestamp,meter,quantity"]
    for i in range(1, 13):
        lines += [f"u{i:02},2026-03-0{1 + i % 9},calls,1"] * i
        lines.append(f"d{i:02},2026-03-10,tokens,{1000 * i}")
    (tmp_path / "u.csv").write_text("\n".join(lines) + "\n")
    d = _simulate(cli, tmp_path / "u.csv", tmp_path)
    assert d["customers"] == {"total": 24, "increased": 12, "decreased": 12, "unchanged": 0}
    up = [(m["customer_id"], m["delta"]) for m in d["movers"]["up"]]
    down = [(m["customer_id"], m["delta"]) for m in d["movers"]["down"]]
    assert up == [(f"u{i:02}", _money(25 * i)) for i in range(12, 2, -1)]
    assert down == [(f"d{i:02}", "-" + _money(50 * i)) for i in range(12, 2, -1)]
    assert d["movers"]["up"][0] == {"customer_id": "u12", "plan": "p", "currency": "USD", "baseline": "16.00",
                                    "candidate": "19.00", "delta": "3.00", "delta_pct": "18.75"}


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02}"
