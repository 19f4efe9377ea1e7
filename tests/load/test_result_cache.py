"""The whole-result cache behind ``validate_path``: a hit gives exactly what a fresh check gives,
an edit is never served stale, rules that read ``releases/`` run on every call, damage is ignored."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pricebook.load import cache as cache_mod
from pricebook.load.dump import catalog_to_data
from pricebook.load.yamlsrc import PositionMap
from pricebook.validation import ValidationResult, validate_path

NEGATIVE = ("plans:\n  neg:\n    name: Negative\n    currencies: [USD, EUR]\n    prices:\n"
            "      platform: {model: flat, amount: {USD: \"-1.00\", EUR: \"-1.00\"}}\n")


@pytest.fixture
def result_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)  # acme is small; cache it anyway
    return folder / "results"


def fresh(path: Path, monkeypatch: pytest.MonkeyPatch) -> ValidationResult:
    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_CACHE_DIR", "off")
        return validate_path(path)


def same(a: ValidationResult, b: ValidationResult) -> None:
    assert a.diagnostics == b.diagnostics
    assert a.files == b.files
    assert (a.catalog is None) == (b.catalog is None)
    if a.catalog is not None and b.catalog is not None:
        assert a.catalog == b.catalog
        assert catalog_to_data(a.catalog) == catalog_to_data(b.catalog)
        assert dict(a.catalog.source.positions) == dict(b.catalog.source.positions)


@pytest.mark.parametrize("extra", [None, NEGATIVE, "plans: [not, a, mapping]\n"])
def test_hit_equals_a_fresh_check(acme_copy: Path, result_cache: Path, monkeypatch, extra) -> None:
    if extra is not None:
        (acme_copy / "plans" / "extra.yaml").write_text(extra)
    reference = fresh(acme_copy, monkeypatch)
    first = validate_path(acme_copy)
    assert len(list(result_cache.iterdir())) == 1
    second = validate_path(acme_copy)
    same(first, reference)
    same(second, reference)
    if extra == NEGATIVE:
        assert "PB114" in [d.rule for d in second.diagnostics]
        assert any(d.file and d.file.endswith("extra.yaml") and d.line == 6 for d in second.diagnostics)


def test_edited_file_is_not_served_stale(acme_copy: Path, result_cache: Path, monkeypatch) -> None:
    assert validate_path(acme_copy).valid
    (acme_copy / "plans" / "extra.yaml").write_text(NEGATIVE)
    assert not validate_path(acme_copy).valid
    (acme_copy / "plans" / "extra.yaml").write_text(NEGATIVE.replace("-1.00", "1.00"))
    after = validate_path(acme_copy)
    assert after.valid
    same(after, fresh(acme_copy, monkeypatch))
    assert len(list(result_cache.iterdir())) == 2  # one slot per set of file names, not per edit


def test_release_rules_run_on_every_hit(acme_copy: Path, result_cache: Path) -> None:
    assert not any(d.rule.startswith("PB2") for d in validate_path(acme_copy).diagnostics)
    (acme_copy / "releases").mkdir()
    (acme_copy / "releases" / "2026.01.01.json").write_text("{}")
    hit = validate_path(acme_copy)  # no catalog file changed: served from the cache
    assert "PB203" in [d.rule for d in hit.diagnostics]
    (acme_copy / "releases" / "2026.01.01.json").unlink()
    assert "PB203" not in [d.rule for d in validate_path(acme_copy).diagnostics]


def test_damaged_entry_is_recomputed(acme_copy: Path, result_cache: Path, monkeypatch) -> None:
    (acme_copy / "plans" / "extra.yaml").write_text(NEGATIVE)
    validate_path(acme_copy)
    [entry] = list(result_cache.iterdir())
    raw = entry.read_bytes()
    for damage in (b"", b"not a pickle", raw[:32] + b"garbage", raw[: len(raw) // 2]):
        entry.write_bytes(damage)
        same(validate_path(acme_copy), fresh(acme_copy, monkeypatch))


def test_small_catalogs_and_cache_off_write_no_result(acme_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    validate_path(acme_copy)  # acme is far below RESULT_MIN_BYTES
    assert not (tmp_path / "cache" / "results").exists()
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    validate_path(acme_copy)
    assert not (tmp_path / "cache").exists()


def test_large_catalog_is_cached_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "big"
    root.mkdir()
    lines = ["catalog: {id: big, name: Big, currency: USD}\nskus:\n  base: {name: Base}\nplans:\n"]
    plan = "  plan-{0}:\n    name: Plan {0}\n    prices:\n      base: {{model: flat, amount: \"{0}.00\"}}\n"
    lines += [plan.format(i) for i in range(cache_mod.RESULT_MIN_BYTES // 60)]
    (root / "c.yaml").write_text("".join(lines))
    first = validate_path(root)
    assert len(list((tmp_path / "cache" / "results").iterdir())) == 1
    same(validate_path(root), first)
    same(first, fresh(root, monkeypatch))


@pytest.mark.parametrize("raw", [{}, {("a",): ("f.yaml", 1, 1), ("a", 0, "b"): ("f.yaml", 2, 3)}])
def test_position_map_pickles_lazily(raw) -> None:
    back = pickle.loads(pickle.dumps(PositionMap(dict(raw))))
    assert bool(back) == bool(raw)
    assert dict(back.raw) == raw
    again = pickle.loads(pickle.dumps(back))  # still lazy: re-pickled from its bytes
    assert len(again) == len(raw) and list(again) == list(raw)
    for k, t in raw.items():
        assert again[k].line == t[1] and again.get(k).column == t[2]
    assert again.get(("missing",)) is None and ("missing",) not in again


DUPLICATE = "plans:\n  pro:\n    name: Pro again\n    prices: {}\n"


@pytest.mark.parametrize("extra", [None, NEGATIVE, DUPLICATE])
def test_positions_merged_from_parse_cache_equal_fresh(acme_copy: Path, tmp_path: Path, monkeypatch,
                                                       extra) -> None:
    """Only the per-file parse cache: every file's positions come back pickled, merged lazily."""
    if extra is not None:
        (acme_copy / "plans" / "zz.yaml").write_text(extra)
    reference = fresh(acme_copy, monkeypatch)
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 1 << 62)
    validate_path(acme_copy)
    assert not (tmp_path / "cache" / "results").exists()
    hit = validate_path(acme_copy)
    assert hit.diagnostics == reference.diagnostics
    if extra == DUPLICATE:
        [dup] = [d for d in hit.diagnostics if d.rule == "PB010"]
        assert dup.file and dup.file.endswith("zz.yaml") and dup.line == 2
        assert "pro.yaml:" in dup.message
    else:
        assert hit.catalog is not None and reference.catalog is not None
        assert dict(hit.catalog.source.positions) == dict(reference.catalog.source.positions)
        where = ("plans", "pro", "prices")
        assert hit.catalog.locate(where) == reference.catalog.locate(where)


GRANDFATHERING = ("grandfathering:\n  early:\n    release: 2026.01.01\n    plans: [pro]\n"
                  "    subscribed_before: 2026-01-01\n")


def test_a_hit_keeps_no_model_unless_a_folder_rule_read_it(acme_copy: Path, result_cache: Path,
                                                            monkeypatch) -> None:
    first = validate_path(acme_copy)
    [entry] = list(result_cache.iterdir())
    small = entry.stat().st_size
    hit = validate_path(acme_copy)
    assert hit._load is not None  # not loaded until asked for
    same(hit, first)  # asking for it loads the same model, positions included
    # with a releases index and a grandfathering rule, PB107 reads the catalog: the model is kept
    (acme_copy / "grandfathering.yaml").write_text(GRANDFATHERING)
    (acme_copy / "releases").mkdir()
    (acme_copy / "releases" / "index.yaml").write_text("releases: []\n")
    found = validate_path(acme_copy)
    assert "PB107" in [d.rule for d in found.diagnostics]
    entries = sorted(result_cache.iterdir(), key=lambda p: p.stat().st_mtime)
    assert entries[-1].stat().st_size > 2 * small
    again = validate_path(acme_copy)
    assert again.diagnostics == found.diagnostics
    assert again._load is None and again.catalog is not None
    # and the folder rule still sees the folder as it is now, not as it was cached
    (acme_copy / "releases" / "index.yaml").write_text("releases:\n  - {id: 2026.01.01}\n")
    assert "PB107" not in [d.rule for d in validate_path(acme_copy).diagnostics]


def test_a_changed_module_changes_the_code_salt() -> None:
    """An edited pricebook module (new mtime or size) must not be served an old result."""
    import os

    import pricebook.rules.pb114_negative_amount as module

    path = Path(module.__file__)
    st = path.stat()
    cache_mod._code_salt.cache_clear()
    before = cache_mod._code_salt()
    try:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        cache_mod._code_salt.cache_clear()
        assert cache_mod._code_salt() != before
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        cache_mod._code_salt.cache_clear()
    assert cache_mod._code_salt() == before
