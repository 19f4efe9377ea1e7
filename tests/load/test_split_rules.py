"""Rules split over a forked child give exactly the findings of running them in one process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pricebook import validation
from pricebook.load import cache as cache_mod
from pricebook.validation import validate_path

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux only")

FINDINGS = {
    "plans/extra.yaml": "plans:\n  neg:\n    name: Negative\n    currencies: [USD, EUR]\n    prices:\n"
                        "      platform: {model: flat, amount: {USD: \"-1.00\", EUR: \"-1.00\"}}\n"
                        "      ghost: {model: flat, amount: {USD: \"1.00\", EUR: \"1.00\"}}\n"
                        "      api-calls: {model: per_unit, unit_price: {USD: \"0.1\"}}\n",
    "releases/2026.01.01.json": "{}",  # unlisted snapshot: a rule that reads the folder (PB203)
}


@pytest.fixture
def big_enough(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[object]:
    """acme counts as large: the result cache is used and the rules are split."""
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    monkeypatch.setattr(validation, "SPLIT_MIN_PRICES", 0)
    calls: list[object] = []
    real = validation._run_split

    def spy(*args):  # the function under test, observed
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(validation, "_run_split", spy)
    return calls


def fresh(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_CACHE_DIR", "off")
        m.setenv("PRICEBOOK_JOBS", "1")
        return validate_path(root).diagnostics


def test_split_equals_one_process(acme_copy: Path, monkeypatch, big_enough: list[object]) -> None:
    for rel, text in FINDINGS.items():
        (acme_copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (acme_copy / rel).write_text(text)
    monkeypatch.setenv("PRICEBOOK_JOBS", "2")
    split = validate_path(acme_copy)
    assert big_enough == [True]
    reference = fresh(acme_copy, monkeypatch)
    assert split.diagnostics == reference
    rules = {d.rule for d in split.diagnostics}
    assert {"PB101", "PB114", "PB117", "PB203"} <= rules  # findings from both halves and the folder
    hit = validate_path(acme_copy)  # the cached result: folder rules rerun, same findings
    assert hit.diagnostics == reference


def test_one_cpu_runs_them_here(acme_copy: Path, monkeypatch, big_enough: list[object]) -> None:
    monkeypatch.setenv("PRICEBOOK_JOBS", "1")
    assert validate_path(acme_copy).valid
    assert big_enough == [False]


def test_a_failing_child_is_replaced_by_running_its_rules_here(acme_copy: Path, monkeypatch,
                                                               big_enough: list[object]) -> None:
    (acme_copy / "plans" / "extra.yaml").write_text(FINDINGS["plans/extra.yaml"])
    parent = os.getpid()
    real = validation._run_watched

    def fails_in_the_child(*args):
        if os.getpid() != parent:
            raise RuntimeError("the child dies")
        return real(*args)

    monkeypatch.setattr(validation, "_run_watched", fails_in_the_child)
    monkeypatch.setenv("PRICEBOOK_JOBS", "2")
    result = validate_path(acme_copy)
    assert big_enough == [False]  # the split gave up ...
    assert result.diagnostics == fresh(acme_copy, monkeypatch)  # ... and every rule still ran
