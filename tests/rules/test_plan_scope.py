"""Rules that claim ``scope = "plan"`` keep the promise ``validate`` relies on to check only what an
edit touched: over every case file of every rule, a catalog whose plans live in files of their own
gives, after each plan file is emptied and restored in turn, exactly the findings of a fresh check
of the same files. Each case also gets a plan of no consequence in a file of its own: editing it
alone leaves every other plan's findings to be kept, which is when a rule that looks across plans
but claims ``scope = "plan"`` gives itself away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pricebook import validation
from pricebook.load import cache as cache_mod
from pricebook.rules import all_rules
from pricebook.validation import validate_path

CASES = Path(__file__).parent / "cases"


def _split(files: dict[str, str]) -> dict[str, str] | None:
    """The case's catalog with every plan moved to a file of its own (None: nothing to split)."""
    out: dict[str, str] = {}
    n = 0
    for rel, text in files.items():
        if rel.startswith("releases/"):
            out[rel] = text
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("plans"), dict):
            out[rel] = text
            continue
        rest = {k: v for k, v in data.items() if k != "plans"}
        if rest:
            out[rel] = yaml.safe_dump(rest, sort_keys=False)
        for pid, plan in data["plans"].items():
            n += 1
            out[f"split/plan-{n}.yaml"] = yaml.safe_dump({"plans": {pid: plan}}, sort_keys=False)
    if not n:
        return None
    out["split/zz-bystander.yaml"] = "plans:\n  zz-bystander: {name: Bystander, sales_negotiated: true}\n"
    return out


def _params() -> list[Any]:
    out = []
    for f in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for case in data["cases"]:
            split = _split(case["files"])
            if split is not None:
                out.append(pytest.param(split, id=f"{data['rule']}: {case['name']}"))
    return out


@pytest.mark.parametrize("files", _params())
def test_findings_after_edits_equal_a_fresh_check(files: dict[str, str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "catalog"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)  # every file cached: built plans are kept too
    monkeypatch.setenv("PRICEBOOK_JOBS", "1")

    def both() -> None:
        monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
        got = validate_path(root).diagnostics
        monkeypatch.setenv("PRICEBOOK_CACHE_DIR", "off")
        assert got == validate_path(root).diagnostics

    both()
    for rel in sorted(r for r in files if r.startswith("split/")):
        (root / rel).write_text("plans: {}\n", encoding="utf-8")
        both()
        (root / rel).write_text(files[rel], encoding="utf-8")
        both()


def test_plan_scoped_rules_are_declared() -> None:
    scopes = {r.id: r.scope for r in all_rules()}
    assert set(scopes.values()) <= {"catalog", "plan"}
    # the rules that look across plans (which SKUs and features some plan uses, which plans exist)
    for rule_id in ("PB105", "PB106", "PB122", "PB123", "PB130"):
        assert scopes[rule_id] == "catalog", rule_id
    assert sum(s == "plan" for s in scopes.values()) >= 20


def test_the_incremental_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above would pass vacuously if every run checked every plan: make sure it does not."""
    calls: list[int] = []
    real = validation._run_watched

    def spy(catalog, root, rules):
        if rules and all(r.scope == "plan" for r in rules):
            calls.append(len(catalog.plans))
        return real(catalog, root, rules)

    monkeypatch.setattr(validation, "_run_watched", spy)
    import tempfile

    [param] = [p for p in _params() if p.id is not None and p.id.startswith("PB117: missing EUR")]
    files = dict(param.values[0])
    files["split/other.yaml"] = ('plans:\n  other:\n    name: Other\n'
                                 '    prices: {base: {model: flat, amount: "1"}}\n')
    with tempfile.TemporaryDirectory() as tmp:
        test_findings_after_edits_equal_a_fresh_check(files, Path(tmp), monkeypatch)
    assert 1 in calls  # a run on one plan while the other's findings were kept
