"""The cache folder stays under its size cap: least recently used entries go first, at most once
a minute, and a hit counts as a use."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pricebook.load import cache as cache_mod
from pricebook.validation import validate_path


def entry(folder: Path, name: str, size: int, age: float) -> Path:
    p = folder / name[:2] / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"x" * size)
    t = time.time() - age
    os.utime(p, (t, t))
    return p


def test_prune_drops_least_recently_used_until_under_the_cap(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_MAX_MB", str(2.5 * 1024 / 1024 / 1024))  # 2,560 bytes
    old = entry(tmp_path, "aa-old", 1000, 300)
    middle = entry(tmp_path, "bb-middle", 1000, 200)
    new = entry(tmp_path, "cc-new", 1000, 100)
    (tmp_path / "aa").joinpath(".aa-old.123.tmp").write_bytes(b"y" * 5000)  # a write in progress
    assert cache_mod.prune(tmp_path, force=True) == 1
    assert not old.exists() and middle.exists() and new.exists()
    assert (tmp_path / "aa" / ".aa-old.123.tmp").exists()


def test_prune_runs_at_most_once_a_minute_unless_forced(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_MAX_MB", "0")
    first = entry(tmp_path, "aa-one", 10, 10)
    assert cache_mod.prune(tmp_path) == 1 and not first.exists()
    second = entry(tmp_path, "bb-two", 10, 10)
    assert cache_mod.prune(tmp_path) == 0 and second.exists()  # stamped a moment ago
    assert cache_mod.prune(tmp_path, force=True) == 1 and not second.exists()


@pytest.mark.parametrize("raw, expected", [("", 256 << 20), ("1", 1 << 20), ("junk", 256 << 20), ("-5", 0)])
def test_cap_setting(monkeypatch, raw: str, expected: int) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_MAX_MB", raw)
    assert cache_mod.max_bytes() == expected


def test_a_hit_is_a_use_so_pruning_keeps_it(acme_copy: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 1 << 62)  # the parse cache alone
    validate_path(acme_copy)
    written = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(written) >= 3  # one parse entry per file
    stale = entry(folder, "ff-stale", 10, 3600)
    long_ago = time.time() - 7200
    for p in written:
        os.utime(p, (long_ago, long_ago))
    validate_path(acme_copy)  # every entry is read again: each is touched
    size = sum(p.stat().st_size for p in written)
    monkeypatch.setenv("PRICEBOOK_CACHE_MAX_MB", str(size / (1 << 20)))
    assert cache_mod.prune(folder, force=True) == 1
    assert not stale.exists() and all(p.exists() for p in written)


def test_a_result_hit_is_a_use(acme_copy: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    validate_path(acme_copy)
    [result] = list((folder / "results").iterdir())
    long_ago = time.time() - 7200
    os.utime(result, (long_ago, long_ago))
    validate_path(acme_copy)
    assert result.stat().st_mtime > time.time() - 60
