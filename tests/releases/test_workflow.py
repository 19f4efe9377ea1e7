"""The whole story on a real git repository: release -> change -> release -> grandfather -> rollback.

History is only ever appended to: every earlier commit stays an ancestor of HEAD and the commit count
grows by exactly the commits each step promises.
"""

from __future__ import annotations

import json
from datetime import date

from pricebook.load import load_catalog
from pricebook.load.dump import catalog_to_data
from pricebook.releases import cut_release, read_index
from pricebook.releases.grandfather import add_rule
from pricebook.releases.rollback import rollback
from pricebook.validation import validate_path
from tests.conftest import ACME
from tests.releases.conftest import bump, catalog_of


def count(repo) -> int:
    return int(repo("rev-list", "--count", "HEAD"))


def test_release_change_release_grandfather_rollback(acme_repo) -> None:
    cat = catalog_of(acme_repo)
    rel = "catalogs/acme"
    c0 = acme_repo("rev-parse", "HEAD")

    r1 = cut_release(cat, effective=date(2026, 1, 1), notes="launch prices", tag=True)
    c1 = acme_repo.commit_all("release 2026.01.01")
    bump(cat)
    c2 = acme_repo.commit_all("raise Pro platform fee to 59")
    r2 = cut_release(cat, effective=date(2026, 7, 1), notes="raise pro", tag=True)
    c3 = acme_repo.commit_all("release 2026.07.01")
    assert (r1.source_commit, r2.source_commit) == (c0, c2)
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="legacy-pro")
    c4 = acme_repo.commit_all("grandfather early Pro customers")
    assert count(acme_repo) == 5
    pro_at_launch = acme_repo("show", f"{c0}:{rel}/plans/pro.yaml")

    result = rollback(cat, effective=date(2026, 8, 1), commit=True)

    assert result.status == "rolled_back" and result.method == "git" and result.restored_from == c0
    assert (result.target, result.replaced) == (r1.id, r2.id)
    # exactly one new commit, on top of the old history
    assert count(acme_repo) == 6
    head = acme_repo("rev-parse", "HEAD")
    assert result.commit == head and acme_repo("rev-parse", "HEAD~1") == c4
    for old in (c0, c1, c2, c3, c4):
        acme_repo("merge-base", "--is-ancestor", old, "HEAD")  # raises when not an ancestor
    assert acme_repo("log", "-1", "--format=%s") == f"pricebook rollback: back to release {r1.id}"
    committed = set(acme_repo("show", "--name-only", "--format=", "HEAD").splitlines())
    assert committed == {f"{rel}/plans/pro.yaml", f"{rel}/grandfathering.yaml",
                         f"{rel}/releases/2026.08.01.json", f"{rel}/releases/index.yaml"}
    assert acme_repo("status", "--porcelain") == ""
    # files: pro.yaml is the launch file byte for byte; the grandfathering file is emptied, not deleted
    assert (cat / "plans" / "pro.yaml").read_bytes() == (ACME / "plans" / "pro.yaml").read_bytes()
    assert (cat / "plans" / "pro.yaml").read_text().rstrip("\n") == pro_at_launch
    assert (cat / "grandfathering.yaml").read_text().startswith("# Emptied by 'pricebook rollback'")
    # index: appended, recorded as a rollback of r2, same content as r1
    entries = read_index(cat)
    assert [e.id for e in entries] == [r1.id, r2.id, "2026.08.01"]
    assert entries[:2] == [r1, r2]
    assert entries[2].rollback_of == r2.id and entries[2].digest == r1.digest
    first = cat / "releases" / f"{r1.id}.json"
    assert (cat / "releases" / "2026.08.01.json").read_bytes() == first.read_bytes()
    assert catalog_to_data(load_catalog(cat).catalog) == json.loads(first.read_text())
    assert validate_path(cat).valid
    # tags untouched
    assert acme_repo("tag", "-l").splitlines() == ["pricebook/2026.01.01", "pricebook/2026.07.01"]
    assert acme_repo("rev-parse", "pricebook/2026.01.01^{commit}") == c0

    again = rollback(cat, commit=True)
    assert again.status == "already_at" and again.target == r1.id and again.release is None
    assert "already at 2026.01.01" in again.message
    assert count(acme_repo) == 6 and acme_repo("status", "--porcelain") == ""
    assert len(read_index(cat)) == 3
