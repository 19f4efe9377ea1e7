"""Every rule's case file, run by one parametrized test; a meta-test fails when a rule has none.

Case file format (``cases/<RULEID>.yaml``)::

    rule: PB101
    cases:
      - name: sku exists
        valid: true                 # no finding of THIS rule
        files: {catalog.yaml: "..."}
      - name: unknown sku
        valid: false
        files: {...}                # may include releases/index.yaml, releases/<id>.json
        findings:                   # every finding of this rule, in order
          - {file: catalog.yaml, line: 7, path: plans.pro.prices.api-call}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pricebook.rules import all_rules
from pricebook.validation import validate_path

CASES = Path(__file__).parent / "cases"


def _case_files() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def _params() -> list[Any]:
    out = []
    for f in _case_files():
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append(pytest.param(data["rule"], case, id=f"{data['rule']}: {case['name']}"))
    return out


@pytest.mark.parametrize(("rule", "case"), _params())
def test_rule_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    for rel, text in case["files"].items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    result = validate_path(tmp_path)
    found = [d for d in result.diagnostics if d.rule == rule]
    got = [{"file": Path(d.file).relative_to(tmp_path).as_posix() if d.file else None,
            "line": d.line, "path": d.path} for d in found]
    if case["valid"]:
        assert got == [], f"expected no {rule} finding, got {[d.message for d in found]}"
    else:
        # a rule only runs on a catalog that loads: make sure the case is not stopped by the loader
        assert result.catalog is not None, [str(d) for d in result.diagnostics]
        assert got == case["findings"], [d.message for d in found]
        for d in found:
            assert d.message and d.name and d.column is not None


def test_every_rule_has_cases() -> None:
    """The meta-test: a registered rule without a case file (valid and invalid cases) fails."""
    files = {f.stem: yaml.safe_load(f.read_text(encoding="utf-8")) for f in _case_files()}
    for rule in all_rules():
        assert rule.id in files, f"rule {rule.id} ({rule.name}) has no case file tests/rules/cases/{rule.id}.yaml"
        kinds = {bool(c["valid"]) for c in files[rule.id]["cases"]}
        assert kinds == {True, False}, f"{rule.id} needs at least one valid and one invalid case"
        assert files[rule.id]["rule"] == rule.id


def test_case_files_name_registered_rules() -> None:
    ids = {r.id for r in all_rules()}
    for f in _case_files():
        assert f.stem in ids, f"{f.name} is a case file for no registered rule"


def test_rules_are_well_formed() -> None:
    import re

    rules = all_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)), "two rules share an id"
    names = [r.name for r in rules]
    assert len(names) == len(set(names)), "two rules share a name"
    for r in rules:
        assert re.fullmatch(r"PB\d{3}", r.id)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert r.severity in ("error", "warning", "info")
        doc = type(r).__doc__ or ""
        assert "Wrong::" in doc and "Right::" in doc, f"{r.id} docstring needs the wrong and the right way"
        module = type(r).__module__.rsplit(".", 1)[-1]
        assert module.startswith(f"{r.id.lower()}_"), f"{r.id} lives in {module}"
