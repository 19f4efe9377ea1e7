"""The catalog files `pricebook rollback` writes from a release snapshot pass `pricebook fmt --check`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import Git
from tests.releases.conftest import bump, catalog_of


def test_a_rollback_from_a_shallow_clone_is_fmt_clean(cli, acme_repo: Git, tmp_path: Path) -> None:
    cat = catalog_of(acme_repo)
    assert cli("release", "a", "--effective", "2026-01-01", "--catalog", cat).code == 0
    acme_repo.commit_all("release a")
    bump(cat)
    assert cli("release", "b", "--effective", "2026-02-01", "--catalog", cat).code == 0
    acme_repo.commit_all("release b")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{acme_repo.root}", str(clone)],
                   check=True)
    cloned = clone / "catalogs" / "acme"
    res = cli("rollback", "--to", "a", "--yes", "--effective", "2026-03-01", "--catalog", cloned)
    assert res.code == 0, res.out + res.err
    assert "wrote the release snapshot back" in res.out
    res = cli("fmt", "--check", cloned)
    assert res.code == 0, res.out


def test_a_rollback_to_a_release_cut_from_uncommitted_edits_is_fmt_clean(cli, git_repo: Git) -> None:
    assert cli("init", git_repo.root, "--name", "shop").code == 0
    git_repo.commit_all("init")
    cat = git_repo.root / "catalogs" / "shop"
    bump(cat, '"49.00"', '"59.00"')  # released, never committed: no commit reproduces release a
    assert cli("release", "a", "--effective", "2026-01-01", cwd=git_repo.root).code == 0
    bump(cat, '"59.00"', '"69.00"')
    git_repo.commit_all("Pro 69")
    assert cli("release", "b", "--effective", "2026-02-01", cwd=git_repo.root).code == 0
    git_repo.commit_all("release b")
    res = cli("rollback", "--yes", "--effective", "2026-03-01", cwd=git_repo.root)
    assert res.code == 0, res.out + res.err
    assert "wrote the release snapshot back" in res.out
    res = cli("fmt", "--check", cwd=git_repo.root)
    assert res.code == 0, res.out
    assert cli("validate", cwd=git_repo.root).code == 0
