"""A path the file system refuses (a file where a folder must be, a folder that is not there) stops
any command with exit 2 and one line naming the path: never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("args", [("schema", "--out", "{f}/sub"), ("init", "{f}/sub")])
def test_a_file_where_a_folder_must_be(cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "afile").write_text("x")
    r = cli(*(a.format(f=tmp_path / "afile") for a in args))
    assert r.code == 2, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pricebook: error: '") and "afile" in lines[0], r.err
    assert "internal error" not in r.err


def test_a_step_summary_in_a_missing_folder(cli, git_repo, tmp_path: Path, monkeypatch) -> None:
    from tests.diff.conftest import make_acme_repo

    repo = make_acme_repo(git_repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "gone" / "s.md"))
    r = cli("ci", "--base", "HEAD", cwd=repo.root)
    # the summary is a side output: a warning naming the variable, and the check keeps its own result
    assert r.code == 0 and "GITHUB_STEP_SUMMARY" in r.err and str(tmp_path / "gone" / "s.md") in r.err, r.err
