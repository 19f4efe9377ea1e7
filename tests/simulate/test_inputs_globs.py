"""A glob whose pattern names no format (``usage/*``) is read as its matches: the format is told from
the files (all of one format), as for a folder; before, it was refused as of unknown format."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, write_files

HEADER = "customer_id,timestamp,meter,quantity\n"
JAN = HEADER + "c1,2026-01-05T10:00:00Z,api-calls,500000\n"
FEB = HEADER + "c1,2026-02-05T10:00:00Z,api-calls,100000\n"


def run(cli, tmp_path: Path, usage: str):
    return cli("simulate", usage, "-s", "s.csv", "-c", ACME, "--baseline", ACME, "-f", "json", cwd=tmp_path)


def test_a_glob_without_a_suffix_reads_its_matches(cli, tmp_path: Path) -> None:
    # a writer's marker (_SUCCESS) is left out, as in a folder
    write_files(tmp_path, {"g/jan.csv": JAN, "g/feb.csv": FEB, "g/_SUCCESS": "",
                           "s.csv": "customer_id,plan\nc1,pro\n"})
    results = []
    for usage in ("g/*", "g/*.csv", "g", "g/*.*"):
        res = run(cli, tmp_path, usage)
        assert res.code == 0, (usage, res.err)
        d = json.loads(res.out)
        results.append((d["events"], d["periods"], d["totals"]))
    assert all(r == results[0] for r in results), results
    assert results[0][0]["read"] == 2 and results[0][1] == ["2026-01", "2026-02"]


def test_a_glob_without_a_suffix_over_mixed_or_no_data(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"m/jan.csv": JAN, "m/feb.ndjson": "{}\n", "n/README": "x", "e/_SUCCESS": "",
                           "s.csv": "customer_id,plan\nc1,pro\n"})
    res = run(cli, tmp_path, "m/*")
    assert res.code == 2 and "usage files mix formats (csv, json)" in res.err
    res = run(cli, tmp_path, "n/*")
    assert res.code == 2 and "cannot tell the format of 'n/README'" in res.err
    res = run(cli, tmp_path, "e/*")
    assert res.code == 2 and "usage glob 'e/*' matches no data file" in res.err
    res = run(cli, tmp_path, "x/*")
    assert res.code == 2 and "usage glob 'x/*' matches no file" in res.err
