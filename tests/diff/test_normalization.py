"""Reformatting a file or moving an entity to another file is never a change."""

from __future__ import annotations

from pricebook.diff import compare
from tests.diff.conftest import AcmeRepo

# plans/pro.yaml rewritten: block style instead of flow, other quoting, keys reordered, numbers
# written differently, an anchor and alias for the repeated currency list.
PRO_REFORMATTED = """\
plans:
  pro:
    extends: 'starter'
    prices:
      storage:
        tiers:
        - unit_price: {EUR: '0.09', USD: '0.10'}
          up_to: 100
        - {up_to: 1000.0, unit_price: {USD: 0.08, EUR: 0.07}}
        - flat_fee:
            USD: "10"
            EUR: 9.00
          unit_price:
            EUR: "0.045"
            USD: "0.050"
        model: volume
      images:
        included: 200
        package_price: {EUR: "3.6", USD: "4"}
        package_size: 1e2
        model: package
      seats:
        included: 3
        unit_price:
          USD: "12.00"
          EUR: "11.00"
        model: "per_unit"
      platform:
        amount: {EUR: "45.00", USD: "49.00"}
        model: flat
    entitlements:
      monthly-tokens: {enforcement: hard, limit: 500000000}
      monthly-calls:
        enforcement: soft
        limit: 10000000
      projects: 50
      audit-log: false
      sso: True
    credit: {USD: "10.00", EUR: "9.00"}
    minimum: {EUR: "90", USD: "100"}
    description: "For growing teams in production."
    name: "Pro"
"""


def test_reformatting_gives_no_changes(acme_repo: AcmeRepo) -> None:
    acme_repo.write("plans/pro.yaml", PRO_REFORMATTED)
    acme_repo.edit(
        "plans/free.yaml",
        "      sso: false\n      audit-log: false",
        "      sso: &off false\n      audit-log: *off",
    )
    acme_repo.commit("Reformat pro.yaml")
    result = compare("HEAD~1", "HEAD", acme_repo.catalog)
    assert result.changes == []


def test_moving_plans_between_files_gives_no_changes(acme_repo: AcmeRepo) -> None:
    pro = (acme_repo.catalog / "plans/pro.yaml").read_text(encoding="utf-8")
    free = (acme_repo.catalog / "plans/free.yaml").read_text(encoding="utf-8")
    acme_repo.remove("plans/pro.yaml")
    acme_repo.remove("plans/free.yaml")
    body = pro.split("plans:\n", 1)[1] + free.split("plans:\n", 1)[1]
    acme_repo.write("all-plans/paid-and-free.yml", "plans:\n" + body)
    acme_repo.commit("Move pro and free into one file")
    result = compare("HEAD~1", "HEAD", acme_repo.catalog)
    assert result.changes == []


def test_inlining_extends_gives_no_changes(acme_repo: AcmeRepo) -> None:
    # pro without `extends: starter`, its inherited prices written out: the resolved plan is equal.
    starter = (acme_repo.catalog / "plans/starter.yaml").read_text(encoding="utf-8")
    inherited = starter.split("    prices:\n", 1)[1].split("    entitlements:", 1)[0]
    keep = "".join(
        line + "\n"
        for line in inherited.splitlines()
        if not line.startswith(("      platform:", "      seats:"))
    )
    acme_repo.edit(
        "plans/pro.yaml",
        "    extends: starter             # same tokens and API calls as Starter, then these overrides\n",
        "    currencies: [USD, EUR]\n",
    )
    acme_repo.edit("plans/pro.yaml", "    prices:\n", "    prices:\n" + keep)
    acme_repo.commit("Write pro out in full")
    result = compare("HEAD~1", "HEAD", acme_repo.catalog)
    assert result.changes == []


def test_reordering_lists_that_are_sets_gives_no_changes(acme_repo: AcmeRepo) -> None:
    acme_repo.edit("catalog.yaml", "dimensions: [model]", "dimensions: [model, region]")
    acme_repo.commit("Add a region dimension")
    acme_repo.edit("catalog.yaml", "dimensions: [model, region]", "dimensions: [region, model]")
    acme_repo.edit("plans/starter.yaml", "currencies: [USD, EUR]", "currencies: [EUR, USD]")
    acme_repo.edit("add_ons.yaml", "available_for: [pro, enterprise]", "available_for: [enterprise, pro]")
    acme_repo.commit("Reorder lists")
    assert compare("HEAD~1", "HEAD", acme_repo.catalog).changes == []
