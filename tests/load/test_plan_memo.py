"""Built plans kept per file (``catalog._PlanMemo``): a catalog loaded with them equals one built
from scratch, and nothing they are built from can change without them being built again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricebook.load import cache as cache_mod
from pricebook.load import catalog as catalog_mod
from pricebook.load.catalog import load_catalog
from pricebook.load.dump import catalog_to_data


@pytest.fixture
def memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Caching on for acme's small files; counts the plans taken from the memo and kept into it."""
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    counts = {"reused": 0, "kept": 0}
    real_open, real_write = catalog_mod._PlanMemo.open, cache_mod.write_plans

    def spy_open(*args):
        m = real_open(*args)
        counts["reused"] += len(m.prebuilt) if m is not None else 0
        return m

    def spy_write(key, plans):
        counts["kept"] += len(plans)
        real_write(key, plans)

    monkeypatch.setattr(catalog_mod._PlanMemo, "open", spy_open)
    monkeypatch.setattr(cache_mod, "write_plans", spy_write)
    return counts


def fresh(root: Path, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_CACHE_DIR", "off")
        return load_catalog(root).catalog


def same_as_fresh(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got, want = load_catalog(root).catalog, fresh(root, monkeypatch)
    assert got is not None and want is not None
    assert got == want
    assert catalog_to_data(got) == catalog_to_data(want)


def test_plans_are_kept_from_the_second_run_and_reused(acme_copy: Path, monkeypatch, memo) -> None:
    same_as_fresh(acme_copy, monkeypatch)
    assert memo == {"reused": 0, "kept": 0}  # a first run: files seen once are not worth keeping
    same_as_fresh(acme_copy, monkeypatch)
    assert memo == {"reused": 0, "kept": 4}
    same_as_fresh(acme_copy, monkeypatch)
    assert memo == {"reused": 4, "kept": 4}


def test_a_parent_edit_rebuilds_its_descendants(acme_copy: Path, monkeypatch, memo) -> None:
    for _ in range(2):
        load_catalog(acme_copy)
    starter = acme_copy / "plans" / "starter.yaml"
    starter.write_text(starter.read_text().replace('platform: {model: flat, amount: {USD: "19.00"',
                                                   'platform: {model: flat, amount: {USD: "21.00"'))
    memo["reused"] = 0
    catalog = load_catalog(acme_copy).catalog
    assert catalog is not None
    assert memo["reused"] == 1  # free only: starter changed, pro and enterprise inherit from it
    for pid in ("starter", "pro"):  # pro inherits starter's platform price... unless it overrides it
        assert catalog.plans[pid] == fresh(acme_copy, monkeypatch).plans[pid]
    same_as_fresh(acme_copy, monkeypatch)


def test_the_default_currency_is_part_of_the_key(acme_copy: Path, monkeypatch, memo) -> None:
    for _ in range(3):
        load_catalog(acme_copy)
    head = acme_copy / "catalog.yaml"
    text = head.read_text()
    assert "currency: USD" in text
    head.write_text(text.replace("currency: USD", "currency: EUR", 1))
    memo["reused"] = 0
    same_as_fresh(acme_copy, monkeypatch)
    assert memo["reused"] == 0  # every file's plans are keyed on it
    # free has no currencies of its own: it takes the catalog's
    assert load_catalog(acme_copy).catalog.plans["free"].currencies == ("EUR",)


def test_a_damaged_entry_is_built_again(acme_copy: Path, monkeypatch, memo, tmp_path: Path) -> None:
    for _ in range(2):
        load_catalog(acme_copy)
    entries = [p for p in (tmp_path / "cache" / "plans").rglob("*") if p.is_file()]
    assert len(entries) == 4
    for p in entries:
        p.write_bytes(b"not a pickle")
    memo["reused"] = 0
    same_as_fresh(acme_copy, monkeypatch)
    assert memo["reused"] == 0


def test_an_entry_for_other_plans_is_not_taken(acme_copy: Path, monkeypatch, memo) -> None:
    """An entry whose plan ids differ from the file's (a corrupted or colliding entry) is ignored."""
    for _ in range(2):
        load_catalog(acme_copy)
    real = cache_mod.read_plans
    monkeypatch.setattr(cache_mod, "read_plans",
                        lambda key: {"someone-else": object()} if real(key) else None)
    memo["reused"] = 0
    same_as_fresh(acme_copy, monkeypatch)
    assert memo["reused"] == 0
