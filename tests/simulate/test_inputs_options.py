"""Option values are blamed on the option, not on the usage: a memory limit too small to read the
usage names the limit, a --scale no catalog can be rated at and a --temp-dir that is a file stop at once
(exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

USAGE = "customer_id,timestamp,meter,quantity\nc1,2026-01-05T10:00:00Z,api-calls,500000\n"


@pytest.fixture
def simulate(cli, tmp_path: Path):
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": "customer_id,plan\nc1,pro\n"})

    def run(*args: str | Path):
        return cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "-c", ACME, "--baseline", ACME,
                   "-f", "json", *args)

    return run


def one_line(res) -> str:
    assert res.code == 2, res.out
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: "), res.err
    return lines[0]


def test_a_memory_limit_too_small_to_read_the_usage_names_the_limit(simulate) -> None:
    # DuckDB runs out while reading the CSV's columns: that was "cannot read usage: Out of Memory Error"
    assert one_line(simulate("--memory-limit", "20MB")) == (
        "pricebook: error: DuckDB ran out of memory (memory limit 20MB): raise --memory-limit, or lower "
        "--threads; it spills to --temp-dir where it can")


@pytest.mark.parametrize("scale", ["-1", "29", "38", "39", "40", "1000"])
def test_a_scale_out_of_range(simulate, scale: str) -> None:
    line = one_line(simulate("--scale", scale))
    assert line.startswith(f"pricebook: error: --scale {scale} must be from 0 to 28"), line
    assert "Binder Error" not in line


def test_scales_in_range_run(simulate) -> None:
    for scale in ("0", "6", "12"):
        res = simulate("--scale", scale)
        assert res.code == 0, res.err
        assert json.loads(res.out)["totals"][0]["baseline"] == "284.00"
    # 28 fits no price with decimals: the rating says so, as before
    assert "lower --scale" in one_line(simulate("--scale", "28"))


def test_a_temp_dir_that_is_a_file_is_refused(simulate, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    assert "--temp-dir" in one_line(simulate("--temp-dir", tmp_path / "afile"))
    assert "is a file, not a folder" in one_line(simulate("--temp-dir", tmp_path / "afile"))
    assert "not a folder" in one_line(simulate("--temp-dir", tmp_path / "afile" / "sub"))
    res = simulate("--temp-dir", tmp_path / "new" / "spill")  # one that can be made is fine
    assert res.code == 0, res.err
