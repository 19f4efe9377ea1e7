"""Which months simulate bills, and a run that bills nobody. SPEC §6: the months run from the first to
the last month present in the usage, and every active subscription is billed in each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ACME, CliResult, write_files

Cli = Callable[..., CliResult]
# February's only event has no quantity, March's a negative one: neither is rated
GAPS = ("customer_id,timestamp,meter,quantity\nc1,2026-01-05,api-calls,100\nc1,2026-02-05,seats,\n"
        "c1,2026-03-05,api-calls,-3\n")
SUBS = "customer_id,plan\nc1,pro\nc2,enterprise\n"


def _json(cli: Cli, *args: str) -> dict:
    res = cli("simulate", *args, "--catalog", str(ACME), "--baseline", str(ACME), "--candidate", str(ACME),
              "--format", "json")
    assert res.code == 0, res.err
    data: dict = json.loads(res.out)
    return data


def test_a_month_without_a_rated_event_still_bills_every_subscription(cli: Cli, tmp_path: Path) -> None:
    """Taken from rated events only, February and March were dropped with both customers' fees."""
    write_files(tmp_path, {"u.csv": GAPS, "s.csv": SUBS})
    u, s = str(tmp_path / "u.csv"), str(tmp_path / "s.csv")
    data = _json(cli, u, "-s", s)
    assert [p["period"] for p in data["by_period"]] == ["2026-01", "2026-02", "2026-03"]
    # the same as naming the months: each month bills pro's minimum ($100) and enterprise's flat fees
    named = _json(cli, u, "-s", s, "--from", "2026-01", "--to", "2026-03")
    assert data["totals"] == named["totals"]
    months = {p["period"]: p["baseline"] for p in data["by_period"]}
    assert months["2026-02"] == months["2026-03"] == months["2026-01"], months
    assert data["unrated"]["null_quantity"]["events"] == 1
    assert data["unrated"]["negative_quantity"]["events"] == 1


def test_a_run_that_bills_nobody_is_an_error_that_says_what_is_missing(cli: Cli, tmp_path: Path) -> None:
    """Without --subscriptions or --plan every customer was unknown: an empty report with exit 0 read
    as "no revenue impact"."""
    write_files(tmp_path, {"u.csv": GAPS, "old.csv": "customer_id,plan,subscribed_at,ended_at\n"
                                                    "c1,pro,2025-01-01,2025-06-01\n"})
    common = ("--catalog", str(ACME), "--baseline", str(ACME), "--candidate", str(ACME))
    res = cli("simulate", str(tmp_path / "u.csv"), *common)
    assert res.code == 2 and res.out == "", res.out
    assert "no customer is billed: the usage has 1 event to rate, of 1 customer but no subscriptions; " \
           "give --subscriptions FILE, or --plan PLAN" in res.err
    res = cli("simulate", str(tmp_path / "u.csv"), "-s", str(tmp_path / "old.csv"), *common)
    assert res.code == 2 and "no subscription is active in its months" in res.err, res.err
    # with a plan for everyone the same usage is billed
    assert cli("simulate", str(tmp_path / "u.csv"), "--plan", "pro", *common).code == 0


def test_a_plan_no_catalog_has_is_named_with_its_row_and_customer(cli: Cli, tmp_path: Path) -> None:
    """Other subscription errors say file: row N; this one named neither the file nor the customer."""
    write_files(tmp_path, {"u.csv": GAPS, "s.csv": "customer_id,plan\nc1,pro\nc2,platinum\nc3,proo\n"})
    res = cli("simulate", str(tmp_path / "u.csv"), "-s", str(tmp_path / "s.csv"), "--catalog", str(ACME),
              "--baseline", str(ACME), "--candidate", str(ACME))
    assert res.code == 2 and res.out == ""
    assert res.err.strip() == (f"pricebook: error: {tmp_path / 's.csv'}: row 2 (customer 'c2'): plan "
                               "'platinum' is in neither catalog; plans: enterprise, free, pro, starter")
    write_files(tmp_path, {"s.csv": "customer_id,plan\nc3,proo\n"})
    res = cli("simulate", str(tmp_path / "u.csv"), "-s", str(tmp_path / "s.csv"), "--catalog", str(ACME),
              "--baseline", str(ACME), "--candidate", str(ACME))
    assert "row 1 (customer 'c3'): plan 'proo' is in neither catalog; did you mean 'pro'?" in res.err
