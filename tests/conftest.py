"""Shared test helpers: the example catalog, in-process CLI runs, real git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "catalogs" / "acme"
SHARED_DATA = ROOT.parent / "shared" / "data"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``pricebook ARGS`` in-process (optionally in ``cwd``) and return code, stdout, stderr."""
    from pricebook.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        capsys.readouterr()
        if cwd is not None:
            monkeypatch.chdir(cwd)
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under root (text is dedented)."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def acme_copy(tmp_path: Path) -> Path:
    """A writable copy of catalogs/acme."""
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    return dst


class Git:
    """A real git repository in a temporary folder, driven with the git CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": os.environ.get("GIT_AUTHOR_DATE", ""),
               "GIT_COMMITTER_DATE": os.environ.get("GIT_COMMITTER_DATE", "")}
        env = {k: v for k, v in env.items() if v != ""}
        res = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, env=env)
        if res.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {res.stderr}")
        return res.stdout.strip()

    def write(self, files: dict[str, str]) -> None:
        write_files(self.root, files)

    def commit_all(self, message: str, author: str | None = None) -> str:
        self("add", "-A")
        args = ["commit", "-q", "-m", message]
        if author:
            args += ["--author", author]
        self(*args)
        return self("rev-parse", "HEAD")


@pytest.fixture
def git_repo(tmp_path: Path) -> Git:
    root = tmp_path / "repo"
    root.mkdir()
    g = Git(root)
    g("init", "-q", "-b", "main")
    g("config", "user.name", "Test Owner")
    g("config", "user.email", "owner@example.com")
    g("config", "commit.gpgsign", "false")
    g("config", "tag.gpgsign", "false")
    return g


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite behaves the same on a laptop and in a GitHub Actions job: pricebook reads these
    variables (annotation paths, step summaries), and a test that wants them sets them itself."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
