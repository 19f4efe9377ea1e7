"""The pull request that adds the catalog: its base branch has no catalog yet, and `ci` (and `diff`)
compare it with an empty catalog instead of failing with "does not exist" (exit 2)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ACME, ROOT, CliResult, Git

Cli = Callable[..., CliResult]
CATALOG = "catalogs/acme"


@pytest.fixture
def first_pr(git_repo: Git) -> Git:
    """main holds only a README (pushed: ``origin/main``); branch ``add-pricing`` adds the acme
    catalog and a pricebook.yaml, committed, as the first pricing pull request does."""
    git_repo.write({"README": "hi\n"})
    git_repo.commit_all("readme")
    git_repo("update-ref", "refs/remotes/origin/main", "main")
    git_repo("checkout", "-q", "-b", "add-pricing")
    shutil.copytree(ACME, git_repo.root / CATALOG)
    git_repo.write({"pricebook.yaml": f"catalog: {CATALOG}\nbase: origin/main\n"})
    git_repo.commit_all("pricing")
    return git_repo


def _in_pull_request(monkeypatch: pytest.MonkeyPatch, summary: Path | None = None) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    if summary is not None:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))


def _section(res: CliResult, name: str) -> dict:
    return next(s for s in json.loads(res.out)["sections"] if s["name"] == name)


def test_ci_passes_the_pull_request_that_adds_the_catalog(
    cli: Cli, first_pr: Git, monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_pull_request(monkeypatch)
    res = cli("ci", "--format", "json", cwd=first_pr.root)
    assert res.code == 0, res.err
    diff = _section(res, "diff")
    assert diff["status"] == "passed"
    assert diff["base_has_catalog"] is False
    assert diff["base"].startswith("origin/main@") and "merge base with HEAD" in diff["base"]
    assert diff["note"] == f"base: {diff['base']} has no catalog at {CATALOG}: everything is added"
    kinds = {c["kind"] for c in diff["changes"]}
    assert "catalog-added" in kinds and {"plan-added", "sku-added", "meter-added"} <= kinds
    assert kinds <= {"catalog-added", "plan-added", "sku-added", "meter-added", "feature-added",
                     "add-on-added", "grandfathering-added", "release-added"}
    assert {c["severity"] for c in diff["changes"]} == {"info"}
    # a stricter threshold still sees them: nothing was hidden to make the check pass
    assert cli("ci", "--fail-on", "info", cwd=first_pr.root).code == 1


def test_ci_says_why_in_the_log_and_the_summary(
    cli: Cli, first_pr: Git, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    _in_pull_request(monkeypatch, summary)
    res = cli("ci", cwd=first_pr.root)  # in Actions: github annotations, then the verdict
    assert res.code == 0, res.err
    assert "pricebook ci: passed" in res.out
    notice = next(ln for ln in res.out.splitlines() if "title=base-has-no-catalog" in ln)
    assert notice.startswith("::notice ") and f"has no catalog at {CATALOG}: everything is added" in notice
    md = summary.read_text(encoding="utf-8")
    assert "> ℹ️ base: origin/main@" in md and f"has no catalog at {CATALOG}: everything is added" in md
    res = cli("ci", "--format", "text", cwd=first_pr.root)
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("diff origin/main@"))
    assert lines[head + 1].strip().startswith("base: origin/main@")
    assert lines[head + 1].strip().endswith(f"has no catalog at {CATALOG}: everything is added")


def test_diff_head_1_compares_with_an_empty_catalog_as_history_does(cli: Cli, first_pr: Git) -> None:
    res = cli("diff", "HEAD~1", "--format", "json", cwd=first_pr.root)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["base_has_catalog"] is False and data["summary"]["breaking"] == 0
    assert data["note"].startswith("base: HEAD~1@") and data["note"].endswith(
        f"has no catalog at {CATALOG}: everything is added")
    history = json.loads(cli("history", "--format", "json", cwd=first_pr.root).out)
    (commit,) = history["commits"]  # the one commit that added the catalog
    assert sorted((c["kind"], c["path"]) for c in data["changes"]) == sorted(
        (c["kind"], c["path"]) for c in commit["changes"])

    text = cli("diff", "HEAD~1", cwd=first_pr.root)
    assert text.code == 0, text.err
    assert "catalog-added" in text.out
    assert text.out.rstrip().splitlines()[-1].startswith("base: HEAD~1@")
    assert f"has no catalog at {CATALOG}: everything is added" in text.out

    md = cli("diff", "HEAD~1", "--format", "markdown", cwd=first_pr.root)
    assert md.code == 0, md.err
    heading, blank, note = md.out.splitlines()[:3]
    assert heading.startswith("### Pricing changes: `HEAD~1@") and blank == ""
    assert note.startswith("> ℹ️ base: HEAD~1@") and note.endswith("everything is added")

    gh = cli("diff", "HEAD~1", "--format", "github", cwd=first_pr.root)
    assert gh.code == 0 and "title=catalog-added" in gh.out
    assert "everything is added" in gh.err and "everything is added" not in gh.out


def test_ci_skips_the_revenue_impact_with_its_reason(
    cli: Cli, first_pr: Git, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same pull request adds a usage sample: with no baseline prices there is no revenue change
    shutil.copytree(ROOT / "examples" / "usage", first_pr.root / "usage")
    first_pr.write({"pricebook.yaml": f"""\
        catalog: {CATALOG}
        base: origin/main
        usage:
          sample: usage/sample.csv
          subscriptions: usage/subscriptions.csv
        """})
    first_pr.commit_all("usage sample")
    _in_pull_request(monkeypatch)
    res = cli("ci", "--format", "json", cwd=first_pr.root)
    assert res.code == 0, res.err
    revenue = _section(res, "revenue")
    assert revenue["status"] == "skipped" and "simulation" not in revenue
    assert "has no catalog at catalogs/acme" in revenue["skipped"]
    assert "no baseline prices to compare revenue with" in revenue["skipped"]
    text = cli("ci", "--format", "text", cwd=first_pr.root)
    assert text.code == 0, text.err
    assert "revenue impact: not simulated: the base (origin/main@" in text.out
    md = cli("ci", "--format", "markdown", cwd=first_pr.root)
    assert "### Revenue impact\n\nnot simulated: the base (origin/main@" in md.out


def test_the_errors_stay_errors(cli: Cli, first_pr: Git) -> None:
    root = first_pr.root
    res = cli("diff", "no-such-ref", cwd=root)
    assert res.code == 2 and "unknown revision 'no-such-ref'" in res.err
    # REF:path naming another path than HEAD's: a typo, not a new catalog
    res = cli("diff", "HEAD~1:catalogs/acme-typo", cwd=root)
    assert res.code == 2 and "'catalogs/acme-typo' does not exist at HEAD~1" in res.err
    res = cli("diff", "HEAD:catalogs/acme-typo", cwd=root)
    assert res.code == 2 and "'catalogs/acme-typo' does not exist at HEAD" in res.err
    # in neither BASE nor HEAD
    res = cli("diff", "HEAD~1", "HEAD:catalogs/acme-typo", cwd=root)
    assert res.code == 2
    assert "'catalogs/acme' does not exist at HEAD~1" in res.err and "HEAD cannot be loaded" in res.err
    assert "catalogs/acme-typo" in res.err and "no changes" not in res.out
    # release and path bases are as before
    res = cli("diff", "release:2099.01.01", cwd=root)
    assert res.code == 2 and "release '2099.01.01' not found" in res.err
    shutil.copytree(ACME, root.parent / "copy")
    res = cli("diff", str(root.parent / "copy"), "--format", "json", cwd=root)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["changes"] == [] and data["base_has_catalog"] is True and data["note"] is None


def test_no_catalog_in_the_repository_at_all_is_an_error(cli: Cli, git_repo: Git) -> None:
    git_repo.write({"README": "hi\n"})
    git_repo.commit_all("readme")
    git_repo.write({"NOTES": "more\n"})
    git_repo.commit_all("notes")
    res = cli("diff", "HEAD~1", cwd=git_repo.root)
    assert res.code == 2
    assert "cannot compare" in res.err and "no catalog files" in res.err


def test_a_base_whose_catalog_does_not_load_is_still_an_error(
    cli: Cli, git_repo: Git, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ACME, git_repo.root / CATALOG)
    pro = git_repo.root / CATALOG / "plans" / "pro.yaml"
    good = pro.read_text(encoding="utf-8")
    pro.write_text(good.replace("    prices:\n", "    prices: [\n", 1), encoding="utf-8")
    git_repo.commit_all("a broken catalog on main")
    git_repo("update-ref", "refs/remotes/origin/main", "main")
    git_repo("checkout", "-q", "-b", "fix")
    pro.write_text(good, encoding="utf-8")
    git_repo.commit_all("fix it")
    _in_pull_request(monkeypatch)
    res = cli("ci", cwd=git_repo.root)
    assert res.code == 2 and "does not load" in res.err and "passed" not in res.out


def test_simulate_s_default_baseline_says_the_base_has_no_catalog_yet(
    cli: Cli, first_pr: Git, tmp_path: Path
) -> None:
    """simulate derives the same base as ci; there it has nothing to price the baseline with, and says
    so with what to do, not "'catalogs/acme' does not exist at <sha>"."""
    usage = tmp_path / "u.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-01-05,seats,4\n", encoding="utf-8")
    res = cli("simulate", str(usage), "--plan", "pro", cwd=first_pr.root)
    assert res.code == 2 and res.out == ""
    assert "pricebook.yaml base 'origin/main...' has no catalog at catalogs/acme, so there are no " \
           "baseline prices to compare with; give --baseline PATH" in res.err, res.err
    assert cli("simulate", str(usage), "--plan", "pro", "--baseline", CATALOG, cwd=first_pr.root).code == 0


def test_a_mistyped_baseline_outside_git_names_the_option(cli: Cli, tmp_path: Path) -> None:
    """'bsae' for 'base' outside a repository said only "'base' is not inside a git repository"."""
    shutil.copytree(ACME, tmp_path / "base")
    usage = tmp_path / "u.csv"
    usage.write_text("customer_id,timestamp,meter,quantity\nc1,2026-01-05,seats,4\n", encoding="utf-8")
    res = cli("simulate", str(usage), "--plan", "pro", "-c", "base", "--baseline", "bsae", "--candidate",
              "base", cwd=tmp_path)
    assert res.code == 2 and res.out == ""
    assert "--baseline 'bsae' is neither a catalog folder here nor a git revision" in res.err, res.err
