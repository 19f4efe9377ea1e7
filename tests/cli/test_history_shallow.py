"""`pricebook history` in a shallow clone (the boundary commit is where the history stops, not where
everything was added), and an ENTITY that names nothing (a typo) exits 2 with a did-you-mean."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pricebook.history import history
from tests.conftest import CliResult, Git
from tests.diff.conftest import CATALOG, AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PRO = "plans/pro.yaml"


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    """Three commits: the acme catalog, Pro's fee up, Free's projects up."""
    repo = make_acme_repo(git_repo)
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "55.00"}')
    repo.commit("Raise the Pro platform fee")
    repo.edit("plans/free.yaml", "projects: 3", "projects: 5")
    repo.commit("More projects on Free")
    return repo


def shallow_clone(repo: AcmeRepo, tmp_path: Path, depth: int) -> Path:
    dest = tmp_path / f"clone-{depth}"
    subprocess.run(["git", "clone", "-q", "--depth", str(depth), f"file://{repo.root}", str(dest)],
                   check=True, capture_output=True)
    return dest


def test_a_shallow_clone_marks_the_boundary_as_truncated_not_added(
    cli: Cli, acme_repo: AcmeRepo, tmp_path: Path
) -> None:
    clone = shallow_clone(acme_repo, tmp_path, 2)
    boundary = Git(clone)("rev-parse", "HEAD~1")
    result = history(clone / CATALOG, "plans.pro")
    [entry] = result.entries  # the fee raise is the boundary: its parent was not fetched
    assert entry.commit.sha == boundary and entry.truncated and entry.changes == []
    assert "git fetch --unshallow" in (entry.note or "")
    assert result.truncated_at == boundary

    res = cli("history", "plans.pro", "--catalog", clone / CATALOG, cwd=clone)
    assert res.code == 0
    assert "plan-added" not in res.out and "history truncated here" in res.out
    [note] = res.err.strip().splitlines()
    assert "shallow clone" in note and "git fetch --unshallow" in note and boundary[:8] in note


def test_the_whole_catalog_in_a_depth_1_clone(cli: Cli, acme_repo: AcmeRepo, tmp_path: Path) -> None:
    clone = shallow_clone(acme_repo, tmp_path, 1)
    res = cli("history", "--format", "json", "--catalog", clone / CATALOG, cwd=clone)
    assert res.code == 0
    out = json.loads(res.out)
    [commit] = out["commits"]
    assert commit["truncated"] is True and commit["changes"] == []
    assert out["truncated_at"] == commit["sha"]
    assert "git fetch --unshallow" in res.err


def test_commits_after_the_boundary_are_compared_as_usual(acme_repo: AcmeRepo, tmp_path: Path) -> None:
    clone = shallow_clone(acme_repo, tmp_path, 2)
    entries = history(clone / CATALOG).entries
    assert [c.kind for c in entries[0].changes] == ["entitlement-limit-raised"]
    assert entries[1].truncated and not entries[0].truncated
    # an entity added after the boundary is complete: the boundary is not listed for it
    acme_repo.write("plans/team.yaml", "plans:\n  team:\n    name: Team\n    prices:\n"
                    "      platform: {model: flat, amount: \"5.00\"}\n")
    acme_repo.commit("Add Team")
    clone = shallow_clone(acme_repo, tmp_path / "again", 2)
    [added] = history(clone / CATALOG, "plans.team").entries
    assert [c.kind for c in added.changes] == ["plan-added"] and not added.truncated


def test_a_full_clone_is_not_truncated(acme_repo: AcmeRepo) -> None:
    result = history(acme_repo.catalog, "plans.pro")
    assert result.truncated_at is None
    assert [c.kind for c in result.entries[-1].changes] == ["plan-added"]


@pytest.mark.parametrize(
    ("entity", "suggestion"),
    [
        ("plans.por", "plans.pro"),
        ("skus.api-call", "skus.api-calls"),
        ("plans.pro.prices.platfrom", "plans.pro.prices.platform"),
    ],
)
def test_an_unknown_entity_exits_2_with_a_did_you_mean(
    cli: Cli, acme_repo: AcmeRepo, entity: str, suggestion: str
) -> None:
    res = cli("history", entity, "--catalog", acme_repo.catalog, cwd=acme_repo.root)
    assert res.code == 2 and res.out == ""
    assert f"unknown entity '{entity}'; did you mean '{suggestion}'?" in res.err


def test_only_entities_that_exist_nowhere_are_unknown(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("history", "plans.team", "--catalog", acme_repo.catalog, cwd=acme_repo.root)
    assert res.code == 2 and "unknown entity 'plans.team'" in res.err
    # only in the working tree (not committed yet): exists, no commit changed it
    acme_repo.write("plans/team.yaml", "plans:\n  team:\n    name: Team\n    prices:\n"
                    "      platform: {model: flat, amount: \"5.00\"}\n")
    res = cli("history", "plans.team", "--catalog", acme_repo.catalog, cwd=acme_repo.root)
    assert res.code == 0 and "no commits changed plans.team" in res.out
    # gone today, but in the history
    acme_repo.remove("plans/team.yaml")
    acme_repo.edit("catalog.yaml", "  support: {name: Priority support}\n", "")
    acme_repo.edit("add_ons.yaml", "      support: {model: flat, amount: {USD: \"99.00\", EUR: \"89.00\"}}",
                   "      platform: {model: flat, amount: {USD: \"99.00\", EUR: \"89.00\"}}")
    acme_repo.commit("Drop the support SKU")
    res = cli("history", "skus.support", "--catalog", acme_repo.catalog, cwd=acme_repo.root)
    assert res.code == 0 and "sku-removed" in res.out


def test_a_linked_worktree_of_a_shallow_clone_is_shallow_too(acme_repo: AcmeRepo, tmp_path: Path) -> None:
    # git keeps the shallow list in the common dir; a `git worktree add` checkout's own git dir has none
    clone = shallow_clone(acme_repo, tmp_path, 2)
    linked = tmp_path / "linked"
    Git(clone)("worktree", "add", "-q", "--detach", str(linked))
    result = history(linked / CATALOG, "plans.pro")
    [entry] = result.entries
    assert entry.truncated and entry.changes == []


def test_the_summary_does_not_count_the_truncated_boundary_as_a_change(
    cli: Cli, acme_repo: AcmeRepo, tmp_path: Path
) -> None:
    clone = shallow_clone(acme_repo, tmp_path, 1)
    boundary = Git(clone)("rev-parse", "HEAD")
    res = cli("history", "plans.free", "--catalog", clone / CATALOG, cwd=clone)
    assert res.code == 0
    assert "history truncated here" in res.out  # the boundary is still listed
    last = res.out.strip().splitlines()[-1]
    assert "1 commit changed" not in res.out
    assert last == (f"no commit in the fetched history changed plans.free; history truncated at "
                    f"{boundary[:8]}")
    # with one compared commit above the boundary, only that one is counted
    clone = shallow_clone(acme_repo, tmp_path / "two", 2)
    res = cli("history", "--catalog", clone / CATALOG, cwd=clone)
    assert res.code == 0
    boundary = Git(clone)("rev-parse", "HEAD~1")
    assert res.out.strip().splitlines()[-1] == (
        f"1 commit in the fetched history changed catalog catalogs/acme; history truncated at {boundary[:8]}"
    )
