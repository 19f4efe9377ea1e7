"""A bad flag value stops the command with exit 2 and one line naming the flag, before any long run:
never an internal error (exit 3), never a silent exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

USAGE = """\
event_id,customer_id,timestamp,meter,quantity
e1,c1,2026-01-05T10:00:00Z,seats,2
"""
SUBS = """\
customer_id,plan,currency,subscribed_at,ended_at,add_ons
c1,starter,USD,2025-06-01,,
"""


@pytest.fixture
def simulate(cli, tmp_path: Path):
    """``pricebook simulate`` on one usage row against acme, with extra ARGS."""
    write_files(tmp_path, {"usage.csv": USAGE, "subs.csv": SUBS})

    def run(*args: str):
        return cli("simulate", tmp_path / "usage.csv", "-s", tmp_path / "subs.csv", "-c", ACME,
                   "--baseline", ACME, *args)

    return run


def refused(res, *parts: str) -> None:
    """Exit 2, one line on stderr that says each of ``parts``, no traceback."""
    assert res.code == 2, res.err
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: "), res.err
    assert "Traceback" not in res.err and "internal error" not in res.err
    for part in parts:
        assert part in lines[0], res.err


def test_out_that_is_a_folder_or_under_a_file(simulate, tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    refused(simulate("--out", tmp_path / "d.csv"), "--out", str(tmp_path / "d.csv"), "folder")
    res = simulate("--out", tmp_path / "usage.csv" / "rows.csv")
    refused(res, "--out", str(tmp_path / "usage.csv" / "rows.csv"), "not a folder")
    assert not (tmp_path / "rows.csv").exists()


def test_html_that_is_a_folder_or_under_a_file(simulate, tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    refused(simulate("--html", tmp_path / "adir"), "--html", str(tmp_path / "adir"), "folder")
    refused(simulate("--html", tmp_path / "subs.csv" / "x.html"), "--html", "not a folder")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where no file can be created")
def test_out_and_html_where_nothing_can_be_created(simulate) -> None:
    refused(simulate("--out", "/proc/rows.csv"), "--out", "'/proc/rows.csv'", "cannot write")
    refused(simulate("--html", "/proc/x.html"), "--html", "'/proc/x.html'", "cannot write")


@pytest.mark.parametrize("threads", ["-1", "0"])
def test_threads_below_one(simulate, threads: str) -> None:
    refused(simulate("--threads", threads), "--threads", threads)


@pytest.mark.parametrize("limit", ["lots", "-5GB", "0GB", "4", "50%", "4XB", "none"])
def test_memory_limit_that_is_not_a_positive_size(simulate, limit: str) -> None:
    refused(simulate("--memory-limit", limit), "--memory-limit", f"'{limit}'")


@pytest.mark.parametrize("limit", ["500MB", "1.5GB", "4GiB", "4 gb", "4G", "500m", "4 gigabytes"])
def test_memory_limit_sizes_duckdb_takes(simulate, limit: str) -> None:
    res = simulate("--memory-limit", limit)
    assert res.code == 0, res.err


def test_map_to_an_unknown_column(simulate) -> None:
    refused(simulate("--map", "foo=account_id"), "--map", "'foo'", "customer_id", "dimension.<name>")
    refused(simulate("--map", "dimension.=x"), "--map", "'dimension.'")
    # a mapped column the usage lacks is refused, naming it (it was silently ignored: a dimension
    # typo priced every event at the default rate)
    res = simulate("--map", "dimension.model=model", "--map", "properties=props")
    assert res.code == 2 and "usage has no column 'model' for the mapping dimension.model=model" in res.err


def test_baseline_or_candidate_path_that_does_not_exist(simulate, tmp_path: Path) -> None:
    nope = tmp_path / "nope"
    refused(simulate("--baseline", nope), "--baseline", f"'{nope}'", "no such catalog folder")
    refused(simulate("--candidate", nope), "--candidate", f"'{nope}'", "no such catalog folder")
    res = simulate("--baseline", "./nope")
    refused(res, "--baseline", "'./nope'", "no such catalog folder")


def test_candidate_path_outside_any_git_repository(cli, acme_copy: Path, tmp_path: Path) -> None:
    # acme_copy is no git repository: the old error blamed that, not the missing folder
    write_files(tmp_path, {"usage.csv": USAGE, "subs.csv": SUBS})
    res = cli("simulate", tmp_path / "usage.csv", "-s", tmp_path / "subs.csv", "-c", acme_copy,
              "--baseline", acme_copy, "--candidate", tmp_path / "gone" / "acme")
    refused(res, "--candidate", "no such catalog folder")


def test_demo_dir_that_is_a_file(cli, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    refused(cli("demo", "--events", "50", "--dir", tmp_path / "taken"), "--dir", str(tmp_path / "taken"))
    refused(cli("demo", "--events", "50", "--dir", tmp_path / "taken" / "sub"), "--dir", "not a folder")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where no file can be created")
def test_demo_dir_where_nothing_can_be_created(cli) -> None:
    refused(cli("demo", "--events", "50", "--dir", "/proc/x"), "--dir", "'/proc/x'", "cannot write")


@pytest.mark.parametrize("events", ["-5", "0"])
def test_demo_events_below_one(cli, tmp_path: Path, events: str) -> None:
    res = cli("demo", "--events", events, "--dir", tmp_path / "demo")
    refused(res, "--events", events)
    assert not (tmp_path / "demo").exists()


def test_out_and_html_that_exist_are_overwritten(simulate, tmp_path: Path) -> None:
    # the up-front check must not take an existing file for a folder: a rerun writes the same paths
    out, html = tmp_path / "rows.csv", tmp_path / "report.html"
    out.write_text("old\n")
    html.write_text("old\n")
    for _ in range(2):
        res = simulate("--out", out, "--html", html)
        assert res.code == 0, res.err
        assert out.read_text().startswith("customer_id,") and "<html" in html.read_text()
