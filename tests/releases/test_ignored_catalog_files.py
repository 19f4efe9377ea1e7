"""Catalog files that git ignores: the loader reads them, so the git guards count them as uncommitted
work. rollback refuses (it would empty a file git cannot give back); release --tag refuses (the tag
would point at a commit without it); release without --tag records source_dirty."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pricebook.errors import GuardError
from pricebook.gitrepo import GitRepo
from pricebook.releases import cut_release, read_index
from pricebook.releases.rollback import rollback
from tests.conftest import Git
from tests.releases.conftest import bump, catalog_of

TEAM = ('plans:\n  team: {name: Team, currencies: [USD, EUR],\n'
        '         prices: {platform: {model: flat, amount: {USD: "29.00", EUR: "27.00"}}}}\n')


@pytest.fixture
def ignoring(acme_repo: Git) -> Git:
    """acme with `*.local.yaml` ignored by git, releases a and b (Pro 59) cut and committed."""
    (acme_repo.root / ".gitignore").write_text("*.local.yaml\n*.bak\n")
    acme_repo.commit_all("ignore local drafts")
    cat = catalog_of(acme_repo)
    cut_release(cat, "a", effective=date(2026, 1, 1))
    acme_repo.commit_all("release a")
    bump(cat)
    cut_release(cat, "b", effective=date(2026, 2, 1))
    acme_repo.commit_all("release b")
    return acme_repo


def test_rollback_refuses_an_ignored_catalog_file_and_keeps_it(ignoring: Git) -> None:
    cat = catalog_of(ignoring)
    draft = cat / "plans" / "team.local.yaml"
    draft.write_text(TEAM)
    assert ignoring("status", "--porcelain") == ""  # git does not see it at all
    for dry_run in (True, False):
        with pytest.raises(GuardError) as err:
            rollback(cat, effective=date(2026, 3, 1), dry_run=dry_run)
        message = str(err.value)
        assert "catalogs/acme/plans/team.local.yaml is ignored by git (.gitignore:1:*.local.yaml)" in message
        assert "git add -f" in message and "\n" not in message
    assert draft.read_text() == TEAM  # not emptied
    assert [e.id for e in read_index(cat)] == ["a", "b"]
    assert ignoring("status", "--porcelain") == ""


def test_rollback_names_ignored_files_with_the_other_uncommitted_ones(ignoring: Git) -> None:
    cat = catalog_of(ignoring)
    (cat / "plans" / "team.local.yaml").write_text(TEAM)
    bump(cat, '"59.00"', '"69.00"')
    with pytest.raises(GuardError, match=r"uncommitted changes: catalogs/acme/plans/pro.yaml; .*"
                                         r"and catalogs/acme/plans/team.local.yaml is ignored by git"):
        rollback(cat, effective=date(2026, 3, 1))


def test_ignored_files_the_loader_does_not_read_do_not_block(ignoring: Git) -> None:
    cat = catalog_of(ignoring)
    (cat / "pro.yaml.bak").write_text("not yaml: [\n")  # ignored, and no catalog source
    r = rollback(cat, effective=date(2026, 3, 1))
    assert r.status == "rolled_back" and (cat / "pro.yaml.bak").read_text() == "not yaml: [\n"


def test_cli_rollback_refuses_with_exit_1_and_one_line(cli, ignoring: Git) -> None:
    cat = catalog_of(ignoring)
    (cat / "plans" / "team.local.yaml").write_text(TEAM)
    res = cli("rollback", "--yes", "--catalog", cat)
    assert res.code == 1 and res.out == ""
    assert res.err.count("\n") == 1 and "team.local.yaml is ignored by git" in res.err
    assert (cat / "plans" / "team.local.yaml").read_text() == TEAM


def test_release_tag_refuses_and_release_marks_source_dirty(acme_repo: Git) -> None:
    (acme_repo.root / ".gitignore").write_text("*.local.yaml\n")
    acme_repo.commit_all("ignore local drafts")
    cat = catalog_of(acme_repo)
    (cat / "plans" / "team.local.yaml").write_text(TEAM)
    with pytest.raises(GuardError, match=r"--tag would tag HEAD, which does not hold the catalog being "
                                         r"released: catalogs/acme/plans/team.local.yaml is ignored by git"):
        cut_release(cat, effective=date(2026, 1, 1), tag=True)
    assert not (cat / "releases").exists() and acme_repo("tag", "-l") == ""
    entry = cut_release(cat, effective=date(2026, 1, 1))
    assert entry.source_dirty is True
    snapshot = json.loads((cat / "releases" / f"{entry.id}.json").read_text())
    assert "team" in snapshot["plans"]  # the released catalog holds it; HEAD does not
    assert GitRepo.discover(acme_repo.root).read_file("HEAD", "catalogs/acme/plans/team.local.yaml") is None


def test_a_force_added_file_is_tracked_and_clean(acme_repo: Git) -> None:
    (acme_repo.root / ".gitignore").write_text("*.local.yaml\n")
    cat = catalog_of(acme_repo)
    (cat / "plans" / "team.local.yaml").write_text(TEAM)
    acme_repo("add", "-f", "catalogs/acme/plans/team.local.yaml")
    acme_repo.commit_all("team, committed on purpose")
    entry = cut_release(cat, effective=date(2026, 1, 1), tag=True)
    assert entry.source_dirty is False and acme_repo("tag", "-l") == f"pricebook/{entry.id}"


def test_ignored_files_lists_each_file_under_ignored_folders(git_repo: Git) -> None:
    (git_repo.root / ".gitignore").write_text("drafts/\n")
    (git_repo.root / "cat" / "drafts").mkdir(parents=True)
    (git_repo.root / "cat" / "drafts" / "x.yaml").write_text("{}\n")
    (git_repo.root / "cat" / "a.yaml").write_text("{}\n")
    git_repo("add", ".gitignore")
    git_repo("commit", "-qm", "init")
    repo = GitRepo.discover(git_repo.root)
    assert repo.ignored_files(["cat"]) == ["cat/drafts/x.yaml"]
    assert repo.ignore_rule("cat/drafts/x.yaml") == ".gitignore:1:drafts/"
    assert repo.ignore_rule("cat/a.yaml") is None
    assert repo.dirty_files(["cat"]) == ["cat/a.yaml"]


def test_release_tag_with_an_ignored_file_in_a_catalog_at_the_repo_root(git_repo: Git, cli) -> None:
    assert cli("init", git_repo.root, "--name", "shop").code == 0
    cat = Path(git_repo.root) / "catalogs" / "shop"
    (git_repo.root / ".gitignore").write_text("*.local.yaml\n")
    git_repo.commit_all("init")
    (cat / "plans" / "team.local.yaml").write_text(
        'plans:\n  team: {name: Team, prices: {platform: {model: flat, amount: "29.00"}}}\n')
    res = cli("release", "--effective", "2026-01-01", "--tag", cwd=git_repo.root)
    assert res.code == 1 and "team.local.yaml is ignored by git" in res.err, res.err
    assert git_repo("tag", "-l") == ""
