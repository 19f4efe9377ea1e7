"""Fixtures for the diff tests: the example catalog committed in a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ACME, Git

CATALOG = "catalogs/acme"


class AcmeRepo:
    """A git repository holding catalogs/acme, with small text edits and commits."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self.root = git.root
        self.catalog = git.root / CATALOG

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        p = self.catalog / rel
        text = p.read_text(encoding="utf-8")
        assert text.count(old) >= 1, f"{old!r} not in {rel}"
        p.write_text(text.replace(old, new, count), encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        p = self.catalog / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def remove(self, rel: str) -> None:
        (self.catalog / rel).unlink()

    def commit(self, message: str) -> str:
        return self.git.commit_all(message)


def make_acme_repo(git_repo: Git) -> AcmeRepo:
    """catalogs/acme copied into ``git_repo`` and committed (test modules outside tests/diff wrap
    this in their own fixture)."""
    shutil.copytree(ACME, git_repo.root / CATALOG)
    repo = AcmeRepo(git_repo)
    repo.commit("Add the acme catalog")
    return repo


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


@pytest.fixture
def catalog_dir(acme_repo: AcmeRepo) -> Path:
    return acme_repo.catalog
