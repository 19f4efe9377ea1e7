"""Which BASE `ci` and `diff` compare with when not told: `--base` (diff's BASE argument) as given,
else the pull request's base branch in GitHub Actions (`origin/$GITHUB_BASE_REF`), else
pricebook.yaml's `base`, else their own default; derived ones at their merge base with HEAD.

`pricebook init` writes `base: origin/main`, so a pull request into `develop` must not be compared
with main: develop's own changes would show up as the pull request's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PRO = "plans/pro.yaml"
SETTINGS = "catalog: catalogs/acme\nbase: origin/main\n"  # as `pricebook init` writes it


@pytest.fixture
def into_develop(git_repo: Git) -> AcmeRepo:
    """main; develop (from main) doubles Pro's credit; feature (from develop) raises Pro's price.
    Both are "fetched" (origin/main, origin/develop). HEAD is feature, pricebook.yaml says
    `base: origin/main`."""
    repo = make_acme_repo(git_repo)
    repo.git("switch", "-q", "-c", "develop")
    repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')
    repo.commit("develop: more credit on pro")
    repo.git("switch", "-q", "-c", "feature")
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    repo.commit("feature: raise pro")
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.git("update-ref", "refs/remotes/origin/develop", "develop")
    (repo.root / "pricebook.yaml").write_text(SETTINGS, encoding="utf-8")
    return repo


def _pull_request(monkeypatch: pytest.MonkeyPatch, branch: str = "develop") -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", branch)


def _ci_diff(cli: Cli, repo: AcmeRepo, *args: str) -> dict[str, Any]:
    res = cli("ci", "--format", "json", *args, cwd=repo.root)
    assert res.code in (0, 1), res.err
    section: dict[str, Any] = next(s for s in json.loads(res.out)["sections"] if s["name"] == "diff")
    return section


def _diff(cli: Cli, repo: AcmeRepo, *args: str) -> dict[str, Any]:
    res = cli("diff", *args, "--format", "json", "--fail-on", "never", cwd=repo.root)
    assert res.code == 0, res.err
    data: dict[str, Any] = json.loads(res.out)
    return data


def _kinds(data: dict[str, Any]) -> list[str]:
    return sorted(c["kind"] for c in data["changes"])


def test_a_pull_request_s_base_branch_wins_over_pricebook_yaml(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(monkeypatch)
    for data in (_ci_diff(cli, into_develop), _diff(cli, into_develop)):
        # the pull request's own change, not develop's credit as well
        assert _kinds(data) == ["price-increased"], data
        assert data["base"].startswith("origin/develop@")
        assert data["base"].endswith("(merge base with HEAD)")


def test_an_explicit_base_wins_over_the_pull_request(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(monkeypatch)
    explicit = _ci_diff(cli, into_develop, "--base", "origin/main"), _diff(cli, into_develop, "origin/main")
    for data in explicit:
        assert _kinds(data) == ["credit-increased", "price-increased"], data
        assert data["base"].startswith("origin/main@") and "merge base" not in data["base"]


def test_outside_a_pull_request_pricebook_yaml_s_base_is_used(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a push build in Actions (no GITHUB_BASE_REF), and a laptop with a stray GITHUB_BASE_REF
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "")
    pushed = [_ci_diff(cli, into_develop), _diff(cli, into_develop)]
    monkeypatch.delenv("GITHUB_ACTIONS")
    monkeypatch.setenv("GITHUB_BASE_REF", "develop")
    for data in [*pushed, _ci_diff(cli, into_develop), _diff(cli, into_develop)]:
        assert _kinds(data) == ["credit-increased", "price-increased"], data
        assert data["base"].startswith("origin/main@") and data["base"].endswith("(merge base with HEAD)")


def test_without_pricebook_yaml_s_base_a_pull_request_still_gets_its_base_branch(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    (into_develop.root / "pricebook.yaml").write_text("catalog: catalogs/acme\n", encoding="utf-8")
    _pull_request(monkeypatch)
    for data in (_ci_diff(cli, into_develop), _diff(cli, into_develop)):
        assert _kinds(data) == ["price-increased"], data
        assert data["base"].startswith("origin/develop@")
    monkeypatch.delenv("GITHUB_BASE_REF")
    # no pull request and no base: ci's default is origin/main, diff's the newest release (none here)
    assert _kinds(_ci_diff(cli, into_develop)) == ["credit-increased", "price-increased"]
    res = cli("diff", cwd=into_develop.root)
    assert res.code == 2 and "nothing to compare with" in res.err


def test_a_pull_request_into_a_branch_that_was_not_fetched_exits_2(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(monkeypatch, "release-train")  # pricebook.yaml's origin/main is no fallback
    for cmd in (["ci", "--format", "json"], ["diff"]):
        res = cli(*cmd, cwd=into_develop.root)
        assert res.code == 2, (cmd, res.out)
        assert "origin/release-train" in res.err and "no changes" not in res.out
        # the user never typed origin/release-train: the message says where it came from
        assert "git fetch origin release-train" in res.err, res.err
        assert "pull request's base branch, from GITHUB_BASE_REF" in res.err and "fetch-depth: 0" in res.err


def test_simulate_s_default_baseline_agrees_with_ci_on_a_pull_request(
    cli: Cli, into_develop: AcmeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _pull_request(monkeypatch)
    # Pro USD, 10 seats: (10 - 3) x 12 = 84 of usage. At develop's merge base (credit 20):
    # 49 + 84 - 20 = 113; the candidate 59 + 84 - 20 = 123: +10.00 (main's credit 10 would give 0.00)
    usage = tmp_path / "u.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-01-05T10:00:00Z,seats,10\n")
    sim = cli("simulate", usage, "--plan", "pro", "-f", "json", cwd=into_develop.root)
    assert sim.code == 0, sim.err
    data = json.loads(sim.out)
    (usd,) = data["totals"]
    assert (usd["baseline"], usd["candidate"], usd["delta"]) == ("113.00", "123.00", "10.00")
