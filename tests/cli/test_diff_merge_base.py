"""`A...B` revisions (the merge base, as `git diff A...B`), and `pricebook ci` comparing a stale
branch from where it left the base branch rather than from the base branch's tip."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PRO = "plans/pro.yaml"


@pytest.fixture
def stale(cli: Cli, git_repo: Git) -> AcmeRepo:
    """A `feature` branch that raised Pro's price, made before `main` cut a release and lowered
    Pro's credit. HEAD is `feature`."""
    repo = make_acme_repo(git_repo)
    repo.git("switch", "-q", "-c", "feature")
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    repo.commit("raise pro")
    repo.git("switch", "-q", "main")
    assert cli("release", "2026.01.01", "--effective", "2026-01-01", cwd=repo.root).code == 0
    repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')
    repo.commit("release, then more credit on pro")
    repo.git("switch", "-q", "feature")
    return repo


def _kinds(res: CliResult) -> list[str]:
    return sorted(c["kind"] for c in json.loads(res.out)["changes"])


def test_the_tip_shows_main_s_later_changes_reversed_the_merge_base_does_not(
    cli: Cli, stale: AcmeRepo
) -> None:
    tip = cli("diff", "main", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert tip.code == 0, tip.err
    assert _kinds(tip) == ["credit-decreased", "price-increased", "release-removed"]  # as today
    for base in ("main...", "main...HEAD"):
        res = cli("diff", base, "--format", "json", "--fail-on", "never", cwd=stale.root)
        assert res.code == 0, (base, res.err)
        assert _kinds(res) == ["price-increased"], base
        merge_base = stale.git("merge-base", "main", "HEAD")
        assert json.loads(res.out)["base"] == f"main@{merge_base[:8]} (merge base with HEAD)"


def test_b_is_head_unless_omitted(cli: Cli, stale: AcmeRepo) -> None:
    stale.edit("plans/free.yaml", "projects: 3", "projects: 5")  # uncommitted, in the working tree
    with_tree = cli("diff", "main...", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert _kinds(with_tree) == ["entitlement-limit-raised", "price-increased"]
    committed = cli("diff", "main...HEAD", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert _kinds(committed) == ["price-increased"]  # as git diff main...HEAD: HEAD's commit
    assert json.loads(committed.out)["head"].startswith("HEAD@")
    stale.git("stash", "-q")
    stale.git("switch", "-q", "main")  # from main, the other branch's own changes
    other = cli("diff", "main...feature", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert _kinds(other) == ["price-increased"] and json.loads(other.out)["head"].startswith("feature@")
    sub = cli("diff", "main...feature:catalogs/acme", "--format", "json", "--fail-on", "never",
              cwd=stale.root)
    assert _kinds(sub) == ["price-increased"], sub.err


def test_no_merge_base_exits_2(cli: Cli, stale: AcmeRepo) -> None:
    stale.git("switch", "-q", "--orphan", "lonely")
    stale.git("commit", "-q", "--allow-empty", "-m", "unrelated history")
    res = cli("diff", "main...lonely", cwd=stale.root)
    assert res.code == 2
    assert "no merge base of 'main' and 'lonely'" in res.err and "no changes" not in res.out
    res = cli("diff", "nope...", cwd=stale.root)
    assert res.code == 2 and "unknown revision 'nope'" in res.err


def test_ci_compares_pricebook_yaml_s_base_from_the_merge_base(cli: Cli, stale: AcmeRepo) -> None:
    (stale.root / "pricebook.yaml").write_text("base: main\n", encoding="utf-8")
    res = cli("ci", "--format", "json", cwd=stale.root)
    assert res.code == 1, res.err  # the branch's own price increase, and nothing of main's
    diff = next(s for s in json.loads(res.out)["sections"] if s["name"] == "diff")
    assert [c["kind"] for c in diff["changes"]] == ["price-increased"]
    assert diff["base"].startswith("main@") and diff["base"].endswith("(merge base with HEAD)")
    explicit = cli("ci", "--base", "main", "--format", "json", cwd=stale.root)  # --base: as given
    diff = next(s for s in json.loads(explicit.out)["sections"] if s["name"] == "diff")
    assert "release-removed" in {c["kind"] for c in diff["changes"]}


def test_ci_on_a_pull_request_uses_the_base_branch_s_merge_base(
    cli: Cli, stale: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale.git("update-ref", "refs/remotes/origin/release-train", "main")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # a pull request's base counts in Actions only
    monkeypatch.setenv("GITHUB_BASE_REF", "release-train")
    res = cli("ci", "--format", "json", cwd=stale.root)
    diff = next(s for s in json.loads(res.out)["sections"] if s["name"] == "diff")
    assert [c["kind"] for c in diff["changes"]] == ["price-increased"], res.err
    assert diff["base"].startswith("origin/release-train@")


def test_pricebook_yaml_s_three_dot_base_compares_with_its_b(cli: Cli, stale: AcmeRepo) -> None:
    # base: main...feature in pricebook.yaml, run from main: feature's own change, as the argument gives it
    stale.git("switch", "-q", "main")
    (stale.root / "pricebook.yaml").write_text("base: main...feature\n")
    res = cli("diff", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert res.code == 0, res.err
    assert _kinds(res) == ["price-increased"] and json.loads(res.out)["head"].startswith("feature@")


def test_pricebook_yaml_s_base_reads_the_same_in_diff_ci_and_simulate(cli: Cli, stale: AcmeRepo,
                                                                    tmp_path: Path) -> None:
    # base: main, on the stale feature branch: diff, ci and simulate all compare with the merge base,
    # so a local run gives CI's verdict (main's later release and credit are not the branch's doing)
    (stale.root / "pricebook.yaml").write_text("catalog: catalogs/acme\nbase: main\n")
    diff = cli("diff", "--format", "json", "--fail-on", "never", cwd=stale.root)
    assert diff.code == 0, diff.err
    assert _kinds(diff) == ["price-increased"]
    # Pro USD, 10 seats: (10 - 3) x 12 = 84 of usage, credit 10 at the merge base (main later made it 20):
    # baseline 49 + 84 - 10 = 123, candidate 59 + 84 - 10 = 133: +10.00 (the tip's baseline would give +20.00)
    usage = tmp_path / "u.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-01-05T10:00:00Z,seats,10\n")
    sim = cli("simulate", usage, "--plan", "pro", "-f", "json", cwd=stale.root)
    assert sim.code == 0, sim.err
    (usd,) = json.loads(sim.out)["totals"]
    assert (usd["baseline"], usd["candidate"], usd["delta"]) == ("123.00", "133.00", "10.00")
