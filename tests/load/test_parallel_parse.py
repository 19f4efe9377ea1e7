"""Files parsed in worker processes give exactly what parsing them in-process gives."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pricebook.load import cache as cache_mod
from pricebook.load import catalog as catalog_mod
from pricebook.load.dump import catalog_to_data
from pricebook.validation import validate_path

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")

BROKEN = {
    "plans/extra.yaml": "plans:\n  neg:\n    name: Negative\n    currencies: [USD, EUR]\n    prices:\n"
                        "      platform: {model: flat, amount: {USD: \"-1.00\", EUR: \"-1.00\"}}\n",
    "plans/typo.yaml": "plans:\n  typo:\n    name: Typo\n    prices:\n      platform: {model: flat, amout: \"1\"}\n",
    "plans/dup.yaml": "plans:\n  dup:\n    name: A\n    name: B\n",
}


def run(root: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> object:
    calls: list[int] = []
    real = catalog_mod._parse_in_workers

    def spy(files, workers):  # the function under test, observed
        calls.append(workers)
        return real(files, workers)

    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_JOBS", jobs)
        m.setattr(catalog_mod, "PARALLEL_MIN_BYTES", 0)
        m.setattr(catalog_mod, "_parse_in_workers", spy)
        result = validate_path(root)
    return result, calls


@pytest.mark.parametrize("broken", [None, "plans/extra.yaml", "plans/typo.yaml", "plans/dup.yaml"])
def test_workers_equal_in_process(acme_copy: Path, monkeypatch, broken: str | None) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    if broken is not None:
        (acme_copy / broken).write_text(BROKEN[broken])
    seq, seq_calls = run(acme_copy, monkeypatch, "1")
    par, par_calls = run(acme_copy, monkeypatch, "2")
    assert seq_calls == [] and par_calls == [2]
    assert par.diagnostics == seq.diagnostics
    assert [d.line for d in par.diagnostics] == [d.line for d in seq.diagnostics]
    if broken is None or broken == "plans/extra.yaml":
        assert par.catalog is not None and seq.catalog is not None
        assert catalog_to_data(par.catalog) == catalog_to_data(seq.catalog)
        assert dict(par.catalog.source.positions) == dict(seq.catalog.source.positions)
    else:
        assert not par.valid


def test_workers_fill_the_parse_cache(acme_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 1 << 62)
    first, calls = run(acme_copy, monkeypatch, "2")
    assert calls == [2]
    second, calls = run(acme_copy, monkeypatch, "2")
    assert calls == []  # every file came from the cache the workers wrote
    assert second.diagnostics == first.diagnostics


def test_a_failing_pool_falls_back_to_parsing_here(acme_copy: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    reference, _ = run(acme_copy, monkeypatch, "1")

    def broken_pool(*args, **kwargs):
        raise OSError("no processes left")

    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", broken_pool)
    result, calls = run(acme_copy, monkeypatch, "2")
    assert calls == [2] and result.diagnostics == reference.diagnostics and result.valid
