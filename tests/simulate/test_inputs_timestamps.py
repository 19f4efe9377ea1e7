"""Unix seconds written as text with a fraction (``"1767866400.123"``) are a time, as the same JSON
number is; before, the text was a bad_timestamp."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, write_files

SUBS = "customer_id,plan\nc1,pro\n"


def run(cli, usage: Path, *args: str) -> dict:
    res = cli("simulate", usage, "-s", usage.parent / "s.csv", "-c", ACME, "--baseline", ACME, "-f", "json",
              *args)
    assert res.code == 0, res.err
    return json.loads(res.out)


def test_fractional_unix_seconds_as_text_in_json(cli, tmp_path: Path) -> None:
    events = [{"transaction_id": f"t{i}", "external_customer_id": "c1", "code": "api-calls", "timestamp": ts,
               "properties": {"value": 300000}} for i, ts in enumerate(
        ["1767866400.123", 1767866400.123, "1767866400", 1767866400])]  # 2026-01-08 10:00:00 UTC
    for name, rows in (("mixed.ndjson", events), ("text.ndjson", events[:1] + events[2:3])):
        write_files(tmp_path, {name: "".join(json.dumps(e) + "\n" for e in rows), "s.csv": SUBS})
        d = run(cli, tmp_path / name, "--preset", "lago", "--map", "quantity=properties.value")
        assert d["unrated"] == {}, (name, d["unrated"])
        assert d["periods"] == ["2026-01"]
        assert d["events"]["rated"] == len(rows)


def test_fractional_unix_seconds_in_csv_and_the_month_they_fall_in(cli, tmp_path: Path) -> None:
    # 1769903999.5 is 2026-01-31 23:59:59.5 UTC: January, not February (acme bills in UTC)
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,1769903999.5,api-calls,500000\n"
                                    "c1,1769904000.25,api-calls,1\n", "s.csv": SUBS})
    d = run(cli, tmp_path / "u.csv")
    assert d["unrated"] == {}
    assert d["periods"] == ["2026-01", "2026-02"]
