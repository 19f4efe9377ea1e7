"""A CSV row with another number of fields than the header, or bytes that are not UTF-8, stop simulate
(exit 2) with the file, the line and the reason, for the usage and the subscriptions alike; before,
DuckDB's sniffer read such a file as other columns and the error blamed a missing column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

HEADER = "customer_id,timestamp,meter,quantity,note\n"
GOOD = "c1,2026-01-05,api-calls,100,ok\n"
SUBS = "customer_id,plan\nc1,pro\n"


def run(cli, *args):
    return cli("simulate", *args, "-c", ACME, "--baseline", ACME, "-f", "json")


def refused(res, *parts: str) -> str:
    assert res.code == 2, res.out
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: "), res.err
    assert "Traceback" not in res.err
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("row, header_fields, row_fields", [
    ("c1,2026-01-07,api-calls,300,Acme, Inc.\n", 5, 6),  # an unquoted comma in a field
    ("c1,2026-01-06,api-calls\n", 5, 3),  # a short row
])
def test_a_row_with_the_wrong_number_of_fields(cli, tmp_path: Path, row: str, header_fields: int,
                                               row_fields: int) -> None:
    write_files(tmp_path, {"u.csv": HEADER + GOOD + row, "s.csv": SUBS})
    line = refused(run(cli, tmp_path / "u.csv", "-s", tmp_path / "s.csv"),
                   f"cannot read usage {tmp_path / 'u.csv'}: line 3: wrong number of fields "
                   f"(the header has {header_fields}, this row {row_fields})")
    assert "no column" not in line
    # among other files it is the same (each file's columns are read apart, then united)
    write_files(tmp_path, {"a.csv": HEADER + GOOD})
    refused(run(cli, tmp_path / "a.csv", tmp_path / "u.csv", "-s", tmp_path / "s.csv"),
            f"{tmp_path / 'u.csv'}: line 3: wrong number of fields")


def test_a_subscriptions_row_with_the_wrong_number_of_fields(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + GOOD, "s.csv": "customer_id,plan\nc1,pro\nc2,pro,EUR\n"})
    refused(run(cli, tmp_path / "u.csv", "-s", tmp_path / "s.csv"),
            f"cannot read subscriptions {tmp_path / 's.csv'}: line 3: wrong number of fields "
            "(the header has 2, this row 3)")


def test_a_quoted_comma_and_other_separators_still_read(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": HEADER + GOOD + 'c1,2026-01-07,api-calls,300,"Acme, Inc."\n',
                           "u.tsv": HEADER.replace(",", "\t") + GOOD.replace(",", "\t"), "s.csv": SUBS})
    for name, rated in (("u.csv", 2), ("u.tsv", 1)):
        res = run(cli, tmp_path / name, "-s", tmp_path / "s.csv")
        assert res.code == 0, res.err
        assert json.loads(res.out)["events"]["rated"] == rated


@pytest.mark.parametrize("what", ["usage", "subscriptions"])
def test_a_file_that_is_not_utf8(cli, tmp_path: Path, what: str) -> None:
    write_files(tmp_path, {"u.csv": HEADER + GOOD, "s.csv": SUBS})
    bad = tmp_path / "latin1.csv"
    if what == "usage":
        bad.write_bytes(b"customer_id,timestamp,meter,quantity\nc\xe91,2026-01-05,api-calls,5\n")
        res = run(cli, bad, "-s", tmp_path / "s.csv")
    else:
        bad.write_bytes(b"customer_id,plan\nc\xe91,pro\n")
        res = run(cli, tmp_path / "u.csv", "-s", bad)
    refused(res, f"cannot read {what} {bad}: line 2: not UTF-8")


def test_a_bad_row_past_the_sniffed_sample_names_its_file_and_line(cli, tmp_path: Path) -> None:
    """DuckDB sniffs 20,480 rows; a bad row after them fails in stage 1, which said only
    'cannot aggregate usage: CSV Error on Line: 30002'."""
    rows = ["customer_id,timestamp,meter,quantity", *(f"c1,2026-01-05,api-calls,{i}" for i in range(30000)),
            "c1,2026-01-06,api-calls,5,extra"]
    (tmp_path / "late.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = cli("simulate", str(tmp_path / "late.csv"), "--plan", "pro", "--catalog", str(ACME),
              "--baseline", str(ACME), "--candidate", str(ACME))
    assert res.code == 2 and res.out == ""
    assert "late.csv: line 30002: wrong number of fields (the header has 4, this row 5)" in res.err, res.err
