"""`pricebook simulate` end to end: real files, real DuckDB."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from tests.conftest import ACME, ROOT, SHARED_DATA, write_files

USAGE = """\
event_id,customer_id,timestamp,meter,quantity,model
e1,c1,2026-01-05T10:00:00Z,api-calls,1,
e2,c1,2026-01-06T10:00:00Z,tokens,2000000,large
e2,c1,2026-01-06T10:00:00Z,tokens,2000000,large
e3,c1,2026-01-07T10:00:00Z,tokens,5000000,small
e4,c2,2026-02-07T10:00:00Z,seats,5,
e5,c2,2026-02-07T10:00:00Z,bogus,5,
e6,c9,2026-02-07T10:00:00Z,seats,5,
e7,c2,garbage,seats,5,
e8,c2,2026-02-07T10:00:00Z,seats,-5,
e9,c3,2026-02-07T10:00:00Z,seats,4,
"""
SUBS = """\
customer_id,plan,currency,subscribed_at,ended_at,add_ons
c1,starter,USD,2025-12-01,,
c2,pro,EUR,2025-12-01,,priority-support
c3,pro,USD,2025-05-01,,
"""


# The hand-computed fixture's own data: USAGE and SUBS with c3 on 20 seats (above Pro's 100.00 minimum,
# so grandfathering changes its bill) and c4, a Pro customer who subscribed after the rule's cut-off.
GRANDFATHER_USAGE = USAGE.replace("e9,c3,2026-02-07T10:00:00Z,seats,4,",
                                  "e9,c3,2026-02-07T10:00:00Z,seats,20,") + \
    "e10,c4,2026-01-09T10:00:00Z,seats,10,\n"
GRANDFATHER_SUBS = SUBS + "c4,pro,USD,2025-07-01,,\n"


def test_hand_computed_fixture(cli, acme_copy: Path, tmp_path: Path) -> None:
    # Candidate: Pro platform 49 -> 59 USD. Baseline: acme. c3 (subscribed 2025-05-01) is grandfathered
    # (legacy rule below: pro, subscribed before 2025-06-01) so the candidate keeps the baseline release's
    # prices for c3; c4 (subscribed 2025-07-01) is not, and pays the new fee.
    assert "seats,20," in GRANDFATHER_USAGE and "c4,pro" in GRANDFATHER_SUBS
    write_files(tmp_path, {"u.csv": GRANDFATHER_USAGE, "s.csv": GRANDFATHER_SUBS})
    cand = acme_copy
    pro = cand / "plans" / "pro.yaml"
    pro.write_text(pro.read_text().replace('USD: "49.00", EUR: "45.00"', 'USD: "59.00", EUR: "45.00"'))
    rel = cand / "releases"
    rel.mkdir()
    from pricebook.load import load_catalog
    from pricebook.load.dump import canonical_json, catalog_to_data
    from pricebook.releases.index import digest_of

    snap = canonical_json(catalog_to_data(load_catalog(ACME).catalog))
    (rel / "r1.json").write_text(snap)
    (rel / "index.yaml").write_text(
        "releases:\n  - id: r1\n    effective_from: \"2025-01-01T00:00:00Z\"\n"
        f"    digest: \"sha256:{digest_of(snap).removeprefix('sha256:')}\"\n")
    (cand / "grandfathering.yaml").write_text(
        "grandfathering:\n  legacy:\n    plans: [pro]\n    subscribed_before: 2025-06-01\n    release: r1\n")
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(cand), "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    # Periods: 2026-01 and 2026-02 (first to last month with usage); every subscription billed in both.
    # Pro USD: platform 49 (candidate 59), seats 12 each above 3 included, usage credit 10 (taken off the
    # usage charges only), minimum 100.
    # c1 starter USD: Jan 19 + tokens (2M large x 0.00001 = 20, 5M small x 0.000002 = 10) = 49; Feb 19.
    #   Both sides 68 (starter unchanged).
    # c3 pro USD: Jan no usage: 49 -> minimum 100. Feb 20 seats: (20 - 3) x 12 = 204, credit -10 = 194;
    #   49 + 194 = 243. Baseline 100 + 243 = 343. Candidate grandfathered on r1 (= acme): also 343
    #   (without the rule: Jan 59 -> 100, Feb 59 + 194 = 253, so 353).
    # c4 pro USD, not grandfathered: Jan 10 seats: (10 - 3) x 12 = 84, credit -10 = 74; baseline
    #   49 + 74 = 123, candidate 59 + 74 = 133. Feb no usage: 49 or 59 -> minimum 100.
    #   Baseline 223, candidate 233.
    # USD baseline 68 + 343 + 223 = 634; candidate 68 + 343 + 233 = 644.
    #   Jan 49 + 100 + 123 = 272 (candidate 49 + 100 + 133 = 282); Feb 19 + 243 + 100 = 362 both sides.
    # c2 pro EUR + priority-support: Jan 45 + 89 = 134; Feb 45 + seats (5-3) x 11 = 22 -> credit -9,
    #   + 89 = 147. Unchanged (EUR platform unchanged): 281.
    totals = {t["currency"]: t for t in d["totals"]}
    assert totals["USD"]["baseline"] == "634.00" and totals["USD"]["candidate"] == "644.00"
    assert totals["EUR"]["baseline"] == "281.00" and totals["EUR"]["candidate"] == "281.00"
    by_period = {(p["period"], p["currency"]): (p["baseline"], p["candidate"]) for p in d["by_period"]}
    assert by_period[("2026-01", "USD")] == ("272.00", "282.00")
    assert by_period[("2026-02", "USD")] == ("362.00", "362.00")
    assert d["movers"]["up"] == [{"customer_id": "c4", "plan": "pro", "currency": "USD", "baseline": "223.00",
                                  "candidate": "233.00", "delta": "10.00", "delta_pct": "4.48"}]
    assert d["movers"]["down"] == []
    u = d["unrated"]
    assert u["duplicate"]["events"] == 1
    assert u["unknown_meter"]["events"] == 1 and "bogus" in u["unknown_meter"]["by_meter"]
    assert u["unknown_customer"]["events"] == 1
    assert u["bad_timestamp"]["events"] == 1
    assert u["negative_quantity"]["events"] == 1
    assert d["customers"] == {"total": 4, "increased": 1, "decreased": 0, "unchanged": 3}
    # Without the grandfathering rule c3 pays the new platform fee too: 100 + 253 = 353, +10.
    # USD candidate 68 + 353 + 233 = 654 (Feb 19 + 253 + 100 = 372); the baseline is still 634.
    # --plan free bills c9 (usage, no subscription) on Free, which prices no seats: 0.00 in Feb, its
    # event unpriced_meter instead of unknown_customer.
    (cand / "grandfathering.yaml").unlink()
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(cand), "-f", "json", "--plan", "free")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    totals = {t["currency"]: t for t in d["totals"]}
    assert totals["USD"]["baseline"] == "634.00" and totals["USD"]["candidate"] == "654.00"
    assert totals["USD"]["delta"] == "20.00"
    assert totals["EUR"]["baseline"] == "281.00" and totals["EUR"]["candidate"] == "281.00"
    by_period = {(p["period"], p["currency"]): (p["baseline"], p["candidate"]) for p in d["by_period"]}
    assert by_period[("2026-01", "USD")] == ("272.00", "282.00")
    assert by_period[("2026-02", "USD")] == ("362.00", "372.00")
    up = {m["customer_id"]: (m["baseline"], m["candidate"]) for m in d["movers"]["up"]}
    assert up == {"c3": ("343.00", "353.00"), "c4": ("223.00", "233.00")}
    assert d["customers"] == {"total": 5, "increased": 2, "decreased": 0, "unchanged": 3}
    assert "unknown_customer" not in d["unrated"] and d["unrated"]["unpriced_meter"]["events"] == 1


def test_injection_in_ids_does_not_change_the_query(cli, tmp_path: Path) -> None:
    nasty = "x'; DROP TABLE agg; --"
    write_files(tmp_path, {
        "cat/catalog.yaml": """
            catalog: {id: t, name: T, currency: USD}
            meters: {calls: {name: Calls, aggregation: count}}
            skus: {calls: {name: Calls, meter: calls}, base: {name: Base}}
            plans: {p: {name: P, prices: {base: {model: flat, amount: "1.00"},
                     calls: {model: per_unit, unit_price: "0.50"}}}}
        """,
        "u.csv": f'customer_id,timestamp,meter,quantity\n"{nasty.replace(chr(34), chr(34) * 2)}",2026-01-01,calls,1\n'
                 '"c""2",2026-01-01,calls,1\n"c""2",2026-01-02,"calls\'; --",1\n',
    })
    r = cli("simulate", tmp_path / "u.csv", "--plan", "p", "--catalog", tmp_path / "cat",
            "--baseline", tmp_path / "cat", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["totals"][0]["candidate"] == "3.00"  # two customers x (1.00 + 0.50)
    assert d["unrated"]["unknown_meter"]["events"] == 1


def test_an_infinite_timestamp_is_reported_not_billed_for_every_month_to_9999(cli, tmp_path: Path) -> None:
    # DuckDB parses 'infinity': its month used to be 9999-12 (0001-01 for '-infinity'), so one such
    # event made simulate bill every month from the first usage to 9999-12
    write_files(tmp_path, {"u.csv": "event_id,customer_id,timestamp,meter,quantity\n"
                                    "e1,c1,2026-01-05T00:00:00Z,api-calls,5\ne2,c1,infinity,api-calls,7\n"
                                    "e3,c1,-infinity,api-calls,7\n"})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "pro", "--catalog", ACME, "--baseline", ACME,
            "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["periods"] == ["2026-01"]
    assert d["unrated"]["bad_timestamp"]["events"] == 2
    assert d["totals"][0]["baseline"] == "100.00"  # one month of pro: its 100.00 minimum


def test_a_stray_timestamp_stops_with_the_span_instead_of_billing_every_month(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "event_id,customer_id,timestamp,meter,quantity\n"
                                    "e1,c1,2026-01-05T00:00:00Z,api-calls,5\ne2,c1,0001-01-05T00:00:00Z,api-calls,7\n"})
    args = ("simulate", tmp_path / "u.csv", "--plan", "pro", "--catalog", ACME, "--baseline", ACME)
    r = cli(*args)
    assert r.code == 2 and "Traceback" not in r.err
    assert "spans 24,301 months (0001-01 .. 2026-01)" in r.err and "--from and --to" in r.err
    r = cli(*args, "--from", "2026-01", "--to", "2026-01", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["periods"] == ["2026-01"] and d["unrated"]["outside_periods"]["events"] == 1


@pytest.mark.parametrize("year", [-43, 12000])
def test_a_time_outside_the_years_1_to_9999_is_a_one_line_error_unless_bounded(cli, tmp_path: Path,
                                                                                year: int) -> None:
    import duckdb

    path = tmp_path / "u.parquet"  # a typed TIMESTAMP column can hold them; Python dates cannot
    duckdb.connect().execute(
        f"COPY (SELECT * FROM (VALUES ('e1', 'c1', make_timestamp({year}, 3, 15, 10, 0, 0), 'api-calls', 5), "
        "('e2', 'c1', TIMESTAMP '2026-01-05', 'api-calls', 5)) AS t(event_id, customer_id, timestamp, meter, "
        f"quantity)) TO '{path}' (FORMAT parquet)")
    args = ("simulate", path, "--plan", "pro", "--catalog", ACME, "--baseline", ACME)
    r = cli(*args)
    assert r.code == 2 and f"a timestamp in the year {year}" in r.err and "internal error" not in r.err
    r = cli(*args, "--from", "2026-01", "--to", "2026-02", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["periods"] == ["2026-01", "2026-02"] and d["unrated"]["outside_periods"]["events"] == 1


FOCUS_EXCERPT = ROOT / "tests" / "fixtures" / "focus" / "focus_excerpt.csv"


def test_focus_excerpt_runs_with_preset(cli) -> None:
    """Real FOCUS rows (unquoted NULLs, Adjustment and Credit rows) kept in the repository, so this
    runs on any checkout; the expected counts are read from the file with the csv module."""
    import csv

    with FOCUS_EXCERPT.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_category: dict[str, int] = {}
    for row in rows:
        by_category[row["ChargeCategory"]] = by_category.get(row["ChargeCategory"], 0) + 1
    usage_accounts = {row["SubAccountId"] for row in rows if row["ChargeCategory"] == "Usage"}
    assert by_category.get("Adjustment") and by_category.get("Credit")  # the fixture has both
    r = cli("simulate", FOCUS_EXCERPT, "--preset", "focus", "--plan", "cloud",
            "--catalog", ROOT / "examples" / "focus", "--baseline", ROOT / "examples" / "focus", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["events"]["read"] == len(rows)
    assert d["unrated"]["non_usage:Adjustment"]["events"] == by_category["Adjustment"]
    assert d["unrated"]["non_usage:Credit"]["events"] == by_category["Credit"]
    assert d["events"]["valid"] == by_category["Usage"]
    assert d["customers"]["total"] == len(usage_accounts)


@pytest.mark.skipif(not (SHARED_DATA / "focus" / "focus_sample.csv").exists(),
                    reason="../shared/data is not next to this checkout")
def test_focus_sample_runs_with_preset(cli) -> None:
    r = cli("simulate", SHARED_DATA / "focus" / "focus_sample.csv", "--preset", "focus", "--plan", "cloud",
            "--catalog", ROOT / "examples" / "focus", "--baseline", ROOT / "examples" / "focus", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["events"]["read"] == 1000
    assert d["unrated"]["non_usage:Adjustment"]["events"] == 2
    assert d["unrated"]["non_usage:Credit"]["events"] == 1
    assert d["customers"]["total"] == 73
    assert sum(v["events"] for v in d["unrated"].values()) + d["events"]["valid"] == 1000


def test_missing_column_is_one_line_error(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": "account,ts,meter,quantity\na,2026-01-01,api-calls,1\n"})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "pro", "--catalog", ACME, "--baseline", ACME)
    assert r.code == 2
    assert "customer_id" in r.err and "Traceback" not in r.err
    r = cli("simulate", tmp_path / "u.csv", "--plan", "pro", "--catalog", ACME, "--baseline", ACME,
            "--map", "customer_id=account", "--map", "timestamp=ts", "-f", "json")
    assert r.code == 0, r.err


def test_out_and_html(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": SUBS})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--catalog", ACME, "--baseline", ACME,
            "--out", tmp_path / "rows.csv", "--html", tmp_path / "r.html")
    assert r.code == 0, r.err
    rows = (tmp_path / "rows.csv").read_text().splitlines()
    assert rows[0].startswith("customer_id,period,plan,currency")
    assert len(rows) == 1 + 6  # 3 customers x 2 months
    html = (tmp_path / "r.html").read_text()
    assert "<svg" in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_bundled_acme_is_identical_to_catalogs_acme() -> None:
    bundled = ROOT / "src" / "pricebook" / "data" / "acme"
    cmp = filecmp.dircmp(ACME, bundled)

    def same(c: filecmp.dircmp) -> bool:
        return not (c.left_only or c.right_only or c.diff_files) and all(same(s) for s in c.subdirs.values())

    assert same(cmp)


def _release(cat_dir: Path, rid: str, source: Path, effective: str, index: list[str]) -> None:
    from pricebook.load import load_catalog
    from pricebook.load.dump import canonical_json, catalog_to_data
    from pricebook.releases.index import digest_of

    snap = canonical_json(catalog_to_data(load_catalog(source).catalog))
    (cat_dir / "releases").mkdir(exist_ok=True)
    (cat_dir / "releases" / f"{rid}.json").write_text(snap)
    index.append(f"  - id: {rid}\n    effective_from: \"{effective}\"\n    digest: \"{digest_of(snap)}\"\n")
    (cat_dir / "releases" / "index.yaml").write_text("releases:\n" + "".join(index))


def test_baseline_releases_bills_each_period_under_the_release_in_force(cli, acme_copy: Path,
                                                                        tmp_path: Path) -> None:
    # r1 (acme, from 2025) prices January; r2 (Starter platform 19 -> 29 USD, from 2026-02-01) prices
    # February. c1 on starter, no usage beyond one api call: Jan 19, Feb 29 under releases = 48;
    # the candidate (working tree = acme) bills 19 + 19 = 38.
    changed = tmp_path / "changed"
    import shutil

    shutil.copytree(ACME, changed)
    st = changed / "plans" / "starter.yaml"
    st.write_text(st.read_text().replace('USD: "19.00", EUR: "18.00"', 'USD: "29.00", EUR: "18.00"'))
    index: list[str] = []
    _release(acme_copy, "r1", ACME, "2025-01-01T00:00:00Z", index)
    _release(acme_copy, "r2", changed, "2026-02-01T00:00:00Z", index)
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03,api-calls,1\n"
                                    "c1,2026-02-03,api-calls,1\n"})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "starter", "--catalog", acme_copy,
            "--baseline", "releases", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["totals"] == [{"currency": "USD", "baseline": "48.00", "candidate": "38.00", "delta": "-10.00",
                            "delta_pct": "-20.83"}]
    assert d["customers"]["decreased"] == 1
