"""Tiers are numbered from 1 wherever people read a diff (messages, text, markdown, annotations), as
`quote` numbers them ("tier 3's $0.05"); the catalog path scripts read (JSON `path`, SARIF's logical
locations, the fingerprint) keeps the 0-based index the validate findings use too (`tiers[2]`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.diff.conftest import AcmeRepo

Cli = Callable[..., CliResult]
STARTER_TOP = '          - {unit_price: {USD: "0.0003", EUR: "0.00027"}}\n'


@pytest.fixture
def tiers_changed(acme_repo: AcmeRepo) -> AcmeRepo:
    """Pro's storage (volume): tier 2 ends at 2000 (was 1000), tier 3 costs USD 0.06 (was 0.05).
    Starter's API calls (graduated; pro and enterprise extend it): a tier 3 up to 5M split off the
    top at its own price, and the new top tier, tier 4, costs USD 0.0002 (was 0.0003)."""
    acme_repo.edit("plans/pro.yaml", "- {up_to: 1000, unit_price", "- {up_to: 2000, unit_price")
    acme_repo.edit("plans/pro.yaml", '- {unit_price: {USD: "0.05"', '- {unit_price: {USD: "0.06"')
    acme_repo.edit(
        "plans/starter.yaml",
        STARTER_TOP,
        '          - {up_to: 5000000, unit_price: {USD: "0.0003", EUR: "0.00027"}}\n'
        '          - {unit_price: {USD: "0.0002", EUR: "0.00027"}}\n',
    )
    return acme_repo


def _run(cli: Cli, repo: AcmeRepo, fmt: str) -> str:
    res = cli("diff", "HEAD", "--catalog", repo.catalog, "--format", fmt, "--fail-on", "never", cwd=repo.root)
    assert res.code == 0, res.err
    return res.out


def _changes(cli: Cli, repo: AcmeRepo) -> dict[str, dict[str, Any]]:
    return {c["path"]: c for c in json.loads(_run(cli, repo, "json"))["changes"]}


def test_messages_number_tiers_from_1(cli: Cli, tiers_changed: AcmeRepo) -> None:
    changes = _changes(cli, tiers_changed)
    messages = {path: c["message"] for path, c in changes.items()}
    assert messages["plans.pro.prices.storage.tiers[1].up_to"] == "tier 2 now ends at 2000 (was 1000)"
    assert messages["plans.pro.prices.storage.tiers[2].unit_price"] == (
        "tier 3 unit price up: USD 0.05 -> 0.06 (+20.0%)"
    )
    assert messages["plans.starter.prices.api-calls.tiers[2]"] == (
        "graduated tier 3 (up to 5000000) added"
    )
    assert messages["plans.starter.prices.api-calls.tiers[3].unit_price"] == (
        "tier 4 unit price down: USD 0.0003 -> 0.0002 (-33.3%)"
    )


def test_paths_for_scripts_keep_the_catalog_index(cli: Cli, tiers_changed: AcmeRepo) -> None:
    changes = _changes(cli, tiers_changed)
    c = changes["plans.pro.prices.storage.tiers[2].unit_price"]  # JSON path: as before
    assert c["fingerprint"] == hashlib.sha256(
        f"{c['kind']}\0plans.pro.prices.storage.tiers[2].unit_price".encode()
    ).hexdigest()[:12]
    sarif = json.loads(_run(cli, tiers_changed, "sarif"))
    names = {
        loc["fullyQualifiedName"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"][0]["logicalLocations"]
    }
    assert set(changes) == names


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "junit"])
def test_reports_for_people_number_tiers_from_1(cli: Cli, tiers_changed: AcmeRepo, fmt: str) -> None:
    out = _run(cli, tiers_changed, fmt)
    assert "tiers[" not in out and "tiers." not in out, out
    assert "prices.storage.tier 3.unit_price" in out
    assert "prices.api-calls.tier 3" in out and "prices.api-calls.tier 4.unit_price" in out


def test_ci_numbers_tiers_from_1(cli: Cli, tiers_changed: AcmeRepo) -> None:
    for fmt in ("text", "markdown", "github"):
        res = cli("ci", "--base", "HEAD", "--catalog", tiers_changed.catalog, "--format", fmt,
                  cwd=tiers_changed.root)
        assert res.code == 1, res.err  # a price went up
        assert "tiers[" not in res.out, (fmt, res.out)
        assert "tier 3 unit price up: USD 0.05 -> 0.06" in res.out or fmt == "markdown"
        assert "prices.storage.tier 3.unit_price" in res.out
