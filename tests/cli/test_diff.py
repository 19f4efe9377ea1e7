"""`pricebook diff` end to end: exit codes under --fail-on, settings, formats, and every way a
comparison can fail to run (which must never print "no changes")."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from pricebook.load import load_catalog
from pricebook.load.dump import canonical_json, catalog_to_data
from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


PRO = "plans/pro.yaml"


def _one_of_each(repo: AcmeRepo) -> None:
    """A breaking, a warning and an info change."""
    repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')  # breaking
    repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')  # warning
    repo.edit("plans/free.yaml", "projects: 3", "projects: 5")  # info


@pytest.mark.parametrize(("fail_on", "code"), [("breaking", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_with_a_breaking_change(cli: Cli, acme_repo: AcmeRepo, fail_on: str, code: int) -> None:
    _one_of_each(acme_repo)
    res = cli("diff", "HEAD", "--fail-on", fail_on, cwd=acme_repo.root)
    assert res.code == code, res.err
    assert "3 changes: 1 breaking, 1 warning, 1 info" in res.out


@pytest.mark.parametrize(("fail_on", "code"), [("breaking", 0), ("warning", 0), ("info", 1), ("never", 0)])
def test_fail_on_with_only_an_info_change(cli: Cli, acme_repo: AcmeRepo, fail_on: str, code: int) -> None:
    acme_repo.edit("plans/free.yaml", "projects: 3", "projects: 5")
    res = cli("diff", "HEAD", "--fail-on", fail_on, cwd=acme_repo.root)
    assert res.code == code
    assert "entitlement-limit-raised" in res.out


@pytest.mark.parametrize(("fail_on", "code"), [("breaking", 0), ("warning", 1)])
def test_fail_on_with_only_a_warning(cli: Cli, acme_repo: AcmeRepo, fail_on: str, code: int) -> None:
    acme_repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')
    assert cli("diff", "HEAD", "--fail-on", fail_on, cwd=acme_repo.root).code == code


def test_no_changes_exits_0(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("diff", "HEAD", "--fail-on", "info", cwd=acme_repo.root)
    assert res.code == 0 and "no changes" in res.out


def test_bad_fail_on_is_a_usage_error(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("diff", "HEAD", "--fail-on", "error", cwd=acme_repo.root)
    assert res.code == 2 and "--fail-on" in res.err


def test_fail_on_default_from_settings(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')
    assert cli("diff", "HEAD", cwd=acme_repo.root).code == 0
    (acme_repo.root / "pricebook.yaml").write_text("fail_on: warning\n", encoding="utf-8")
    assert cli("diff", "HEAD", cwd=acme_repo.root).code == 1
    assert cli("diff", "HEAD", "--fail-on", "breaking", cwd=acme_repo.root).code == 0  # the flag wins


def test_severity_override_from_settings(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    (acme_repo.root / "pricebook.yaml").write_text(
        "severity:\n  price-increased: warning\n", encoding="utf-8"
    )
    res = cli("diff", "HEAD", "--format", "json", cwd=acme_repo.root)
    assert res.code == 0
    [change] = json.loads(res.out)["changes"]
    assert (change["kind"], change["severity"]) == ("price-increased", "warning")


def test_unknown_kind_in_severity_overrides_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    (acme_repo.root / "pricebook.yaml").write_text("severity:\n  price-went-up: warning\n", encoding="utf-8")
    res = cli("diff", "HEAD", cwd=acme_repo.root)
    assert res.code == 2 and "price-went-up" in res.err


def test_base_from_settings(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.git("branch", "stable")
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    acme_repo.commit("raise pro")
    (acme_repo.root / "pricebook.yaml").write_text("base: stable\n", encoding="utf-8")
    res = cli("diff", "--format", "json", cwd=acme_repo.root)
    assert res.code == 1
    data = json.loads(res.out)
    assert data["base"].startswith("stable@")
    assert [c["kind"] for c in data["changes"]] == ["price-increased"]


def test_base_defaults_to_the_newest_release(cli: Cli, acme_repo: AcmeRepo) -> None:
    snapshot = canonical_json(catalog_to_data(load_catalog(acme_repo.catalog).catalog))  # type: ignore[arg-type]
    acme_repo.write("releases/2026.01.01.json", snapshot.replace('"49.00"', '"39.00"'))
    acme_repo.write("releases/2026.02.01.json", snapshot)
    acme_repo.write(
        "releases/index.yaml",
        "releases:\n  - {id: 2026.01.01, effective_from: 2026-01-01}\n"
        "  - {id: 2026.02.01, effective_from: 2026-02-01}\n",
    )
    acme_repo.edit("plans/free.yaml", "projects: 3", "projects: 5")
    res = cli("diff", "--format", "json", cwd=acme_repo.root)
    data = json.loads(res.out)
    assert data["base"] == "release:2026.02.01"
    assert [c["kind"] for c in data["changes"]] == ["entitlement-limit-raised"]


def test_nothing_to_compare_with_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("diff", cwd=acme_repo.root)
    assert res.code == 2
    assert "nothing to compare with" in res.err and "no changes" not in res.out


def test_missing_ref_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    res = cli("diff", "origin/main", cwd=acme_repo.root)
    assert res.code == 2
    assert "unknown revision 'origin/main'" in res.err and "git fetch origin main" in res.err
    assert "no changes" not in res.out


def test_shallow_clone_lacking_the_ref_exits_2_with_a_fetch_hint(
    cli: Cli, acme_repo: AcmeRepo, tmp_path: Path
) -> None:
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    acme_repo.commit("raise pro")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{acme_repo.root}", str(clone)], check=True)
    res = cli("diff", "HEAD~1", cwd=clone)
    assert res.code == 2
    assert "shallow clone" in res.err and "git fetch" in res.err
    assert "no changes" not in res.out
    # a remote branch the clone lacks: fetched as remote and branch, not 'git fetch origin origin/x'
    res = cli("diff", "origin/develop", cwd=clone)
    assert res.code == 2 and "shallow clone" in res.err, res.err
    assert "'git fetch origin develop'" in res.err and "origin origin/" not in res.err, res.err


def test_a_base_that_does_not_load_exits_2_naming_the_error(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, "    prices:\n", "    prices: [\n")
    acme_repo.commit("break pro")
    acme_repo.edit(PRO, "    prices: [\n", "    prices:\n")
    res = cli("diff", "HEAD", cwd=acme_repo.root)
    assert res.code == 2
    assert "does not load" in res.err and "plans/pro.yaml:" in res.err and "PB001" in res.err
    assert "no changes" not in res.out


def test_a_head_that_does_not_load_exits_2(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, "    prices:\n", "    prices: [\n")
    res = cli("diff", "HEAD", cwd=acme_repo.root)
    assert res.code == 2 and "does not load" in res.err


def test_an_unclassified_change_is_an_internal_error(
    cli: Cli, acme_repo: AcmeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pricebook.diff import classify

    monkeypatch.setattr(classify, "RULES", [r for r in classify.RULES if r.kind != "price-increased"])
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    res = cli("diff", "HEAD", cwd=acme_repo.root)
    assert res.code == 3
    assert "price-increased" in res.err and "no changes" not in res.out


def test_json_fields(cli: Cli, acme_repo: AcmeRepo) -> None:
    _one_of_each(acme_repo)
    res = cli("diff", "HEAD", "--format", "json", "--fail-on", "never", cwd=acme_repo.root)
    data = json.loads(res.out)
    assert data["base"].startswith("HEAD@") and data["head"] == "catalogs/acme"
    assert data["summary"] == {"breaking": 1, "warning": 1, "info": 1}
    by_kind = {c["kind"]: c for c in data["changes"]}
    up = by_kind["price-increased"]
    assert {"kind", "severity", "path", "before", "after", "message", "fingerprint"} <= set(up)
    assert up["path"] == "plans.pro.prices.platform.amount"
    assert (up["before"], up["after"], up["delta_pct"]) == (
        {"USD": "49.00"},
        {"USD": "59.00"},
        {"USD": "+20.4%"},
    )
    assert up["file"].endswith("plans/pro.yaml") and up["line"] == 8
    # the fingerprint is stable across runs and depends on kind and path only
    again = json.loads(cli("diff", "HEAD", "--format", "json", "--fail-on", "never", cwd=acme_repo.root).out)
    assert [c["fingerprint"] for c in again["changes"]] == [c["fingerprint"] for c in data["changes"]]
    assert len({c["fingerprint"] for c in data["changes"]}) == 3


def test_text_groups_by_entity(cli: Cli, acme_repo: AcmeRepo) -> None:
    _one_of_each(acme_repo)
    out = cli("diff", "HEAD", "--fail-on", "never", cwd=acme_repo.root).out
    assert out.index("plans.free") < out.index("entitlement-limit-raised") < out.index("plans.pro")
    assert "USD 49.00 -> 59.00 (+20.4%)" in out


def test_github_annotations_point_at_the_changed_line(cli: Cli, acme_repo: AcmeRepo) -> None:
    _one_of_each(acme_repo)
    res = cli("diff", "HEAD", "--format", "github", cwd=acme_repo.root)
    assert res.code == 1
    lines = res.out.strip().splitlines()
    err = next(ln for ln in lines if ln.startswith("::error "))
    assert "file=catalogs/acme/plans/pro.yaml,line=8," in err and "title=price-increased" in err
    assert any(ln.startswith("::warning ") and "credit-increased" in ln for ln in lines)
    assert any(ln.startswith("::notice ") and "entitlement-limit-raised" in ln for ln in lines)


def test_github_annotations_of_a_git_head_use_checkout_paths(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    acme_repo.commit("raise pro")
    res = cli("diff", "HEAD~1", "HEAD", "--format", "github", cwd=acme_repo.root)
    assert "file=catalogs/acme/plans/pro.yaml,line=8," in res.out


def test_sarif_and_junit(cli: Cli, acme_repo: AcmeRepo) -> None:
    _one_of_each(acme_repo)
    sarif = json.loads(cli("diff", "HEAD", "--format", "sarif", cwd=acme_repo.root).out)
    results = sarif["runs"][0]["results"]
    assert {(r["ruleId"], r["level"]) for r in results} == {
        ("price-increased", "error"),
        ("credit-increased", "warning"),
        ("entitlement-limit-raised", "note"),
    }
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "pay more" in rules["price-increased"]["shortDescription"]["text"]
    junit = ET.fromstring(cli("diff", "HEAD", "--format", "junit", cwd=acme_repo.root).out)
    assert junit.get("failures") == "1" and junit.get("tests") == "3"


def test_markdown_has_a_summary_and_a_table_per_plan(cli: Cli, acme_repo: AcmeRepo) -> None:
    _one_of_each(acme_repo)
    md = cli("diff", "HEAD", "--format", "markdown", cwd=acme_repo.root).out
    assert "**3 changes: 1 breaking, 1 warning, 1 info** — **fails** the check" in md
    assert "#### `plans.pro`" in md and "#### `plans.free`" in md
    assert (
        "| 🔴 breaking | `price-increased` | `prices.platform.amount` | USD 49.00 → 59.00 | USD +20.4% |"
        in md
    )


def test_importing_the_cli_does_not_import_git(tmp_path: Path) -> None:
    code = (
        "import sys, pricebook.cli.diff, pricebook.cli.history, pricebook.cli.ci; "
        "print(any(m == 'git' or m.startswith('git.') for m in sys.modules), 'duckdb' in sys.modules)"
    )
    out = subprocess.run([sys_executable(), "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def sys_executable() -> str:
    import sys

    return sys.executable


def test_one_file_of_a_catalog_folder_is_refused_a_whole_file_catalog_is_not(cli: Cli,
                                                                              tmp_path: Path) -> None:
    # catalogs/acme/catalog.yaml alone would compare as acme without its plans: every plan "removed"
    from tests.conftest import ACME

    res = cli("diff", str(ACME), str(ACME / "catalog.yaml"))
    assert res.code == 2
    assert f"'{ACME / 'catalog.yaml'}' is one file of the catalog folder '{ACME}'" in res.err
    # a catalog that is one file, beside another catalog that is one file: compared as given
    one = "catalog: {id: t, name: T, currency: USD}\nskus: {f: {name: F}}\nplans:\n  p:\n    name: P\n" \
          '    prices: {f: {model: flat, amount: "AMOUNT"}}\n'
    (tmp_path / "a.yaml").write_text(one.replace("AMOUNT", "10"))
    (tmp_path / "b.yaml").write_text(one.replace("AMOUNT", "12"))
    res = cli("diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--format", "json")
    assert res.code == 1, res.err  # a price increase is breaking
    assert [c["kind"] for c in json.loads(res.out)["changes"]] == ["price-increased"]


def test_a_kind_whose_severity_depends_on_the_change_is_described_for_each() -> None:
    # SARIF's rule list used the first rule's reason: a breaking tier-removed was described as "two
    # tiers of one price merged: no bill changes"
    from pricebook.diff.classify import RULES
    from pricebook.report.diff_findings import describe_kind

    for kind in {r.kind for r in RULES}:
        text = describe_kind(kind)
        assert text is not None
        for r in RULES:
            if r.kind == kind:
                assert r.reason in text, (kind, r.reason)
                if len({x.reason for x in RULES if x.kind == kind}) > 1:
                    assert f"{r.severity}: {r.reason}" in text
