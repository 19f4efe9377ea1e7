"""Releases stay what they were when cut: an edited index entry or snapshot is reported and refused,
a tag points at the released catalog, and a blocked releases/ folder is a clean refusal."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pricebook.errors import GuardError, InputError
from pricebook.releases import cut_release, read_index
from pricebook.releases.index import parse_index
from pricebook.releases.rollback import rollback
from pricebook.releases.timeline import ReleaseCatalogs
from pricebook.validation import validate_path
from tests.releases.conftest import bump, catalog_of

JUNE = 'effective_from: "2026-06-01T00:00:00Z"'


def two_releases(cat: Path, repo=None) -> None:  # type: ignore[no-untyped-def]
    """Release a (2026-01-01), raise Pro, release b (2026-06-01); committed when ``repo`` is given."""
    cut_release(cat, "a", effective=date(2026, 1, 1))
    if repo is not None:
        repo.commit_all("release a")
    bump(cat)
    if repo is not None:
        repo.commit_all("raise pro")
    cut_release(cat, "b", effective=date(2026, 6, 1))
    if repo is not None:
        repo.commit_all("release b")


def edit_index(cat: Path, old: str, new: str) -> None:
    index = cat / "releases" / "index.yaml"
    text = index.read_text()
    assert old in text
    index.write_text(text.replace(old, new))


def findings(cat: Path, rule: str) -> list[str]:
    return [d.message for d in validate_path(cat).diagnostics if d.rule == rule]


# --- 1. effective_from edited after the release was cut ------------------------------------------


def test_cut_seals_each_entry(acme_copy: Path) -> None:
    from pricebook.releases.index import seal_of

    e = cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    assert e.seal == seal_of("a", e.effective_from, e.digest)
    assert f'    seal: "{e.seal}"' in (acme_copy / "releases" / "index.yaml").read_text()
    assert read_index(acme_copy) == [e] and e.seal_matches()


def test_an_edited_effective_from_is_reported_with_both_dates_and_refused(acme_repo, cli) -> None:
    cat = catalog_of(acme_repo)
    two_releases(cat, acme_repo)
    assert findings(cat, "PB201") == []
    # moved earlier, still after release a: the order alone does not show it
    edit_index(cat, JUNE, 'effective_from: "2026-03-01T00:00:00Z"')
    msgs = findings(cat, "PB201")
    assert len(msgs) == 1 and "release 'b'" in msgs[0], msgs
    assert "2026-03-01T00:00:00Z" in msgs[0] and "2026-06-01T00:00:00Z" in msgs[0]
    assert "\n" not in msgs[0]
    # committing the edit does not hide it: the seal still tells, git history names the original
    acme_repo.commit_all("edit the index")
    msgs = findings(cat, "PB201")
    assert len(msgs) == 1 and "2026-06-01T00:00:00Z" in msgs[0], msgs
    # and no command prices with it: quote --at a date in the window b never covered
    out = cli("quote", "--catalog", str(cat), "--plan", "pro", "--at", "2026-04-01")
    assert out.code == 2 and "release 'b' was modified after it was cut" in out.err
    assert len(out.err.strip().splitlines()) == 1
    v = cli("validate", "--catalog", str(cat))
    assert v.code == 1 and "PB201" in v.out


def test_an_edited_entry_outside_git_is_caught_by_its_seal(acme_copy: Path) -> None:
    two_releases(acme_copy)
    edit_index(acme_copy, JUNE, 'effective_from: "2026-03-01T00:00:00Z"')
    msgs = findings(acme_copy, "PB201")
    assert len(msgs) == 1 and "release 'b'" in msgs[0] and "2026-03-01T00:00:00Z" in msgs[0], msgs
    with pytest.raises(InputError, match="release 'b' was modified after it was cut"):
        read_index(acme_copy)


def test_an_unsealed_entry_is_compared_with_the_index_at_head(acme_repo) -> None:
    """Indexes written before seals existed: an uncommitted edit shows against HEAD."""
    cat = catalog_of(acme_repo)
    two_releases(cat)
    index = cat / "releases" / "index.yaml"
    index.write_text("".join(line for line in index.read_text().splitlines(keepends=True)
                             if "seal:" not in line))
    acme_repo.commit_all("releases a and b, unsealed")
    assert findings(cat, "PB201") == []
    edit_index(cat, JUNE, 'effective_from: "2026-03-01T00:00:00Z"')
    msgs = findings(cat, "PB201")
    assert len(msgs) == 1, msgs
    assert "release 'b'" in msgs[0]
    assert "2026-03-01T00:00:00Z" in msgs[0] and "2026-06-01T00:00:00Z" in msgs[0]


def test_entries_out_of_effective_date_order_are_refused(acme_copy: Path) -> None:
    two_releases(acme_copy)
    index = acme_copy / "releases" / "index.yaml"
    # an unsealed index (as written before seals), b moved before a
    index.write_text("".join(line for line in index.read_text().splitlines(keepends=True)
                             if "seal:" not in line).replace(JUNE, 'effective_from: "2025-06-01T00:00:00Z"'))
    msgs = findings(acme_copy, "PB204")
    assert len(msgs) == 1, msgs
    assert "release 'b'" in msgs[0] and "2025-06-01T00:00:00Z" in msgs[0] and "release 'a'" in msgs[0]
    assert "2026-01-01T00:00:00Z" in msgs[0]
    with pytest.raises(InputError, match="releases only move forward"):
        read_index(acme_copy)
    # the same effective_from twice is in order (a second release of the day)
    ok = parse_index(index.read_text().replace("2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z"))
    assert ok.problems == [] and [e.id for e in ok.entries] == ["a", "b"]


# --- 2. a tampered snapshot is never used for prices ---------------------------------------------


def test_a_tampered_snapshot_is_refused_when_loaded_for_use(acme_repo) -> None:
    from pricebook.releases.index import verify_snapshot

    cat = catalog_of(acme_repo)
    two_releases(cat, acme_repo)
    snap = cat / "releases" / "a.json"
    snap.write_bytes(snap.read_bytes().replace(b'"49.00"', b'"39.00"'))
    with pytest.raises(InputError, match=r"a\.json does not match its digest .* restore it from git"):
        verify_snapshot(cat, "a", snap.read_bytes())
    with pytest.raises(InputError, match="restore it from git: git checkout -- "):
        ReleaseCatalogs(cat).get("a")
    verify_snapshot(cat, "b", (cat / "releases" / "b.json").read_bytes())  # untouched: fine
    acme_repo.commit_all("tampered")
    with pytest.raises(GuardError, match="restore it from git"):
        rollback(cat, to="a", effective=date(2026, 7, 1))


def test_quote_and_show_refuse_a_tampered_release(acme_repo, cli) -> None:
    cat = catalog_of(acme_repo)
    two_releases(cat, acme_repo)
    snap = cat / "releases" / "a.json"
    snap.write_bytes(snap.read_bytes().replace(b'"49.00"', b'"39.00"'))
    for args in (["quote", "--plan", "pro", "--at", "release:a"],
                 ["quote", "--plan", "pro", "--at", "2026-02-01"],
                 ["show", "--at", "release:a"]):
        out = cli(*args, "--catalog", str(cat))
        assert out.code == 2, (args, out.out)
        assert "a.json does not match its digest" in out.err and "restore it from git" in out.err
        assert len(out.err.strip().splitlines()) == 1 and out.out == ""
    assert cli("quote", "--plan", "pro", "--at", "release:b", "--catalog", str(cat)).code == 0


# --- 3. --tag points at a commit holding the released catalog ------------------------------------


def test_tag_refuses_uncommitted_catalog_edits(acme_repo, cli) -> None:
    cat = catalog_of(acme_repo)
    cut_release(cat, "a", effective=date(2026, 1, 1))  # releases/ left uncommitted: does not matter
    bump(cat)
    with pytest.raises(GuardError, match=r"plans/pro\.yaml has uncommitted changes; commit them first"):
        cut_release(cat, "b", effective=date(2026, 7, 1), tag=True)
    assert [e.id for e in read_index(cat)] == ["a"] and not (cat / "releases" / "b.json").exists()
    assert acme_repo("tag", "-l") == ""
    out = cli("release", "b", "--effective", "2026-07-01", "--tag", "--catalog", str(cat))
    assert out.code == 1 and "commit them first" in out.err and len(out.err.strip().splitlines()) == 1
    # an untracked catalog file is an uncommitted change too
    acme_repo("add", "-A", "catalogs/acme/plans")
    acme_repo("commit", "-q", "-m", "raise pro")
    (cat / "plans" / "extra.yaml").write_text("# nothing yet\n")
    with pytest.raises(GuardError, match="extra.yaml has uncommitted changes"):
        cut_release(cat, "b", effective=date(2026, 7, 1), tag=True)
    (cat / "plans" / "extra.yaml").unlink()
    e = cut_release(cat, "b", effective=date(2026, 7, 1), tag=True)
    assert not e.source_dirty
    assert '"59.00"' in acme_repo("show", "pricebook/b:catalogs/acme/plans/pro.yaml")


# --- 4. releases/ that is not a folder --------------------------------------------------------------


def test_releases_as_a_plain_file_is_a_clean_refusal(acme_copy: Path, cli) -> None:
    (acme_copy / "releases").write_text("not a folder\n")
    with pytest.raises(InputError, match="is not a folder"):
        cut_release(acme_copy, "x", effective=date(2026, 7, 1))
    out = cli("release", "x", "--effective", "2026-07-01", "--catalog", str(acme_copy))
    assert out.code == 2, out.err
    assert "is not a folder" in out.err and len(out.err.strip().splitlines()) == 1
    assert (acme_copy / "releases").read_text() == "not a folder\n"


def test_index_as_a_folder_is_a_clean_refusal(tmp_path: Path, acme_copy: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(acme_copy, other)
    (other / "releases" / "index.yaml").mkdir(parents=True)
    with pytest.raises(InputError, match="is not a file"):
        cut_release(other, "x", effective=date(2026, 7, 1))
