"""Finding locations for GitHub and CI tools (annotations, SARIF, JUnit) are paths from the root of
the git work tree, whatever folder the command ran in; and `pricebook ci`'s job summary in GitHub
Actions never changes the check's result."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PRO = "plans/pro.yaml"
WHERE = "catalogs/acme/plans/pro.yaml"


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


def _raise_pro(repo: AcmeRepo) -> None:
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')


def _unknown_sku(repo: AcmeRepo) -> None:
    repo.edit(PRO, "    prices:\n", '    prices:\n      ghost: {model: flat, amount: "1.00"}\n')


def test_ci_annotations_from_the_catalog_folder(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _raise_pro(acme_repo)
    _unknown_sku(acme_repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.catalog)
    assert res.code == 1, res.err
    lines = [ln for ln in res.out.splitlines() if ln.startswith("::")]
    assert any("PB101" in ln for ln in lines) and any("price-increased" in ln for ln in lines)
    assert any(f"file={WHERE}," in ln for ln in lines)
    for ln in lines:  # enterprise extends pro: it inherits the unknown SKU's price
        assert ln.split(" ", 1)[1].startswith("file=catalogs/acme/plans/"), ln


@pytest.mark.parametrize("fmt", ["github", "sarif", "junit"])
def test_diff_findings_from_a_subfolder(cli: Cli, acme_repo: AcmeRepo, fmt: str) -> None:
    (acme_repo.root / "pricebook.yaml").write_text("catalog: catalogs/acme\n", encoding="utf-8")
    acme_repo.commit("settings")
    _raise_pro(acme_repo)
    res = cli("diff", "HEAD", "--format", fmt, cwd=acme_repo.catalog / "plans")
    assert res.code == 1, res.err
    if fmt == "github":
        assert f"::error file={WHERE},line=8," in res.out
    elif fmt == "sarif":
        [result] = json.loads(res.out)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == WHERE
    else:
        [case] = ET.fromstring(res.out).iter("testcase")
        assert case.get("file") == WHERE and case.get("classname") == WHERE


def test_diff_of_two_git_refs_from_a_subfolder_in_actions(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read from git (``REF:path``) hold the path from the repository root, not from the
    current folder: they are placed from the root as they are, also with $GITHUB_WORKSPACE set."""
    (acme_repo.root / "pricebook.yaml").write_text("catalog: catalogs/acme\n", encoding="utf-8")
    acme_repo.commit("settings")
    _raise_pro(acme_repo)
    acme_repo.commit("raise pro")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(acme_repo.root))
    res = cli("diff", "HEAD~1", "HEAD", "--format", "sarif", cwd=acme_repo.catalog / "plans")
    assert res.code == 1, res.err
    [result] = json.loads(res.out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == WHERE
    res = cli("diff", "HEAD~1", "HEAD", "--format", "github", cwd=acme_repo.catalog / "plans")
    assert f"::error file={WHERE},line=8," in res.out


@pytest.mark.parametrize("fmt", ["github", "sarif", "junit"])
def test_validate_findings_from_a_subfolder(cli: Cli, acme_repo: AcmeRepo, fmt: str) -> None:
    _unknown_sku(acme_repo)
    res = cli("validate", "..", "--format", fmt, cwd=acme_repo.catalog / "plans")
    assert res.code == 1, res.err
    if fmt == "github":
        files = {ln.split("file=", 1)[1].split(",", 1)[0] for ln in res.out.splitlines() if "PB101" in ln}
    elif fmt == "sarif":
        files = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 for r in json.loads(res.out)["runs"][0]["results"] if r["ruleId"] == "PB101"}
    else:
        files = {str(c.get("file")) for c in ET.fromstring(res.out).iter("testcase")
                 if c.find("failure") is not None}
    assert files == {WHERE, "catalogs/acme/plans/enterprise.yaml"}  # enterprise extends pro


def test_repository_root_wins_over_a_workspace_above_it(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """actions/checkout with `path:` puts the repository in a subfolder of $GITHUB_WORKSPACE; GitHub
    still wants paths from the repository's root."""
    _unknown_sku(acme_repo)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(acme_repo.root.parent))
    res = cli("validate", "--format", "github", cwd=acme_repo.root)
    assert f"file={WHERE},line=" in res.out, res.out


def test_an_unwritable_step_summary_is_a_warning(
    cli: Cli, acme_repo: AcmeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _raise_pro(acme_repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = tmp_path / "gone" / "s.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 1, res.err  # the failing check, not "could not run"
    assert f"::error file={WHERE},line=8," in res.out and "pricebook ci: failed" in res.out
    [warning] = [ln for ln in res.err.splitlines() if "GITHUB_STEP_SUMMARY" in ln]
    assert warning.startswith("pricebook: warning:") and str(summary) in warning
    acme_repo.git("checkout", "-q", "--", ".")
    assert cli("ci", "--base", "HEAD", cwd=acme_repo.root).code == 0  # and a passing one passes
