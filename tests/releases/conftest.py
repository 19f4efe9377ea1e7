"""Fixtures for release tests: the example catalog inside a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ACME, Git


@pytest.fixture
def acme_repo(git_repo: Git) -> Git:
    """A git repo holding catalogs/acme, committed once ("init")."""
    shutil.copytree(ACME, git_repo.root / "catalogs" / "acme")
    git_repo.commit_all("init: acme catalog")
    return git_repo


def catalog_of(repo: Git) -> Path:
    return repo.root / "catalogs" / "acme"


def bump(catalog_dir: Path, old: str = '"49.00"', new: str = '"59.00"', file: str = "plans/pro.yaml") -> None:
    """A small, real price change (Pro's platform fee in USD by default)."""
    p = catalog_dir / file
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
