"""Files parsed in worker processes give exactly what parsing them in-process gives.

Two ways: with the pure-Python reader, files are parsed and checked in a pool of forked workers
(``_parse_in_workers``); with the C reader, they are parsed here and a forked child schema-checks
half of them (``_parse_here_check_split``)."""

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


def c_reader_built() -> bool:
    from pricebook.load import yamlsrc

    yamlsrc._fast_parser.cache_clear()
    return yamlsrc._fast_parser() is not None


READERS = ["python", pytest.param("c", marks=pytest.mark.skipif(not c_reader_built(),
                                                               reason="the C reader was not built"))]


def run(root: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, reader: str = "python") -> object:
    from pricebook.load import yamlsrc

    calls: list[object] = []
    pool, split = catalog_mod._parse_in_workers, catalog_mod._parse_here_check_split

    def spy_pool(files, workers):  # the functions under test, observed
        calls.append(workers)
        return pool(files, workers)

    def spy_split(files):
        calls.append("split")
        return split(files)

    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_JOBS", jobs)
        if reader == "python":
            m.setenv("PRICEBOOK_PURE_YAML", "1")
        else:
            m.delenv("PRICEBOOK_PURE_YAML", raising=False)
        yamlsrc._fast_parser.cache_clear()
        m.setattr(catalog_mod, "PARALLEL_MIN_BYTES", 0)
        m.setattr(catalog_mod, "_parse_in_workers", spy_pool)
        m.setattr(catalog_mod, "_parse_here_check_split", spy_split)
        try:
            result = validate_path(root)
        finally:
            yamlsrc._fast_parser.cache_clear()
    return result, calls


def expected_calls(reader: str) -> list[object]:
    return [2] if reader == "python" else ["split"]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("broken", [None, "plans/extra.yaml", "plans/typo.yaml", "plans/dup.yaml"])
def test_workers_equal_in_process(acme_copy: Path, monkeypatch, broken: str | None, reader: str) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    if broken is not None:
        (acme_copy / broken).write_text(BROKEN[broken])
    seq, seq_calls = run(acme_copy, monkeypatch, "1", reader)
    par, par_calls = run(acme_copy, monkeypatch, "2", reader)
    assert seq_calls == [] and par_calls == expected_calls(reader)
    assert par.diagnostics == seq.diagnostics
    assert [d.line for d in par.diagnostics] == [d.line for d in seq.diagnostics]
    if broken is None or broken == "plans/extra.yaml":
        assert par.catalog is not None and seq.catalog is not None
        assert catalog_to_data(par.catalog) == catalog_to_data(seq.catalog)
        assert dict(par.catalog.source.positions) == dict(seq.catalog.source.positions)
    else:
        assert not par.valid


@pytest.mark.parametrize("reader", READERS)
def test_workers_fill_the_parse_cache(acme_copy: Path, tmp_path: Path, monkeypatch, reader: str) -> None:
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 1 << 62)
    first, calls = run(acme_copy, monkeypatch, "2", reader)
    assert calls == expected_calls(reader)
    second, calls = run(acme_copy, monkeypatch, "2", reader)
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


@pytest.mark.skipif(not c_reader_built(), reason="the C reader was not built")
def test_a_failing_schema_child_falls_back_to_checking_here(acme_copy: Path, monkeypatch) -> None:
    import os

    from pricebook.load import schema

    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
    (acme_copy / "plans" / "typo.yaml").write_text(BROKEN["plans/typo.yaml"])
    reference, _ = run(acme_copy, monkeypatch, "1", "c")
    parent, real = os.getpid(), schema.schema_findings

    def dies_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(schema, "schema_findings", dies_in_the_child)
    result, calls = run(acme_copy, monkeypatch, "2", "c")
    assert calls == ["split"]
    assert result.diagnostics == reference.diagnostics and not result.valid
    assert any(d.rule == "PB021" for d in result.diagnostics)  # the typo, found whichever side checked it
