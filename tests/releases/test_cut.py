"""cut_release: what it writes, what it refuses, and the git facts it records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pricebook.errors import GuardError, UsageError
from pricebook.load import load_catalog
from pricebook.load.dump import canonical_json, catalog_to_data
from pricebook.load.revision import load_revision
from pricebook.releases import cut_release, list_releases, read_index
from pricebook.releases.index import digest_of
from tests.conftest import write_files
from tests.releases.conftest import bump, catalog_of


def test_snapshot_is_the_canonical_resolved_catalog(acme_copy: Path) -> None:
    e = cut_release(acme_copy, effective=datetime(2026, 1, 1, tzinfo=UTC), notes="first")
    snap = (acme_copy / "releases" / "2026.01.01.json").read_bytes()
    expected = canonical_json(catalog_to_data(load_catalog(acme_copy).catalog)).encode()
    assert snap == expected
    assert e.digest == digest_of(snap)
    assert e.source_commit is None  # not in git
    assert read_index(acme_copy) == [e]
    # other commands read it through load_revision
    _, loaded = load_revision("release:2026.01.01", acme_copy)
    assert catalog_to_data(loaded.catalog) == catalog_to_data(load_catalog(acme_copy).catalog)


def test_refuses_when_nothing_changed_then_cuts_the_change(acme_copy: Path) -> None:
    cut_release(acme_copy, effective=date(2026, 1, 1))
    with pytest.raises(GuardError, match="nothing changed since release '2026.01.01'"):
        cut_release(acme_copy, effective=date(2026, 2, 1))
    bump(acme_copy)
    e = cut_release(acme_copy, effective=date(2026, 1, 1))  # same day: second id of the day
    assert e.id == "2026.01.01-2"
    assert [x.id for x in read_index(acme_copy)] == ["2026.01.01", "2026.01.01-2"]


def test_refuses_existing_id_and_going_back_in_time(acme_copy: Path) -> None:
    cut_release(acme_copy, "v1", effective=date(2026, 3, 1))
    bump(acme_copy)
    before = (acme_copy / "releases" / "index.yaml").read_bytes()
    with pytest.raises(GuardError, match="already exists"):
        cut_release(acme_copy, "v1", effective=date(2026, 4, 1))
    with pytest.raises(GuardError, match="before the newest release 'v1'"):
        cut_release(acme_copy, "v2", effective=date(2026, 2, 1))
    with pytest.raises(UsageError, match="not valid"):
        cut_release(acme_copy, "../v2", effective=date(2026, 4, 1))
    assert (acme_copy / "releases" / "index.yaml").read_bytes() == before
    assert sorted(p.name for p in (acme_copy / "releases").iterdir()) == ["index.yaml", "v1.json"]
    # past dates are fine while they do not go back (an importer replays a history)
    assert cut_release(acme_copy, "v2", effective=date(2026, 3, 1)).id == "v2"


def test_refuses_an_invalid_catalog_and_writes_nothing(acme_copy: Path) -> None:
    bad = "plans:\n  bad: {prices: {nosuch: {model: flat, amount: '1'}}}\n"
    write_files(acme_copy, {"plans/bad.yaml": bad})
    with pytest.raises(GuardError, match="PB101"):
        cut_release(acme_copy)
    assert not (acme_copy / "releases").exists()


def test_a_tampered_release_blocks_the_next_one(acme_copy: Path) -> None:
    cut_release(acme_copy, effective=date(2026, 1, 1))
    snap = acme_copy / "releases" / "2026.01.01.json"
    snap.write_bytes(snap.read_bytes().replace(b'"19.00"', b'"19.01"'))
    bump(acme_copy)
    with pytest.raises(GuardError, match="PB201"):
        cut_release(acme_copy, effective=date(2026, 2, 1))


def test_default_id_is_the_effective_date_in_the_catalog_timezone(tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": "catalog: {id: t, currency: EUR, timezone: Europe/Berlin}\n"
                                     "skus: {s: {name: S}}\nplans:\n"
                                     "  p: {prices: {s: {model: flat, amount: '1'}}}\n"})
    e = cut_release(tmp_path, effective=datetime(2026, 11, 1))  # midnight in Berlin
    assert e.id == "2026.11.01"
    assert e.effective_from == datetime(2026, 10, 31, 23, tzinfo=UTC)


def test_in_git_records_head_dirty_flag_and_tag(acme_repo) -> None:
    cat = catalog_of(acme_repo)
    head = acme_repo("rev-parse", "HEAD")
    e1 = cut_release(cat, effective=date(2026, 1, 1), tag=True)
    assert e1.source_commit == head and not e1.source_dirty
    assert acme_repo("tag", "-l", "pricebook/*") == "pricebook/2026.01.01"
    assert acme_repo("cat-file", "-t", "pricebook/2026.01.01") == "tag"  # annotated
    assert acme_repo("rev-parse", "pricebook/2026.01.01^{commit}") == head
    bump(cat)
    e2 = cut_release(cat, effective=date(2026, 2, 1))
    assert e2.source_commit == head and e2.source_dirty  # cut from uncommitted edits
    assert "source_dirty: true" in (cat / "releases" / "index.yaml").read_text()
    assert [x.source_dirty for x in read_index(cat)] == [False, True]


def test_tag_that_exists_refuses_before_writing(acme_repo) -> None:
    cat = catalog_of(acme_repo)
    acme_repo("tag", "-a", "pricebook/2026.01.01", "-m", "taken")
    with pytest.raises(GuardError, match="tag 'pricebook/2026.01.01' already exists"):
        cut_release(cat, effective=date(2026, 1, 1), tag=True)
    assert not (cat / "releases").exists()


def test_list_marks_the_release_in_force(acme_copy: Path) -> None:
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    bump(acme_copy)
    cut_release(acme_copy, "b", effective=date(2026, 7, 1))
    assert list_releases(acme_copy, datetime(2026, 6, 30, 23, 59, tzinfo=UTC)).in_force == "a"
    assert list_releases(acme_copy, datetime(2026, 7, 1, tzinfo=UTC)).in_force == "b"
    assert list_releases(acme_copy, datetime(2025, 1, 1, tzinfo=UTC)).in_force is None


def test_list_reads_a_time_without_offset_in_the_catalog_timezone(acme_copy: Path, cli) -> None:
    cat_file = acme_copy / "catalog.yaml"
    cat_file.write_text(cat_file.read_text().replace("timezone: UTC", "timezone: America/New_York"))
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    bump(acme_copy)
    cut_release(acme_copy, "b", effective=date(2026, 7, 1))  # midnight in New York = 04:00 UTC
    # 02:00 on July 1st in New York is after b's start; the same wall time in UTC is not
    assert list_releases(acme_copy, datetime(2026, 7, 1, 2, 0)).in_force == "b"
    assert list_releases(acme_copy, datetime(2026, 7, 1, 2, 0, tzinfo=UTC)).in_force == "a"
    assert list_releases(acme_copy, date(2026, 7, 1)).in_force == "b"
    out = cli("releases", "--catalog", str(acme_copy), "--at", "2026-07-01T02:00", "--format", "json")
    assert out.code == 0, out.err
    assert [r["id"] for r in json.loads(out.out)["releases"] if r["in_force"]] == ["b"]
    (acme_copy / "plans" / "broken.yaml").write_text("plans: [\n")
    bad = cli("releases", "--catalog", str(acme_copy), "--at", "2026-07-01T02:00")
    assert bad.code == 1 and "timezone" in bad.err and "Traceback" not in bad.err
    ok = cli("releases", "--catalog", str(acme_copy), "--at", "2026-07-01T02:00:00Z")
    assert ok.code == 0
