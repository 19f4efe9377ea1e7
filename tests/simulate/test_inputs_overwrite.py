"""``--out`` and ``--html`` never overwrite what the run reads (a usage file, also one a glob or a folder
names, the subscriptions) nor each other: exit 2 before anything is read or written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

USAGE = "customer_id,timestamp,meter,quantity\nc1,2026-01-05T10:00:00Z,api-calls,500000\n"
SUBS = "customer_id,plan\nc1,pro\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": SUBS, "g/jan.csv": USAGE})
    return tmp_path


def run(cli, usage, *args, cwd: Path):
    return cli("simulate", usage, "-s", "s.csv", "-c", ACME, "--baseline", ACME, *args, cwd=cwd)


def refused(res, *parts: str) -> None:
    assert res.code == 2, res.out
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: "), res.err
    for part in parts:
        assert part in lines[0], lines[0]


@pytest.mark.parametrize("usage, flag, target, what", [
    ("u.csv", "--out", "u.csv", "usage file 'u.csv'"),
    ("u.csv", "--out", "./sub/../u.csv", "usage file 'u.csv'"),
    ("g/*.csv", "--out", "g/jan.csv", "usage file 'g/jan.csv'"),  # a glob's match
    ("g", "--out", "g/jan.csv", f"usage file '{os.path.join('g', 'jan.csv')}'"),  # a folder's file
    ("u.csv", "--html", "s.csv", "subscriptions file 's.csv'"),
    ("u.csv", "--out", "s.csv", "subscriptions file 's.csv'"),
])
def test_an_output_that_is_an_input_is_refused(cli, files: Path, usage: str, flag: str, target: str,
                                               what: str) -> None:
    (files / "sub").mkdir()
    before = {p: p.read_bytes() for p in files.rglob("*.csv")}
    refused(run(cli, usage, flag, target, cwd=files), f"{flag} '{target}' is the {what}", "overwrite")
    assert {p: p.read_bytes() for p in files.rglob("*.csv")} == before


def test_an_output_that_links_to_an_input_is_refused(cli, files: Path) -> None:
    (files / "link.csv").symlink_to(files / "u.csv")
    refused(run(cli, "u.csv", "--out", "link.csv", cwd=files), "--out 'link.csv' is the usage file 'u.csv'")
    assert (files / "u.csv").read_text() == USAGE


def test_out_and_html_to_one_file_are_refused(cli, files: Path) -> None:
    refused(run(cli, "u.csv", "--out", "r.csv", "--html", "r.csv", cwd=files),
            "--html 'r.csv' is the file --out writes")
    assert not (files / "r.csv").exists()


def test_outputs_beside_the_inputs_are_written(cli, files: Path) -> None:
    res = run(cli, "g", "--out", "g/rows.csv", "--html", "report.html", cwd=files)
    assert res.code == 0, res.err
    assert (files / "g" / "rows.csv").is_file() and (files / "report.html").is_file()
    assert (files / "g" / "jan.csv").read_text() == USAGE
