"""pricebook.yaml: a key pricebook does not read is an error (exit 2) naming the file, the key and
the nearest known key, so a typo never silently leaves a default in force."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pricebook.errors import InputError
from pricebook.settings import load_settings
from tests.conftest import ROOT, CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PRO = "plans/pro.yaml"


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


def _settings(repo: AcmeRepo, text: str) -> None:
    (repo.root / "pricebook.yaml").write_text(text, encoding="utf-8")


def test_fail_on_with_a_dash_is_refused_not_ignored(cli: Cli, acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, 'credit: {USD: "10.00"', 'credit: {USD: "20.00"')  # a warning-level change
    _settings(acme_repo, "base: HEAD\nfail-on: warning\n")
    res = cli("diff", cwd=acme_repo.root)
    assert res.code == 2 and res.out == ""
    assert res.err.count("\n") == 1
    assert "pricebook.yaml:2" in res.err and "'fail-on'" in res.err and "did you mean 'fail_on'?" in res.err
    _settings(acme_repo, "base: HEAD\nfail_on: warning\n")  # spelled right, the warning fails the check
    assert cli("diff", cwd=acme_repo.root).code == 1


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("catalg: catalogs/acme\n", "'catalg'", "did you mean 'catalog'?"),
        ("severity: {price-increased: warning}\nbsae: HEAD\n", "'bsae'", "did you mean 'base'?"),
        ("usage:\n  sampel: usage/sample.csv\n", "'usage.sampel'", "did you mean 'usage.sample'?"),
        ("usage:\n  sample: usage/sample.csv\n  columns: {}\n", "'usage.columns'", "known: usage.sample"),
        ("zzz: 1\n", "'zzz'", "known: catalog, base, fail_on, severity, usage"),
    ],
)
def test_unknown_keys_name_the_file_the_key_and_a_suggestion(cli: Cli, acme_repo: AcmeRepo, text: str,
                                                             key: str, hint: str) -> None:
    _settings(acme_repo, text)
    for args in (("ci", "--base", "HEAD"), ("diff", "HEAD"), ("validate",)):
        res = cli(*args, cwd=acme_repo.root)
        assert res.code == 2, (args, res.out, res.err)
        assert res.out == "" and res.err.count("\n") == 1
        assert "pricebook.yaml:" in res.err and f"unknown key {key}" in res.err and hint in res.err


def test_usage_that_is_not_a_mapping_is_refused(cli: Cli, acme_repo: AcmeRepo) -> None:
    _settings(acme_repo, "usage: usage/sample.csv\n")
    res = cli("ci", "--base", "HEAD", cwd=acme_repo.root)
    assert res.code == 2 and "pricebook.yaml:1" in res.err and "'usage' must be a mapping" in res.err


def test_every_documented_key_is_accepted(cli: Cli, acme_repo: AcmeRepo) -> None:
    from pricebook.settings import KEYS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"`pricebook.yaml` at the repository root holds the defaults:\n\n```yaml\n(.*?)```",
                      readme, re.S)
    assert block is not None
    documented = yaml.safe_load(block.group(1))
    documented["usage"]["plan"] = "pro"  # read by ci (ci.revenue_impact_section)
    assert set(documented) == set(KEYS)
    (acme_repo.root / "pricebook.yaml").write_text(yaml.safe_dump(documented), encoding="utf-8")
    settings = load_settings(acme_repo.root)
    assert settings.section("usage")["plan"] == "pro"


def test_the_settings_init_writes_are_valid(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "mine"
    assert cli("init", str(repo)).code == 0
    assert load_settings(repo).get("catalog") == "catalogs/mine"
    assert cli("validate", cwd=repo).code == 0


def test_empty_sections_and_files_are_fine(tmp_path: Path) -> None:
    for text in ("", "usage:\n", "usage: {}\nseverity:\n"):
        (tmp_path / "pricebook.yaml").write_text(text, encoding="utf-8")
        load_settings(tmp_path)
    (tmp_path / "pricebook.yaml").write_text("usage: {sample: a.csv, preset: lago, Map: {}}\n",
                                             encoding="utf-8")
    with pytest.raises(InputError,
                       match=r"pricebook.yaml:1: unknown key 'usage.Map' \(did you mean 'usage.map'\?\)"):
        load_settings(tmp_path)


def test_ci_with_the_sample_still_runs_its_revenue_section(cli: Cli, acme_repo: AcmeRepo) -> None:
    shutil.copytree(ROOT / "examples" / "usage", acme_repo.root / "usage")
    _settings(acme_repo, "catalog: catalogs/acme\nusage:\n  sample: usage/sample.csv\n"
                         "  subscriptions: usage/subscriptions.csv\n  plan: pro\n")
    res = cli("ci", "--base", "HEAD", "--format", "json", cwd=acme_repo.root)
    assert res.code == 0, res.err
    assert '"name": "revenue"' in res.out and '"skipped"' not in res.out
