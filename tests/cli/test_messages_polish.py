"""Messages say values as the user's YAML writes them (``true``, ``[model, region]``, "no value"),
never as Python prints them (``'True'``, ``None``, ``['model']``, ``Decimal('1')``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pricebook.diagnostics import describe_value, yaml_text
from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]
PYTHONISM = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\['|\[\"|Decimal\(")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def said(res: CliResult) -> str:
    text = res.out + res.err
    assert not PYTHONISM.search(text), text
    return text


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("catalog.yaml", "currency: USD", "currency: true",
     "true (a boolean) must be an ISO 4217 code such as USD"),
    ("catalog.yaml", "currency: USD", "currency:", "no value (empty or null); must be an ISO 4217 code"),
    ("catalog.yaml", "rounding: half_up", "rounding: false", "false (a boolean) has the wrong type"),
    ("plans/pro.yaml", "enforcement: soft", "enforcement: 5", "5 (a number) is not one of: hard, soft"),
    ("plans/pro.yaml", "enforcement: soft", "enforcement: null",
     "no value (empty or null); expected one of: hard, soft"),
    ("add_ons.yaml", "available_for: [pro, enterprise]", "available_for: [pro, true]",
     "true (a boolean) has the wrong type: expected string"),
])
def test_validate_says_the_wrong_value_as_yaml_writes_it(
    cli: Cli, acme_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    edit(acme_copy / file, old, new)
    res = cli("validate", str(acme_copy))
    assert res.code == 1
    assert expected in said(res)


def test_release_refusal_quotes_the_finding_in_the_users_terms(cli: Cli, acme_copy: Path) -> None:
    edit(acme_copy / "catalog.yaml", "currency: USD", "currency: true")
    res = cli("release", "-c", str(acme_copy), "--effective", "2026-01-01")
    assert res.code == 1
    assert "true (a boolean) must be an ISO 4217 code" in said(res)


@pytest.mark.parametrize(("usage", "expected"), [
    ("api-calls: true\n",
     "api-calls: expected a quantity or a list of transaction values, got true (a boolean)"),
    ("api-calls:\n", "got no value (empty or null)"),
    ("payments: [1, null]\n", "payments[1]: expected a number, got no value (empty or null)"),
    ("api-calls: [1, true]\n", "api-calls[1]: expected a number, got true (a boolean)"),
    ("- 1\n", "a usage file maps each meter to its usage, got a list ([1])"),
])
def test_quote_usage_file_says_what_the_file_holds(
    cli: Cli, acme_copy: Path, tmp_path: Path, usage: str, expected: str
) -> None:
    f = tmp_path / "usage.yaml"
    f.write_text(usage, encoding="utf-8")
    res = cli("quote", "-c", str(acme_copy), "--plan", "pro", "--usage-file", str(f))
    assert res.code == 2
    assert expected in said(res)


@pytest.fixture
def acme_repo(git_repo: Git) -> AcmeRepo:
    return make_acme_repo(git_repo)


def test_diff_messages_say_not_set_and_yaml_lists(cli: Cli, git_repo: Git) -> None:
    repo = make_acme_repo(git_repo)
    repo.edit("catalog.yaml", "skus:",
              "grandfathering:\n  legacy: {customers: [cus_1], release: r1}\n\nskus:")
    repo.commit("grandfather legacy")
    repo.edit("catalog.yaml", "legacy: {customers: [cus_1], release: r1}",
              "legacy: {customers: [cus_1, cus_2], release: r1, until: 2027-01-01}")
    repo.edit("catalog.yaml", "dimensions: [model]", "dimensions: [model, region]")
    repo.edit("catalog.yaml", "images: {name: Generated images, unit: image,",
              "images: {name: Generated images,")
    repo.edit("catalog.yaml", 'unit_cost: "0.00002"}', "}")
    repo.edit("plans/pro.yaml", "      sso: true", "      sso: 5")
    repo.edit("plans/pro.yaml", "description: For growing teams in production.", "description: null")
    res = cli("diff", "HEAD", "--format", "json", cwd=repo.root)
    messages = {c["message"] for c in json.loads(said(res))["changes"]}
    assert {
        "grandfathering customers: [cus_1] -> [cus_1, cus_2]",
        "grandfathering until: (not set) -> 2027-01-01",
        "meter dimensions: [model] -> [model, region]",
        "meter unit: image -> (not set)",
        "SKU unit_cost: 0.00002 -> (not set)",
        "'sso': true -> 5",
        "description changed: 'For growing teams in production.' -> (not set)",
    } <= messages, messages
    said(cli("diff", "HEAD", cwd=repo.root))  # the text report says them the same way


@pytest.mark.parametrize(("settings", "expected"), [
    ("catalog: true\n", "pricebook.yaml:1: 'catalog' must be a path, not true (a boolean)"),
    ("base: [main]\n", "'base' must be a git ref, a path or release:<id>, not a list ([main])"),
    ("base: 2026.10\n", "'base' must be a git ref, a path or release:<id>, not a number: put it in quotes"),
    ("fail_on: true\n", "'fail_on' must be one of breaking, warning, info or never, not true (a boolean)"),
    ("fail_on: sometimes\n",
     "pricebook.yaml: fail_on must be breaking, warning, info or never, not 'sometimes'"),
    ("severity: {price-increased: null}\n",
     "severity: price-increased: no value (empty or null) is not breaking, warning or info"),
    ("severity: {price-increased: [warning]}\n",
     "severity: price-increased: a list ([warning]) is not breaking, warning or info"),
    ("usage: {sample: [a.csv, null]}\n", "'usage.sample' must be a path or a list of paths, not a list"),
])
def test_settings_values_of_the_wrong_kind_exit_2_in_the_files_terms(
    cli: Cli, acme_repo: AcmeRepo, settings: str, expected: str
) -> None:
    (acme_repo.root / "pricebook.yaml").write_text(settings, encoding="utf-8")
    res = cli("diff", "HEAD", cwd=acme_repo.root)
    assert res.code == 2  # never 3: a setting of the wrong kind is the user's to fix, not a bug
    assert expected in said(res)
    assert "--fail-on" not in res.err  # a value from pricebook.yaml is not blamed on the flag


def test_yaml_text_and_describe_value() -> None:
    from datetime import date
    from decimal import Decimal

    assert yaml_text({"plans": ["pro"], "until": date(2027, 1, 1), "on": True, "x": None}) == (
        "{plans: [pro], until: 2027-01-01, on: true, x: null}")
    assert yaml_text(Decimal("1E-7")) == "0.0000001"
    assert yaml_text(["true", "007", "a b", "a, b"]) == '["true", "007", a b, "a, b"]'
    assert yaml_text("0.00002", quote=False) == "0.00002"
    assert yaml_text(None, none="(not set)") == "(not set)"
    assert describe_value(False) == "false (a boolean)"
    assert describe_value(Decimal("12")) == "12 (a number)"
    assert describe_value({"a": 1}) == "a mapping ({a: 1})"
