"""`pricebook simulate` reports what it does not bill: add-ons a catalog does not sell to a subscription,
and overlapping subscriptions of one customer. Real CSV files, real DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ACME, write_files

ONE_CALL_EACH = """\
customer_id,timestamp,meter,quantity
c1,2026-01-05T10:00:00Z,api-calls,1
c2,2026-01-05T10:00:00Z,api-calls,1
c3,2026-01-05T10:00:00Z,api-calls,1
"""
ADD_ON_SUBS = """\
customer_id,plan,currency,subscribed_at,ended_at,add_ons
c1,starter,USD,2025-12-01,,priority-support
c2,pro,USD,2025-12-01,,nosuch
c3,pro,EUR,2025-12-01,,priority-support
"""


def test_add_ons_a_catalog_does_not_sell_are_reported_per_side_not_billed(cli, tmp_path: Path) -> None:
    # Baseline: acme without its add-on. Candidate: acme (priority-support for pro and enterprise only).
    base = tmp_path / "base"
    shutil.copytree(ACME, base)
    (base / "add_ons.yaml").unlink()
    write_files(tmp_path, {"u.csv": ONE_CALL_EACH, "s.csv": ADD_ON_SUBS})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(base),
            "--catalog", str(ACME), "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    # January, one free api call each. c1 starter 19 (add-on not offered to starter, on both sides);
    # c2 pro 49 -> minimum 100 (add-on 'nosuch' unknown on both sides); c3 pro EUR 45 -> minimum 90 in
    # the baseline (add-on unknown there), 45 + 89 = 134 in the candidate.
    assert d["totals"] == [
        {"currency": "EUR", "baseline": "90.00", "candidate": "134.00", "delta": "44.00", "delta_pct": "48.89"},
        {"currency": "USD", "baseline": "119.00", "candidate": "119.00", "delta": "0.00", "delta_pct": "0.00"},
    ]
    cand = d["unrated"]["add_on_not_billed_candidate"]
    assert cand["events"] == 0 and cand["customers"] == 2 and cand["customer_periods"] == 2
    assert cand["by_add_on"] == {
        "nosuch": {"customer_periods": 1, "customers": 1, "why": {"unknown": 1}},
        "priority-support": {"customer_periods": 1, "customers": 1, "why": {"not_available_for_plan": 1}},
    }
    assert cand["by_customer"] == {
        "c1": {"priority-support": {"why": "not_available_for_plan", "customer_periods": 1}},
        "c2": {"nosuch": {"why": "unknown", "customer_periods": 1}},
    }
    base_entry = d["unrated"]["add_on_not_billed_baseline"]
    assert base_entry["customers"] == 3
    assert base_entry["by_add_on"]["priority-support"] == {"customer_periods": 2, "customers": 2,
                                                           "why": {"unknown": 2}}
    assert base_entry["by_customer"]["c3"] == {"priority-support": {"why": "unknown", "customer_periods": 1}}
    # the by-SKU view agrees: the support fee appears only in the candidate, once (c3, EUR)
    support = [g for g in d["by_sku"] if g["sku"] == "support"]
    assert support == [{"sku": "support", "currency": "EUR", "baseline": "0.00", "candidate": "89.00",
                        "delta": "89.00", "delta_pct": None}]

    text = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(base),
               "--catalog", str(ACME))
    assert text.code == 0, text.err
    assert "add_on_not_billed_candidate: 0 events, 2 customer-periods" in text.out
    assert "priority-support (not_available_for_plan): 1 customer" in text.out
    assert "customers (2): c1, c2" in text.out

    html = tmp_path / "r.html"
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(base),
            "--catalog", str(ACME), "--html", html)
    assert r.code == 0, r.err
    assert "<td>add_on_not_billed_baseline</td><td>0</td><td>0</td><td>c1, c2, c3</td>" in html.read_text()


def test_every_add_on_sold_reports_nothing(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": ONE_CALL_EACH,
                           "s.csv": "customer_id,plan,currency,add_ons\nc1,pro,USD,priority-support\n"})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(ACME), "--plan", "free", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert not [k for k in d["unrated"] if k.startswith(("add_on_not_billed", "overlapping"))]
    # c1 pro 49 + support 99 = 148 (no minimum top-up); c2 and c3 on free pay 0
    assert d["totals"][0]["candidate"] == "148.00"


OVERLAP_USAGE = """\
customer_id,timestamp,meter,quantity
o1,2026-01-05T10:00:00Z,api-calls,1
o1,2026-02-05T10:00:00Z,api-calls,1
o2,2026-01-05T10:00:00Z,api-calls,1
o2,2026-02-05T10:00:00Z,api-calls,1
"""
OVERLAP_SUBS = """\
customer_id,plan,currency,subscribed_at,ended_at,add_ons
o1,starter,USD,2025-12-01,,
o1,pro,USD,2026-01-15,2026-03-01,
o2,starter,USD,2025-01-01,2026-01-01,
o2,pro,USD,2026-01-01,,
o3,starter,USD,2024-01-01,2024-06-01,
o3,pro,USD,2024-03-01,2024-12-01,
"""


def test_overlapping_subscriptions_are_reported_and_the_latest_started_wins(cli, tmp_path: Path) -> None:
    # o1: starter (open) and pro (from Jan 15) overlap in Jan and Feb: pro, the latest started, is billed.
    # o2: starter ends exactly when pro starts: no overlap. o3 overlaps only in 2024, outside the periods.
    write_files(tmp_path, {"u.csv": OVERLAP_USAGE, "s.csv": OVERLAP_SUBS})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(ACME), "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    # o1 and o2 on pro in Jan and Feb: 49 -> minimum 100 each month
    assert d["totals"][0]["baseline"] == "400.00"
    assert {g["plan"]: g["customers"] for g in d["by_plan"]} == {"pro": 2}
    assert d["unrated"]["overlapping_subscriptions"] == {
        "events": 0, "quantity": "0", "overlaps": 1, "customers": 1,
        "by_customer": {"o1": {"overlaps": 1, "rows": [1, 2]}}, "by_meter": {},
    }
    text = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
               "--catalog", str(ACME))
    assert text.code == 0, text.err
    assert "overlapping_subscriptions: 0 events" in text.out
    assert "1 overlapping pair(s) of subscription rows; the latest started is billed" in text.out
    assert "customers (1): o1" in text.out


def test_an_add_on_not_sold_in_the_subscription_currency_is_reported(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {
        "cat/catalog.yaml": """
            catalog: {id: t, name: T, currency: USD}
            meters: {calls: {name: Calls, aggregation: count}}
            skus: {calls: {name: Calls, meter: calls}, base: {name: Base}, extra: {name: Extra}}
            plans: {p: {name: P, currencies: [USD, EUR], prices: {base: {model: flat, amount: {USD: "1.00", EUR: "2.00"}},
                     calls: {model: per_unit, unit_price: {USD: "0.50", EUR: "0.40"}}}}}
            add_ons: {a: {name: A, currencies: [USD], available_for: [p], prices: {extra: {model: flat, amount: "5.00"}}}}
        """,
        "u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-01,calls,1\nc2,2026-01-01,calls,1\n",
        "s.csv": "customer_id,plan,currency,add_ons\nc1,p,EUR,a\nc2,p,USD,a\n",
    })
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--catalog", tmp_path / "cat",
            "--baseline", tmp_path / "cat", "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    # c1 EUR: 2.00 + 0.40, no add-on; c2 USD: 1.00 + 0.50 + 5.00
    assert {t["currency"]: t["candidate"] for t in d["totals"]} == {"EUR": "2.40", "USD": "6.50"}
    for side in ("baseline", "candidate"):
        assert d["unrated"][f"add_on_not_billed_{side}"]["by_customer"] == {
            "c1": {"a": {"why": "not_in_currency", "customer_periods": 1}}}


def test_a_plan_a_side_cannot_bill_is_reported_not_a_silent_zero(cli, tmp_path: Path) -> None:
    # c1: starter in JPY, which no catalog sells it in. c2: enterprise in USD, and the candidate drops
    # enterprise. c3: pro in USD, billed by both.
    cand = tmp_path / "cand"
    shutil.copytree(ACME, cand)
    (cand / "plans" / "enterprise.yaml").unlink()
    add_ons = cand / "add_ons.yaml"  # the add-on no longer names the plan (PB105 otherwise)
    add_ons.write_text(add_ons.read_text().replace("available_for: [pro, enterprise]", "available_for: [pro]"))
    write_files(tmp_path, {"u.csv": ONE_CALL_EACH, "s.csv": (
        "customer_id,plan,currency,subscribed_at\nc1,starter,JPY,2025-06-01\nc2,enterprise,USD,2025-06-01\n"
        "c3,pro,USD,2025-06-01\n")})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(cand), "-f", "json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    base, cand_e = d["unrated"]["plan_not_billed_baseline"], d["unrated"]["plan_not_billed_candidate"]
    assert base["customers"] == 1 and base["customer_periods"] == 1
    assert base["by_plan"] == {"starter": {"customer_periods": 1, "customers": 1,
                                           "why": {"not_in_currency": 1}, "currencies": {"JPY": 1}}}
    assert base["by_customer"] == {"c1": {"starter": {"why": "not_in_currency", "customer_periods": 1}}}
    assert cand_e["customers"] == 2
    assert cand_e["by_plan"] == {
        "enterprise": {"customer_periods": 1, "customers": 1, "why": {"unknown": 1},
                       "currencies": {"USD": 1}},
        "starter": {"customer_periods": 1, "customers": 1, "why": {"not_in_currency": 1},
                    "currencies": {"JPY": 1}}}
    assert cand_e["by_customer"]["c2"] == {"enterprise": {"why": "unknown", "customer_periods": 1}}
    # c2's enterprise minimum (2000) is what the candidate loses; c3 (pro, minimum 100) is billed on both
    usd = next(t for t in d["totals"] if t["currency"] == "USD")
    assert (usd["baseline"], usd["candidate"]) == ("2100.00", "100.00")
    text = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
               "--catalog", str(cand))
    assert text.code == 0, text.err
    assert "plan_not_billed_baseline: 0 events, 1 customer-period" in text.out
    assert "plans: starter (not_in_currency in JPY): 1 customer" in text.out
    assert "plans: enterprise (unknown): 1 customer, starter (not_in_currency in JPY): 1 customer" in text.out


def test_every_plan_sold_in_its_currency_reports_no_plan_entry(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": ONE_CALL_EACH,
                           "s.csv": "customer_id,plan,currency\nc1,starter,EUR\nc2,pro,USD\nc3,free,USD\n"})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", str(ACME),
            "--catalog", str(ACME), "-f", "json")
    assert r.code == 0, r.err
    assert not [k for k in json.loads(r.out)["unrated"] if k.startswith("plan_not_billed")]
