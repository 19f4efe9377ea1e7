"""A column the user mapped (``--map``, pricebook.yaml ``usage.map``) that the usage does not have is a
typo: simulate stops (exit 2) naming the mapping and the usage's columns, never reads nothing for it.
A preset's optional columns (its event id) may still be absent. Real files, real DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

USAGE = """\
customer_id,timestamp,meter,quantity,transaction_id,size
c1,2026-01-05T10:00:00Z,api-calls,500000,t1,
c1,2026-01-05T10:00:00Z,api-calls,500000,t1,
c1,2026-01-08T10:00:00Z,tokens,1000000,t2,large
"""
COLUMNS = "(columns: customer_id, meter, quantity, size, timestamp, transaction_id)"


@pytest.fixture
def simulate(cli, tmp_path: Path):
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": "customer_id,plan\nc1,pro\n"})

    def run(*args: str, cwd: Path | None = None):
        return cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "-c", ACME, "--baseline", ACME,
                   "-f", "json", *args, cwd=cwd)

    return run


def refused(res, *parts: str) -> str:
    assert res.code == 2, res.out
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: "), res.err
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_the_right_mapping_dedups_and_reads_the_dimension(simulate) -> None:
    # pro: 49 + api calls over 100,000 included + large tokens; the second t1 is a duplicate
    res = simulate("--map", "event_id=transaction_id", "--map", "dimension.model=size")
    assert res.code == 0, res.err
    d = json.loads(res.out)
    assert d["totals"][0]["baseline"] == "294.00"
    assert d["unrated"]["duplicate"]["events"] == 1


@pytest.mark.parametrize("mapping, hint", [
    ("event_id=transactionid", "; did you mean 'transaction_id'?"),  # was: no dedup, $536.00, exit 0
    ("dimension.model=sizes", "; did you mean 'size'?"),  # was: tokens at the default rate, exit 0
    ("quantity=qty", ""),  # was: every event null_quantity, a report of minimums, exit 0
    ("customer_id=customerid", "; did you mean 'customer_id'?"),
    ("meter=meters", "; did you mean 'meter'?"),
    ("timestamp=time", "; did you mean 'timestamp'?"),
    ("properties=props", ""),  # was: no properties read, exit 0
    ("quantity=payload.value", ""),  # a key inside a JSON column the usage does not have
    ("event_id=id|txn", ""),  # none of the alternatives
])
def test_a_mapped_column_the_usage_lacks_is_refused(simulate, mapping: str, hint: str) -> None:
    key, _, value = mapping.partition("=")
    line = refused(simulate("--map", mapping),
                   f"usage has no column '{value}' for the mapping {key}={value} {COLUMNS}")
    assert line.endswith(COLUMNS + hint)


def test_a_mapping_in_pricebook_yaml_is_checked_the_same_way(simulate, tmp_path: Path) -> None:
    write_files(tmp_path, {"pricebook.yaml": "usage:\n  map:\n    event_id: transactionid\n"})
    refused(simulate(cwd=tmp_path), "for the mapping event_id=transactionid",
            "did you mean 'transaction_id'?")
    write_files(tmp_path, {"pricebook.yaml": "usage:\n  map:\n    event_id:\n"})
    refused(simulate(cwd=tmp_path), "usage.map 'event_id' names no source column")


def test_a_presets_optional_event_id_may_still_be_absent(cli, tmp_path: Path) -> None:
    # lago's transaction_id is the preset's default, not the user's: without it there is no dedup
    write_files(tmp_path, {"lago.ndjson": json.dumps(
        {"external_customer_id": "c1", "code": "tokens", "timestamp": "2026-01-05T10:00:00Z",
         "properties": {"tokens": 1000000, "model": "large"}}) + "\n"})
    res = cli("simulate", tmp_path / "lago.ndjson", "--preset", "lago", "--plan", "pro", "-c", ACME,
              "--baseline", ACME, "-f", "json")
    assert res.code == 0, res.err
    d = json.loads(res.out)
    assert d["unrated"] == {} and d["events"] == {"read": 1, "valid": 1, "rated": 1}
