"""`pricebook validate --format github|sarif|junit|markdown`, and report.findings on its own."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from pricebook.diagnostics import Diagnostic
from pricebook.report.findings import render
from tests.conftest import ACME, write_files

BROKEN = {"c.yaml": """\
catalog: {id: t, currency: USD}
skus:
  base: {name: Base}
plans:
  pro:
    prices:
      nope: {model: flat, amount: "1"}
  team: {name: Team}
"""}


def test_github_annotations(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    write_files(tmp_path, BROKEN)
    res = cli("validate", str(tmp_path), "--format", "github")
    assert res.code == 1
    lines = res.out.splitlines()
    f = str(tmp_path / "c.yaml")
    assert f"::error file={f},line=7,col=7,title=PB101 price-unknown-sku::price for unknown SKU 'nope'" in lines[1]
    assert lines[0].startswith(f"::warning file={f},line=3,col=3,title=PB122 sku-unpriced::")
    assert lines[2].startswith("::warning ") and "PB124" in lines[2]


def test_github_paths_are_relative_to_the_workspace(cli, tmp_path: Path, monkeypatch) -> None:
    """A step that runs in a subfolder (working-directory: catalogs) still annotates the right file."""
    write_files(tmp_path / "repo" / "catalogs" / "shop", BROKEN)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "repo"))
    res = cli("validate", "shop", "--format", "github", cwd=tmp_path / "repo" / "catalogs")
    assert res.code == 1
    assert "::error file=catalogs/shop/c.yaml,line=7,col=7," in res.out
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))  # outside: left as printed
    res = cli("validate", "shop", "--format", "github", cwd=tmp_path / "repo" / "catalogs")
    assert "::error file=shop/c.yaml,line=7," in res.out


def test_github_escaping(monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    d = Diagnostic("PB999", "error", "50% off\nnext line", "a,b:c.yaml", 3, 4, "x.y", None, "odd: name")
    out = render("github", [d])
    assert out == "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=PB999 odd%3A name::50%25 off%0Anext line [x.y]\n"
    no_file = render("github", [Diagnostic("PB012", "error", "no catalog files", name="catalog-missing")])
    assert no_file == "::error title=PB012 catalog-missing::no catalog files\n"
    assert render("github", [Diagnostic("X1", "info", "m")]).startswith("::notice title=X1::m")


def test_sarif(cli, tmp_path: Path) -> None:
    write_files(tmp_path, BROKEN)
    res = cli("validate", str(tmp_path), "--format", "sarif")
    assert res.code == 1
    log = json.loads(res.out)
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PB122", "PB101", "PB124"]
    assert rules[1]["name"] == "price-unknown-sku" and rules[1]["shortDescription"]["text"].startswith("A price")
    res101 = next(r for r in run["results"] if r["ruleId"] == "PB101")
    assert res101["level"] == "error" and run["tool"]["driver"]["rules"][res101["ruleIndex"]]["id"] == "PB101"
    loc = res101["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("/c.yaml")
    assert loc["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 7}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "plans.pro.prices.nope"
    assert res101["properties"]["fix"].startswith("define skus.nope")


def test_sarif_clean_has_no_results(cli) -> None:
    res = cli("validate", str(ACME), "--format", "sarif")
    assert res.code == 0
    run = json.loads(res.out)["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def test_junit(cli, tmp_path: Path) -> None:
    write_files(tmp_path, BROKEN)
    res = cli("validate", str(tmp_path), "--format", "junit")
    assert res.code == 1
    root = ET.fromstring(res.out.split("\n", 1)[1])
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 3 and suite.get("tests") == "3" and suite.get("failures") == "1"
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1 and failed[0].find("failure").get("type") == "PB101"
    assert failed[0].get("line") == "7"


def test_junit_clean_is_one_passing_case(cli) -> None:
    res = cli("validate", str(ACME), "--format", "junit")
    assert res.code == 0
    root = ET.fromstring(res.out.split("\n", 1)[1])
    cases = root.iter("testcase")
    (case,) = list(cases)
    assert case.find("failure") is None and root.get("failures") == "0"


def test_markdown(cli, tmp_path: Path) -> None:
    write_files(tmp_path, BROKEN)
    res = cli("validate", str(tmp_path), "--format", "markdown")
    assert res.code == 1
    rows = [line for line in res.out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 3  # header + one row per finding
    assert "1 error, 2 warnings" in res.out
    assert "`plans.pro.prices.nope`" in res.out
    clean = cli("validate", str(ACME), "--format", "markdown")
    assert clean.code == 0 and "No findings" in clean.out


def test_markdown_escapes_pipes() -> None:
    out = render("markdown", [Diagnostic("D1", "warning", "a | b\nc", "f.yaml", 1, 1, "p", "x|y", "k")])
    row = out.splitlines()[-1]
    assert "a \\| b c" in row and "x\\|y" in row and row.count(" | ") == 5


def test_render_is_generic_over_diagnostics() -> None:
    """diff reuses render: diagnostics whose ids are not PB rules still render in every format."""
    diags = [Diagnostic("price-increased", "warning", "pro platform 49 -> 59 USD", "catalogs/a/pro.yaml", 5, 7,
                        "plans.pro.prices.platform.amount.USD", None, "breaking")]
    for fmt in ("github", "sarif", "junit", "markdown", "json"):
        assert "price-increased" in render(fmt, diags, tool="pricebook diff")
    sarif = json.loads(render("sarif", diags, tool="pricebook diff"))
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"] == "breaking"
