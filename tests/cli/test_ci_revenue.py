"""`pricebook ci` with a usage sample: the revenue impact of the pull request, next to the diff."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.conftest import ROOT, CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
SETTINGS = """\
catalog: catalogs/acme
usage:
  sample: usage/sample.csv
  subscriptions: usage/subscriptions.csv
"""


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


def _with_sample(repo: AcmeRepo) -> None:
    shutil.copytree(ROOT / "examples" / "usage", repo.root / "usage")
    (repo.root / "pricebook.yaml").write_text(SETTINGS, encoding="utf-8")
    repo.commit("usage sample for ci")


def test_revenue_impact_of_a_price_change(cli: Cli, acme_repo: AcmeRepo) -> None:
    _with_sample(acme_repo)
    # Pro's platform fee up by 10 EUR: c2 (pro, EUR, subscribed 2025-12) is billed it in January and
    # February, the months the sample spans, so EUR revenue rises by exactly 20.00; c1 (starter, USD)
    # is untouched.
    acme_repo.edit("plans/pro.yaml", '{USD: "49.00", EUR: "45.00"}', '{USD: "49.00", EUR: "55.00"}')
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=acme_repo.root)
    assert res.code == 1, res.err  # the price increase is breaking
    data = json.loads(res.out)
    revenue = next(s for s in data["sections"] if s["name"] == "revenue")
    assert revenue["status"] == "passed"
    totals = {t["currency"]: t for t in revenue["simulation"]["totals"]}
    assert Decimal(totals["EUR"]["delta"]) == Decimal("20.00")
    assert Decimal(totals["USD"]["delta"]) == 0
    assert revenue["simulation"]["customers"]["increased"] == 1


def test_text_and_markdown_show_the_section(cli: Cli, acme_repo: AcmeRepo, tmp_path, monkeypatch) -> None:
    _with_sample(acme_repo)
    acme_repo.edit("plans/pro.yaml", '{USD: "49.00", EUR: "45.00"}', '{USD: "49.00", EUR: "55.00"}')
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert "revenue impact" in res.out and "EUR" in res.out and "+€20.00" in res.out
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert "### Revenue impact" in summary.read_text(encoding="utf-8")


def test_without_a_sample_the_section_says_it_was_skipped(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=acme_repo.root)
    assert res.code == 0, res.err
    revenue = next(s for s in json.loads(res.out)["sections"] if s["name"] == "revenue")
    assert revenue["status"] == "skipped" and "usage.sample" in revenue["skipped"]


def test_an_unreadable_sample_is_an_error_not_a_pass(cli: Cli, acme_repo: AcmeRepo) -> None:
    _with_sample(acme_repo)
    (acme_repo.root / "usage" / "sample.csv").unlink()
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 2
    assert "sample.csv" in res.err and "passed" not in res.out


def test_text_names_the_unrated_events_as_markdown_does(cli: Cli, acme_repo: AcmeRepo) -> None:
    # the sample holds a duplicate, a bad time, a negative quantity, an unknown customer and meter
    _with_sample(acme_repo)
    data = json.loads(cli("ci", "--base", "HEAD", "--format", "json", cwd=acme_repo.root).out)
    unrated = next(s for s in data["sections"] if s["name"] == "revenue")["simulation"]["unrated"]
    assert unrated["unknown_customer"]["events"] == 1 and unrated["duplicate"]["events"] == 1
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 0, res.err
    line = next(ln for ln in res.out.splitlines() if "unrated events:" in ln)
    assert line.strip() == "unrated events: " + ", ".join(f"{k}: {v['events']}" for k, v in unrated.items())
