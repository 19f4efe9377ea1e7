"""``compare`` with a BASE commit that has no catalog at HEAD's path: an empty catalog, as ``history``
reads the commit that adds one; everything else that cannot be read still raises."""

from __future__ import annotations

import shutil

import pytest

from pricebook.diff import compare, with_note
from pricebook.errors import GitError
from pricebook.history import history
from pricebook.load.revision import CatalogAbsent
from tests.conftest import ACME, Git

CATALOG = "catalogs/acme"


@pytest.fixture
def added(git_repo: Git) -> Git:
    git_repo.write({"README": "hi\n", f"{CATALOG}/README.md": "the catalog goes here\n"})
    git_repo.commit_all("readme")  # the folder exists already, with no catalog files in it
    shutil.copytree(ACME, git_repo.root / CATALOG, dirs_exist_ok=True)
    rel = git_repo.root / CATALOG / "releases"
    rel.mkdir()
    (rel / "2026.01.01.json").write_text("{}\n", encoding="utf-8")
    git_repo.commit_all("add the catalog")
    return git_repo


def test_everything_is_added_as_history_says(added: Git, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(added.root)
    result = compare("HEAD~1", "HEAD", added.root / CATALOG)
    assert not result.base_has_catalog and result.base_missing_at == CATALOG
    assert result.base_catalog is None and result.head_catalog is not None
    assert result.note == f"base: {result.base} has no catalog at {CATALOG}: everything is added"
    assert result.to_dict()["base_has_catalog"] is False
    kinds = [c.kind for c in result.changes]
    assert "catalog-added" in kinds and "release-added" in kinds
    assert {c.severity for c in result.changes} == {"info"} and not result.fails("breaking")
    entry = history(added.root / CATALOG).entries[0]  # newest first: the commit that added it
    assert [(c.kind, c.path) for c in result.changes] == [(c.kind, c.path) for c in entry.changes]
    md = with_note("### Pricing changes\n\nbody\n", result)
    assert md == f"### Pricing changes\n\n> ℹ️ {result.note}\n\nbody\n"


def test_a_catalog_at_both_sides_has_no_note(added: Git, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(added.root)
    result = compare("HEAD", None, added.root / CATALOG)
    assert result.base_has_catalog and result.note is None and result.changes == []
    assert with_note("x\n\ny\n", result) == "x\n\ny\n"


def test_another_path_or_no_head_catalog_still_raises(added: Git, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(added.root)
    with pytest.raises(CatalogAbsent, match="'catalogs/typo' does not exist at HEAD~1"):
        compare("HEAD~1:catalogs/typo", None, added.root / CATALOG)
    with pytest.raises(GitError, match="unknown revision"):
        compare("no-such-ref", None, added.root / CATALOG)
    with pytest.raises(Exception, match="HEAD cannot be loaded either"):
        compare("HEAD~1", "HEAD~1:catalogs/typo", added.root / CATALOG)
