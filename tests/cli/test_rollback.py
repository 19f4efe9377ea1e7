"""`pricebook rollback` scripted from a shell: the real executable, no terminal, JSON out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ACME, ROOT, Git
from tests.releases.conftest import bump, catalog_of

PRICEBOOK = Path(sys.executable).parent / "pricebook"
if not PRICEBOOK.exists():  # pragma: no cover - running outside the project's venv
    PRICEBOOK = ROOT / ".venv" / "bin" / "pricebook"


@pytest.fixture
def acme_repo(git_repo: Git) -> Git:
    shutil.copytree(ACME, git_repo.root / "catalogs" / "acme")
    git_repo.commit_all("init: acme catalog")
    return git_repo


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(PRICEBOOK), *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, timeout=120)


def test_scripted_rollback_without_a_terminal(acme_repo) -> None:
    root = acme_repo.root
    assert run("release", "--effective", "2026-01-01", "--tag", cwd=root).returncode == 0
    acme_repo.commit_all("release 2026.01.01")
    bump(catalog_of(acme_repo))
    acme_repo.commit_all("raise pro")
    assert run("release", "--effective", "2026-06-01", cwd=root).returncode == 0
    acme_repo.commit_all("release 2026.06.01")
    commits = int(acme_repo("rev-list", "--count", "HEAD"))

    # no terminal and no --yes: refuses, writes nothing
    r = run("rollback", "--commit", "--format", "json", cwd=root)
    assert r.returncode == 1 and "--yes" in r.stderr and r.stdout == ""
    assert acme_repo("status", "--porcelain") == ""

    script = root / "rollback.sh"
    script.write_text("#!/bin/sh\nset -e\n"
                      f"'{PRICEBOOK}' rollback --effective 2026-07-01T00:00:00Z --commit --yes "
                      "--format json\n")
    script.chmod(0o755)
    r = subprocess.run([str(script)], cwd=root, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    assert r.returncode == 0, r.err
    out = json.loads(r.stdout)
    assert out["status"] == "rolled_back" and out["written"] is True
    assert (out["target"], out["replaced"]) == ("2026.01.01", "2026.06.01")
    assert out["release"]["id"] == "2026.07.01" and out["release"]["rollback_of"] == "2026.06.01"
    assert out["method"] == "git" and out["commit"] == acme_repo("rev-parse", "HEAD")
    assert {f["action"] for f in out["files"]} == {"restored", "release", "index"}
    assert int(acme_repo("rev-list", "--count", "HEAD")) == commits + 1

    script.unlink()
    again = run("rollback", "--commit", "--yes", "--format", "json", cwd=root)
    assert again.returncode == 0
    second = json.loads(again.stdout)
    assert second["status"] == "already_at" and second["written"] is False and second["files"] == []
    assert "already at 2026.01.01" in second["message"]
    assert int(acme_repo("rev-list", "--count", "HEAD")) == commits + 1

    v = run("validate", cwd=root)
    assert v.returncode == 0, v.stdout
