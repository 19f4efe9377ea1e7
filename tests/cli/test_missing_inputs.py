"""A missing input file is named for what it is (usage or subscriptions), in one line."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ACME


def test_missing_files_are_named_for_what_they_are(cli, tmp_path: Path) -> None:
    usage = tmp_path / "usage.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-09-01T00:00:00Z,api-calls,1\n")
    common = ("--catalog", str(ACME), "--baseline", str(ACME), "--plan", "pro")
    res = cli("simulate", str(usage), "-s", str(tmp_path / "subscriptions.csv"), *common)
    assert res.code == 2
    assert res.err.strip().endswith(f"subscriptions file '{tmp_path / 'subscriptions.csv'}' does not exist")
    res = cli("simulate", str(tmp_path / "nope.csv"), *common)
    assert res.code == 2 and f"usage file '{tmp_path / 'nope.csv'}' does not exist" in res.err
    assert len(res.err.strip().splitlines()) == 1
