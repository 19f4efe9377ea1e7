"""`pricebook ci --format X` inside GitHub Actions: stdout is X, the annotations go to stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
ANNOTATION = "::error file=catalogs/acme/plans/pro.yaml,line=8,"


@pytest.fixture
def raised(git_repo: Git) -> AcmeRepo:
    """acme committed, then Pro's platform fee raised in the working tree (a breaking change)."""
    repo = make_acme_repo(git_repo)
    repo.edit("plans/pro.yaml", '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    return repo


@pytest.fixture
def in_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def test_json_in_actions_keeps_stdout_json_and_annotates_on_stderr(
    cli: Cli, raised: AcmeRepo, in_actions: Path
) -> None:
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=raised.root)
    assert res.code == 1
    data = json.loads(res.out)  # nothing but the JSON document on stdout
    assert data["passed"] is False
    assert "::" not in res.out
    assert res.err.startswith(ANNOTATION)
    assert "price-increased" in res.err
    assert "## ❌ pricebook ci" in in_actions.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_other_formats_in_actions_annotate_on_stderr(
    cli: Cli, raised: AcmeRepo, in_actions: Path, fmt: str
) -> None:
    res = cli("ci", "--base", "HEAD", "--format", fmt, cwd=raised.root)
    assert res.code == 1
    assert "::error" not in res.out
    assert ANNOTATION in res.err


def test_github_format_annotates_once_on_stdout(cli: Cli, raised: AcmeRepo, in_actions: Path) -> None:
    res = cli("ci", "--base", "HEAD", "--format", "github", cwd=raised.root)
    assert res.out.startswith(ANNOTATION) and res.out.count("::error") == 1
    assert "::" not in res.err


def test_outside_actions_json_has_no_annotations(cli: Cli, raised: AcmeRepo) -> None:
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=raised.root)
    assert json.loads(res.out)["passed"] is False
    assert "::" not in res.err


def test_a_clean_run_in_actions_prints_no_annotations(cli: Cli, git_repo: Git, in_actions: Path) -> None:
    repo = make_acme_repo(git_repo)
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=repo.root)
    assert res.code == 0 and json.loads(res.out)["passed"] is True
    assert res.err == ""
