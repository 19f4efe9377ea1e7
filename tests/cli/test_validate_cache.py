"""The parse cache behind `pricebook validate`: same findings with or without it, robust to damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pricebook.load.cache import MIN_BYTES

HEAD = "catalog: {id: t, currency: USD}\nskus:\n  base: {name: Base}\n"


def big_catalog(root: Path, broken: bool = False) -> None:
    lines = [HEAD, "plans:\n"]
    i = 0
    while sum(len(x) for x in lines) < MIN_BYTES + 1000:
        lines.append(f"  plan-{i}:\n    prices:\n      base: {{model: flat, amount: \"{i}.00\"}}\n")
        i += 1
    if broken:
        lines.append("  bad:\n    prices:\n      base: {model: flat, amout: \"1\"}\n")
    root.mkdir(parents=True, exist_ok=True)
    (root / "c.yaml").write_text("".join(lines))


@pytest.mark.parametrize("broken", [False, True])
def test_cached_run_gives_the_same_findings(cli, tmp_path: Path, monkeypatch, broken: bool) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(cache))
    big_catalog(tmp_path / "cat", broken)
    first = cli("validate", str(tmp_path / "cat"), "--format", "json")
    entries = [p for p in cache.rglob("*") if p.is_file() and not p.name.startswith(".")]  # not the prune stamp
    assert len(entries) == 1
    second = cli("validate", str(tmp_path / "cat"), "--format", "json")
    assert (second.code, second.out) == (first.code, first.out)
    assert first.code == (1 if broken else 0)
    if broken:
        assert "PB021" in [d["rule"] for d in json.loads(first.out)["diagnostics"]]
    entries[0].write_bytes(b"not a pickle")  # a damaged entry is recomputed, not fatal
    third = cli("validate", str(tmp_path / "cat"), "--format", "json")
    assert (third.code, third.out) == (first.code, first.out)


def test_changed_file_is_not_served_from_cache(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    big_catalog(tmp_path / "cat")
    assert cli("validate", str(tmp_path / "cat")).code == 0
    big_catalog(tmp_path / "cat", broken=True)
    assert cli("validate", str(tmp_path / "cat")).code == 1


def test_cache_off_and_small_files_write_nothing(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    big_catalog(tmp_path / "cat")
    assert cli("validate", str(tmp_path / "cat")).code == 0
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "c.yaml").write_text(HEAD + "plans:\n  p: {prices: {base: {model: flat, amount: \"1\"}}}\n")
    assert cli("validate", str(tmp_path / "small")).code == 0
    assert not (tmp_path / "cache").exists()
