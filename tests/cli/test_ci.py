"""`pricebook ci`: validation + diff against the base, one exit code, GitHub summary and annotations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pricebook.ci import SECTIONS, CiContext, SectionResult, run_ci
from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


PRO = "plans/pro.yaml"


def _raise_pro(repo: AcmeRepo) -> None:
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')


def test_passes_without_changes(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 0, res.err
    assert "validate: valid" in res.out and "no changes" in res.out and "pricebook ci: passed" in res.out


def test_a_breaking_change_fails_the_check(cli: Cli, acme_repo: AcmeRepo) -> None:
    _raise_pro(acme_repo)
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 1
    assert "price-increased" in res.out and "pricebook ci: failed: Pricing changes" in res.out
    assert cli("ci", "--base", "HEAD", "--fail-on", "never", cwd=acme_repo.root).code == 0


def test_default_base_is_origin_main_and_its_absence_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("ci", cwd=acme_repo.root)
    assert res.code == 2
    assert "origin/main" in res.err and "git fetch origin main" in res.err
    assert "passed" not in res.out


def test_base_from_settings(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.git("branch", "stable")
    _raise_pro(acme_repo)
    acme_repo.commit("raise pro")
    (acme_repo.root / "pricebook.yaml").write_text("base: stable\n", encoding="utf-8")
    res = cli("ci", "--format", "json", cwd=acme_repo.root)
    assert res.code == 1
    data = json.loads(res.out)
    assert data["passed"] is False
    diff = next(s for s in data["sections"] if s["name"] == "diff")
    assert diff["status"] == "failed" and diff["base"].startswith("stable@")
    assert [c["kind"] for c in diff["changes"]] == ["price-increased"]


def test_validation_errors_fail_the_check(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(
        "plans/free.yaml",
        "    entitlements:",
        '      ghost: {model: flat, amount: "1.00"}\n    entitlements:',
    )
    res = cli("ci", "--base", "HEAD", "--fail-on", "never", cwd=acme_repo.root)
    assert res.code == 1
    assert "validate: invalid" in res.out and "PB101" in res.out
    assert "pricebook ci: failed: Validation" in res.out


def test_a_head_that_does_not_load_skips_the_diff(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, "    prices:\n", "    prices: [\n")
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 1
    assert "PB001" in res.out and "not compared: HEAD does not load" in res.out
    assert "no changes" not in res.out


def test_in_github_actions_writes_the_summary_and_annotations(
    cli: Cli, acme_repo: AcmeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _raise_pro(acme_repo)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 1
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("earlier step\n")  # appended, never overwritten
    assert "## ❌ pricebook ci: failed: Pricing changes" in md
    assert "### Validation" in md and "| 🔴 breaking | `price-increased` |" in md
    assert res.out.startswith("::error file=catalogs/acme/plans/pro.yaml,line=8,")


def test_markdown_format(cli: Cli, acme_repo: AcmeRepo) -> None:
    _raise_pro(acme_repo)
    md = cli("ci", "--base", "HEAD", "--format", "markdown", cwd=acme_repo.root).out
    assert md.index("### Validation") < md.index("### Pricing changes")


def test_a_new_section_is_one_function(acme_repo: AcmeRepo) -> None:
    def extra(ctx: CiContext) -> SectionResult:
        assert ctx.state["diff"].head_catalog is not None  # later sections see earlier results
        return SectionResult("extra", "Extra check", "failed", "extra: failed", "### Extra\n")

    result = run_ci(acme_repo.catalog, "HEAD", "breaking", sections=[*SECTIONS, extra])
    assert result.exit_code == 1 and result.verdict() == "failed: Extra check"
    assert result.markdown().endswith("### Extra\n")


def test_the_validate_line_counts_in_the_singular_and_plural(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit("plans/free.yaml", "    entitlements:",
                   '      ghost: {model: flat, amount: "1.00"}\n    entitlements:')  # one error
    res = cli("ci", "--base", "HEAD", "--fail-on", "never", cwd=acme_repo.root)
    assert ", 1 error, 0 warnings" in res.out, res.out  # was "1 errors"
