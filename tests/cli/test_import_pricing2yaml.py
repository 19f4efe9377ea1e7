"""`pricebook import pricing2yaml`: exit codes, text and JSON reports, --strict, --history."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CLEAN = """\
saasName: Clean
createdAt: '2024-02-03'
currency: EUR
features:
  sso: {valueType: BOOLEAN, defaultValue: false}
plans:
  BASIC: {price: 4.5, unit: /month}
  PRO: {price: 9, unit: user/month, features: {sso: {value: true}}}
"""

GAPPY = CLEAN.replace("features:\n", "features:\n  support: {valueType: TEXT, defaultValue: Email}\n") + \
    "addOns:\n  help: {availableFor: [PRO], price: Contact Sales, unit: /month}\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_import_text_report(cli, tmp_path: Path) -> None:
    src = write(tmp_path, "gappy.yml", GAPPY)
    res = cli("import", "pricing2yaml", src, "--out", tmp_path / "out")
    assert res.code == 0, res.err
    assert "gappy.yml:5: [text-feature] features.support:" in res.out
    assert "addon-price-not-numeric" not in res.out  # "Contact Sales" is mapped: sales-negotiated
    folder = tmp_path / "out" / "clean-2024"
    assert f"-> {folder}: 2 plans, 1 features, 1 add-ons, 1 not mapped; valid" in res.out
    assert "imported 1 file into" in res.out and "1 item not mapped" in res.out
    assert "sales_negotiated: true" in (folder / "add_ons.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "clean-2024" / "plans.yaml").is_file()
    check = cli("validate", tmp_path / "out" / "clean-2024")
    assert check.code == 0, check.out


def test_strict_fails_only_when_something_is_unmapped(cli, tmp_path: Path) -> None:
    gappy = write(tmp_path, "gappy.yml", GAPPY)
    clean = write(tmp_path, "clean.yml", CLEAN)
    res = cli("import", "pricing2yaml", clean, gappy, "--out", tmp_path / "a", "--strict")
    assert res.code == 1
    assert "[text-feature] features.support" in res.out and "nothing written: --strict" in res.out
    assert not (tmp_path / "a").exists()  # not even the clean file's catalog
    ok = cli("import", "pricing2yaml", clean, "--out", tmp_path / "b", "--strict")
    assert ok.code == 0, ok.out + ok.err
    assert "0 items not mapped" in ok.out and (tmp_path / "b" / "clean-2024" / "plans.yaml").is_file()


def test_json_report(cli, tmp_path: Path) -> None:
    src = write(tmp_path, "gappy.yml", GAPPY)
    res = cli("import", "pricing2yaml", src, "--out", tmp_path / "out", "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["valid"] is True and data["written"] is True
    assert data["imported"] == 1 and data["unmapped"] == 1
    assert data["counts"] == {"text-feature": 1}
    f = data["files"][0]
    assert f["catalog_id"] == "clean" and f["plans"] == 2 and f["errors"] == 0
    issue = next(i for i in f["issues"] if i["category"] == "text-feature")
    assert issue == {"file": str(src), "line": 5, "path": "features.support", "category": "text-feature",
                     "reason": issue["reason"]}


@pytest.mark.parametrize(("args", "message"), [
    ([], "give at least one Pricing2Yaml file"),
    (["{src}"], "--out DIR is required"),
    (["{src}", "--out", "{tmp}/o", "--repo", "{tmp}/r"], "--repo is for --history"),
    (["--history", "{tmp}"], "--history needs --repo"),
    (["{src}", "--history", "{tmp}", "--repo", "{tmp}/r"], "not both"),
    (["{tmp}/missing.yml", "--out", "{tmp}/o"], "no such file or folder"),
])
def test_usage_errors_exit_2_with_one_line(cli, tmp_path: Path, args: list[str], message: str) -> None:
    src = write(tmp_path, "clean.yml", CLEAN)
    res = cli("import", "pricing2yaml", *[a.format(src=src, tmp=tmp_path) for a in args])
    assert res.code == 2
    assert message in res.err and len(res.err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_malformed_file_exits_2_and_writes_nothing(cli, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yml", CLEAN)
    bad = write(tmp_path, "bad.yml", "saasName: Bad\nplans: [unclosed\n")
    res = cli("import", "pricing2yaml", good, bad, "--out", tmp_path / "out")
    assert res.code == 2 and "bad.yml:" in res.err and "Traceback" not in res.err
    assert not (tmp_path / "out").exists()


def test_history_text_and_json(cli, tmp_path: Path) -> None:
    src = tmp_path / "clean"
    write(src, "2024.yml", CLEAN)
    write(src, "2023.yml", CLEAN.replace("2024-02-03", "2023-01-02").replace("price: 9", "price: 8"))
    res = cli("import", "pricing2yaml", "--history", src, "--repo", tmp_path / "repo")
    assert res.code == 0, res.err
    assert "clean/2023.yml -> " in res.out and ", release 2023.01.02" in res.out
    diff = cli("diff", "release:2023.01.02", "release:2024.02.03", "--format", "json", cwd=tmp_path / "repo")
    kinds = {(c["kind"], c["path"]) for c in json.loads(diff.out)["changes"]}
    assert ("price-increased", "plans.pro.prices.seats.unit_price") in kinds
    again = cli("import", "pricing2yaml", "--history", src, "--repo", tmp_path / "repo2", "--format", "json",
                "--strict")
    assert again.code == 0, again.out
    data = json.loads(again.out)
    assert [y["release"] for y in data["years"]] == ["2023.01.02", "2024.02.03"]
    assert all(len(y["commit"]) == 40 for y in data["years"])
    write(src, "2022.yml", GAPPY.replace("2024-02-03", "2022-01-01"))
    strict = cli("import", "pricing2yaml", "--history", src, "--repo", tmp_path / "repo3", "--strict")
    assert strict.code == 1 and "nothing written" in strict.out
    assert not (tmp_path / "repo3").exists()


def test_cli_module_imports_no_heavy_libraries() -> None:
    code = ("import sys, pricebook.cli.import_; "
            "print(sorted(m for m in ('git', 'duckdb', 'jsonschema', 'ruamel.yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
