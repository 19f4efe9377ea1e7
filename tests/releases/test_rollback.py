"""rollback: target choice, guards, shallow clones, and never deleting."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pricebook.errors import GuardError, UsageError
from pricebook.load import load_catalog
from pricebook.load.dump import catalog_to_data
from pricebook.releases import cut_release, read_index
from pricebook.releases.rollback import rollback
from tests.conftest import write_files
from tests.releases.conftest import bump, catalog_of


def loaded(cat: Path) -> dict:
    return catalog_to_data(load_catalog(cat).catalog)


def snapshot(cat: Path, rid: str) -> dict:
    return json.loads((cat / "releases" / f"{rid}.json").read_text())


@pytest.fixture
def three(acme_repo):
    """Releases a (launch), b (Pro 59), c (Pro 69 plus a new file), each committed."""
    cat = catalog_of(acme_repo)
    cut_release(cat, "a", effective=date(2026, 1, 1))
    acme_repo.commit_all("release a")
    bump(cat)
    cut_release(cat, "b", effective=date(2026, 2, 1))
    acme_repo.commit_all("release b")
    bump(cat, '"59.00"', '"69.00"')
    write_files(cat, {"plans/team.yaml": "plans:\n  team:\n    currencies: [USD, EUR]\n    prices:\n"
                                         "      platform: {model: flat, amount: {USD: '5', EUR: '5'}}\n"})
    cut_release(cat, "c", effective=date(2026, 3, 1))
    acme_repo.commit_all("release c")
    return acme_repo


def test_default_target_is_the_release_before_and_repeats_are_no_ops(three) -> None:
    cat = catalog_of(three)
    r = rollback(cat, effective=date(2026, 4, 1))
    assert (r.target, r.replaced) == ("b", "c")
    assert loaded(cat) == snapshot(cat, "b")
    # cut from uncommitted edits: b's source_commit does not reproduce it, the next commit does
    assert r.method == "git" and r.restored_from == three("rev-parse", "HEAD~1")
    team = cat / "plans" / "team.yaml"
    assert team.exists() and "Emptied" in team.read_text()  # never deleted
    three.commit_all("roll back c")
    assert rollback(cat, effective=date(2026, 4, 2)).status == "already_at"


def test_rollback_to_a_named_release_then_forward_again(three) -> None:
    cat = catalog_of(three)
    r = rollback(cat, to="a", effective=date(2026, 4, 1))
    assert r.target == "a" and loaded(cat) == snapshot(cat, "a")
    three.commit_all("roll back to a")
    fwd = rollback(cat, to="c", effective=date(2026, 5, 1))
    assert fwd.status == "rolled_back" and loaded(cat) == snapshot(cat, "c")
    entries = read_index(cat)
    assert [(e.id, e.rollback_of) for e in entries][-2:] == [("2026.04.01", "c"),
                                                             ("2026.05.01", "2026.04.01")]


def test_refuses_a_dirty_catalog_and_names_the_files(three) -> None:
    cat = catalog_of(three)
    (three.root / "README.md").write_text("outside the catalog: not our business\n")
    bump(cat, '"69.00"', '"79.00"')
    write_files(cat, {"notes.yaml": "# scratch\n"})
    with pytest.raises(GuardError, match=r"uncommitted changes: .*catalogs/acme/notes.yaml.*plans/pro.yaml|"
                                         r"uncommitted changes: .*plans/pro.yaml.*notes.yaml"):
        rollback(cat)
    assert len(read_index(cat)) == 3


def test_refuses_dirty_settings_file(three) -> None:
    write_files(three.root, {"pricebook.yaml": "catalog: catalogs/acme\n"})
    with pytest.raises(GuardError, match="pricebook.yaml"):
        rollback(catalog_of(three))


def test_refuses_going_before_a_scheduled_release_and_unknown_targets(three) -> None:
    cat = catalog_of(three)
    with pytest.raises(GuardError, match="takes effect at 2026-03-01"):
        rollback(cat, effective=date(2026, 2, 15))
    with pytest.raises(UsageError, match="'zz' does not exist"):
        rollback(cat, to="zz")


def test_a_single_release_has_nothing_before_it(acme_copy: Path) -> None:
    cut_release(acme_copy, "only", effective=date(2026, 1, 1))
    with pytest.raises(GuardError, match="nothing before it"):
        rollback(acme_copy)
    empty = acme_copy.parent / "empty"
    empty.mkdir()
    with pytest.raises(GuardError, match="no releases"):
        rollback(empty)


def test_refuses_a_tampered_target(three) -> None:
    cat = catalog_of(three)
    snap = cat / "releases" / "b.json"
    snap.write_bytes(snap.read_bytes().replace(b'"59.00"', b'"9.00"'))
    three.commit_all("oops")
    with pytest.raises(GuardError, match="digest"):
        rollback(cat, effective=date(2026, 4, 1))


def test_shallow_clone_writes_the_snapshot_back(three, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{three.root}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "config", "user.email", "ci@example.com"], check=True)
    subprocess.run(["git", "-C", str(clone), "config", "user.name", "CI"], check=True)
    cat = clone / "catalogs" / "acme"
    r = rollback(cat, to="a", effective=date(2026, 4, 1), commit=True)
    assert r.method == "snapshot" and "shallow clone" in (r.note or "")
    assert loaded(cat) == snapshot(cat, "a")
    # the layout is kept: Pro is still defined in plans/pro.yaml
    assert "pro:" in (cat / "plans" / "pro.yaml").read_text()
    assert subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip() == "2"


def test_outside_git_needs_no_commit_and_refuses_commit(acme_copy: Path) -> None:
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    bump(acme_copy)
    cut_release(acme_copy, "b", effective=date(2026, 2, 1))
    with pytest.raises(UsageError, match="--commit needs"):
        rollback(acme_copy, commit=True)
    r = rollback(acme_copy)
    assert r.method == "snapshot" and r.commit is None and loaded(acme_copy) == snapshot(acme_copy, "a")


def test_confirm_false_writes_nothing(three) -> None:
    cat = catalog_of(three)
    seen = []
    with pytest.raises(GuardError, match="not confirmed"):
        rollback(cat, effective=date(2026, 4, 1), confirm=lambda plan: seen.append(plan) or False)
    assert seen and seen[0].target.id == "b"
    assert three("status", "--porcelain") == ""


def test_grandfathering_rules_dropped_by_a_rollback_are_named(three) -> None:
    from pricebook.releases.grandfather import add_rule

    cat = catalog_of(three)
    add_rule(cat, "a", plans=["pro"], subscribed_before=date(2026, 1, 15), rule_id="early")
    three.commit_all("grandfather")
    r = rollback(cat, effective=date(2026, 4, 1))
    assert "early" in (r.note or "") and "no longer apply" in r.note
