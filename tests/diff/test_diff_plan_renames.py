"""A plan rename carries the references to it: an add-on's `available_for` or a grandfathering
rule's `plans` that follows the plan from its old id to the new one is part of the rename, not the
add-on withdrawn from a plan (breaking) or the rule changing whom it protects. A reference dropped
or moved anywhere else is still reported, and so is every reference when the plan was not renamed
(removed and another added)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pricebook.diff import compare
from tests.conftest import CliResult, Git
from tests.diff.conftest import AcmeRepo, make_acme_repo

RULE = """
grandfathering:
  legacy-pro:
    plans: [pro, starter]
    subscribed_before: 2026-06-01
    release: 2026.01.01
"""
ADD_ON = "    available_for: [pro, enterprise]"
ADD_ON_NEW = "    available_for: [professional, enterprise]"
RULE_PLANS = "    plans: [pro, starter]"
RULE_PLANS_NEW = "    plans: [professional, starter]"


@pytest.fixture
def repo(cli: Callable[..., CliResult], git_repo: Git) -> AcmeRepo:
    """catalogs/acme with a release and a grandfathering rule on pro and starter, committed."""
    acme = make_acme_repo(git_repo)
    assert cli("release", "2026.01.01", "--effective", "2026-01-01", cwd=acme.root).code == 0
    acme.write("catalog.yaml", (acme.catalog / "catalog.yaml").read_text(encoding="utf-8") + RULE)
    acme.commit("a release, and a rule that keeps early pro and starter customers on it")
    assert cli("validate", acme.catalog, cwd=acme.root).code == 0
    return acme


def rename_pro(repo: AcmeRepo, references: bool = True) -> None:
    """pro -> professional, the plan (and enterprise, which extends it), and with ``references``
    the add-on and the rule that name it."""
    (repo.catalog / "plans/pro.yaml").rename(repo.catalog / "plans/professional.yaml")
    repo.edit("plans/professional.yaml", "\n  pro:\n", "\n  professional:\n")
    repo.edit("plans/enterprise.yaml", "extends: pro\n", "extends: professional\n")
    if references:
        repo.edit("add_ons.yaml", ADD_ON, ADD_ON_NEW)
        repo.edit("catalog.yaml", RULE_PLANS, RULE_PLANS_NEW)


def changes(repo: AcmeRepo) -> set[tuple[str, str, str]]:
    return {(c.kind, c.severity, c.path_str) for c in compare("HEAD", None, repo.catalog).changes}


def test_a_renamed_plan_with_its_references_is_one_change(
    cli: Callable[..., CliResult], repo: AcmeRepo
) -> None:
    rename_pro(repo)
    assert cli("validate", repo.catalog, cwd=repo.root).code == 0
    assert changes(repo) == {("plan-renamed", "breaking", "plans.professional")}
    res = cli("diff", "HEAD", "--catalog", repo.catalog, "--format", "json", cwd=repo.root)
    assert res.code == 1, res.err  # the rename itself is breaking: subscriptions name the old id
    assert json.loads(res.out)["summary"] == {"breaking": 1, "warning": 0, "info": 0}


def test_a_reference_dropped_or_moved_elsewhere_is_still_reported(repo: AcmeRepo) -> None:
    rename_pro(repo, references=False)
    # pro dropped, starter added
    repo.edit("add_ons.yaml", ADD_ON, "    available_for: [enterprise, starter]")
    repo.edit("catalog.yaml", RULE_PLANS, "    plans: [starter]")  # the rule no longer protects pro
    result = compare("HEAD", None, repo.catalog)
    assert {(c.kind, c.severity, c.path_str, str(c.before), str(c.after)) for c in result.changes} == {
        ("plan-renamed", "breaking", "plans.professional", "pro", "professional"),
        ("add-on-plan-removed", "breaking", "add_ons.priority-support.available_for", "pro", "None"),
        ("add-on-plan-added", "info", "add_ons.priority-support.available_for", "None", "starter"),
        ("grandfathering-changed", "warning", "grandfathering.legacy-pro.plans",
         "['pro', 'starter']", "['starter']"),
    }


def test_a_reference_that_follows_the_rename_and_another_change_reports_only_the_other(
    repo: AcmeRepo,
) -> None:
    rename_pro(repo, references=False)
    repo.edit("add_ons.yaml", ADD_ON, "    available_for: [professional, enterprise, starter]")
    repo.edit("catalog.yaml", RULE_PLANS, "    plans: [professional]")  # starter is no longer protected
    assert changes(repo) == {
        ("plan-renamed", "breaking", "plans.professional"),
        ("add-on-plan-added", "info", "add_ons.priority-support.available_for"),
        ("grandfathering-changed", "warning", "grandfathering.legacy-pro.plans"),
    }


def test_an_add_on_or_rule_renamed_with_the_plan_is_still_a_rename(repo: AcmeRepo) -> None:
    rename_pro(repo)
    repo.edit("add_ons.yaml", "  priority-support:\n", "  premium-support:\n")
    repo.edit("catalog.yaml", "  legacy-pro:\n", "  legacy-professional:\n")
    assert changes(repo) == {
        ("plan-renamed", "breaking", "plans.professional"),
        ("add-on-renamed", "breaking", "add_ons.premium-support"),
        ("grandfathering-renamed", "info", "grandfathering.legacy-professional"),
    }


def test_references_to_a_plan_removed_rather_than_renamed_are_reported(repo: AcmeRepo) -> None:
    # the new plan also costs more: not a rename, so nothing folds into it
    rename_pro(repo)
    repo.edit("plans/professional.yaml", '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    found = changes(repo)
    assert ("plan-removed", "breaking", "plans.pro") in found
    assert ("plan-added", "info", "plans.professional") in found
    assert {c for c in found if c[0].startswith(("add-on", "grandfathering"))} == {
        ("add-on-plan-removed", "breaking", "add_ons.priority-support.available_for"),
        ("add-on-plan-added", "info", "add_ons.priority-support.available_for"),
        ("grandfathering-changed", "warning", "grandfathering.legacy-pro.plans"),
    }


def test_a_rule_lists_plans_and_customers_in_any_order(repo: AcmeRepo) -> None:
    # a rule matches a plan (or customer) in its list: reordering it changes whom it keeps in nothing
    repo.edit("catalog.yaml", RULE_PLANS, "    plans: [starter, pro]")
    assert changes(repo) == set()
    rename_pro(repo, references=False)
    repo.edit("add_ons.yaml", ADD_ON, ADD_ON_NEW)
    repo.edit("catalog.yaml", "    plans: [starter, pro]", "    plans: [starter, professional]")
    assert {k for k, _, _ in changes(repo)} == {"plan-renamed"}
    repo.edit("catalog.yaml", "    plans: [starter, professional]", "    plans: [professional]")
    assert ("grandfathering-changed", "warning", "grandfathering.legacy-pro.plans") in changes(repo)
