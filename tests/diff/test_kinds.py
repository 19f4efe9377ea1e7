"""Every kind of change, committed in a real git repository, with its kind, severity and path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pricebook.diff import compare
from tests.diff.conftest import AcmeRepo

Edit = Callable[[AcmeRepo], None]


def e(rel: str, old: str, new: str) -> Edit:
    return lambda r: r.edit(rel, old, new)


def both(*edits: Edit) -> Edit:
    def run(r: AcmeRepo) -> None:
        for ed in edits:
            ed(r)

    return run


PRO, FREE, STARTER, ENT, CAT = (
    "plans/pro.yaml",
    "plans/free.yaml",
    "plans/starter.yaml",
    "plans/enterprise.yaml",
    "catalog.yaml",
)
TEAM = """plans:
  team:
    name: Team
    prices:
      platform: {model: flat, amount: "29.00"}
"""
LEGACY_SKU = "  support: {name: Priority support}\n"
GRANDFATHER = """grandfathering:
  legacy-pro:
    plans: [pro]
    subscribed_before: 2026-06-01
    release: 2026.01.01
"""

# (id, edit applied to the base commit first (or None), edit of the head commit, expected changes)
CASES: list[tuple[str, Edit | None, Edit, set[tuple[str, str, str]]]] = [
    (
        "flat-fee-up",
        None,
        e(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "55.00"}'),
        {("price-increased", "breaking", "plans.pro.prices.platform.amount")},
    ),
    (
        "unit-price-down",
        None,
        e(PRO, '{USD: "12.00", EUR: "11.00"}, included: 3', '{USD: "10.00", EUR: "9.00"}, included: 3'),
        {("price-decreased", "warning", "plans.pro.prices.seats.unit_price")},
    ),
    (
        "mixed-currencies",
        None,
        e(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "40.00"}'),
        {
            ("price-increased", "breaking", "plans.pro.prices.platform.amount"),
            ("price-decreased", "warning", "plans.pro.prices.platform.amount"),
        },
    ),
    (
        "tier-bound-lowered-into-dearer-tier",
        None,
        e(FREE, "{up_to: 1000, ", "{up_to: 500, "),
        {("tier-bound-lowered", "breaking", "plans.free.prices.api-calls.tiers[0].up_to")},
    ),
    (
        "tier-bound-raised-cheaper",
        None,
        e(FREE, "{up_to: 1000, ", "{up_to: 5000, "),
        {("tier-bound-raised", "warning", "plans.free.prices.api-calls.tiers[0].up_to")},
    ),
    (
        "tier-added",
        None,
        e(
            FREE,
            '- {unit_price: "0.002"}',
            '- {up_to: 5000, unit_price: "0.001"}\n          - {unit_price: "0.002"}',
        ),
        # usage from 1,000 to 5,000 paid 0.002 and pays 0.001
        {("tier-added", "warning", "plans.free.prices.api-calls.tiers[1]")},
    ),
    (
        "tier-added-dearer",
        None,
        e(
            FREE,
            '- {unit_price: "0.002"}',
            '- {up_to: 5000, unit_price: "0.003"}\n          - {unit_price: "0.002"}',
        ),
        {("tier-added", "breaking", "plans.free.prices.api-calls.tiers[1]")},
    ),
    (
        # a new bound at the same price changes no bill; what changes beyond it is its own change
        "tier-split-at-its-own-price",
        None,
        e(
            FREE,
            '- {unit_price: "0.002"}',
            '- {up_to: 5000, unit_price: "0.002"}\n          - {unit_price: "0.001"}',
        ),
        {
            ("tier-added", "info", "plans.free.prices.api-calls.tiers[1]"),
            ("price-decreased", "warning", "plans.free.prices.api-calls.tiers[2].unit_price"),
        },
    ),
    (
        "tier-removed",
        e(
            FREE,
            '- {unit_price: "0.002"}',
            '- {up_to: 5000, unit_price: "0.001"}\n          - {unit_price: "0.002"}',
        ),
        e(FREE, '          - {up_to: 5000, unit_price: "0.001"}\n', ""),
        # usage from 1,000 to 5,000 paid 0.001 and now pays the last tier's 0.002
        {("tier-removed", "breaking", "plans.free.prices.api-calls.tiers[1]")},
    ),
    (
        "tier-removed-cheaper",
        e(
            FREE,
            '- {unit_price: "0.002"}',
            '- {up_to: 5000, unit_price: "0.003"}\n          - {unit_price: "0.002"}',
        ),
        e(FREE, '          - {up_to: 5000, unit_price: "0.003"}\n', ""),
        {("tier-removed", "warning", "plans.free.prices.api-calls.tiers[1]")},
    ),
    (
        "tier-unit-price-up",
        None,
        e(FREE, '- {unit_price: "0.002"}', '- {unit_price: "0.003"}'),
        {("price-increased", "breaking", "plans.free.prices.api-calls.tiers[1].unit_price")},
    ),
    (
        "tier-flat-fee-down",
        None,
        e(ENT, 'flat_fee: {USD: "25.00", EUR: "22.50"}', 'flat_fee: {USD: "20.00", EUR: "20.00"}'),
        {("price-decreased", "warning", "plans.enterprise.prices.projects.tiers[1].flat_fee")},
    ),
    (
        "package-size-down",
        None,
        e(PRO, "package_size: 100", "package_size: 50"),
        {
            ("package-size-decreased", "breaking", "plans.pro.prices.images.package_size"),
            ("package-size-decreased", "breaking", "plans.enterprise.prices.images.package_size"),
        },
    ),
    (
        "package-price-up",
        None,
        e(PRO, 'package_price: {USD: "4.00", EUR: "3.60"}', 'package_price: {USD: "5.00", EUR: "3.60"}'),
        {
            ("price-increased", "breaking", "plans.pro.prices.images.package_price"),
            ("price-increased", "breaking", "plans.enterprise.prices.images.package_price"),
        },
    ),
    (
        "included-units-down",
        None,
        e(PRO, "included: 200", "included: 100"),
        {
            ("included-units-decreased", "breaking", "plans.pro.prices.images.included"),
            ("included-units-decreased", "breaking", "plans.enterprise.prices.images.included"),
        },
    ),
    (
        "included-units-up",
        None,
        e(FREE, "included: 100000", "included: 200000"),
        {("included-units-increased", "warning", "plans.free.prices.tokens.included")},
    ),
    (
        "percent-up",
        None,
        e(ENT, 'percent: "2.9"', 'percent: "3.1"'),
        {("percent-increased", "breaking", "plans.enterprise.prices.payments.percent")},
    ),
    (
        "percentage-min-max-fixed",
        None,
        both(
            e(ENT, 'min: {USD: "0.50"', 'min: {USD: "0.60"'),
            e(ENT, 'max: {USD: "25.00"', 'max: {USD: "20.00"'),
            e(ENT, 'fixed_fee: {USD: "0.30"', 'fixed_fee: {USD: "0.25"'),
        ),
        {
            ("price-min-increased", "breaking", "plans.enterprise.prices.payments.min"),
            ("price-max-decreased", "warning", "plans.enterprise.prices.payments.max"),
            ("price-decreased", "warning", "plans.enterprise.prices.payments.fixed_fee"),
        },
    ),
    (
        "percentage-max-removed",
        None,
        e(ENT, '        max: {USD: "25.00", EUR: "22.00"}\n', ""),
        {("price-max-increased", "breaking", "plans.enterprise.prices.payments.max")},
    ),
    (
        "minimum-up",
        None,
        e(PRO, 'minimum: {USD: "100.00", EUR: "90.00"}', 'minimum: {USD: "150.00", EUR: "90.00"}'),
        {("minimum-increased", "breaking", "plans.pro.minimum")},
    ),
    (
        "minimum-added",
        None,
        e(FREE, "    entitlements:", '    minimum: "5.00"\n    entitlements:'),
        {("minimum-increased", "breaking", "plans.free.minimum")},
    ),
    (
        "credit-down",
        None,
        e(PRO, 'credit: {USD: "10.00", EUR: "9.00"}', 'credit: {USD: "5.00", EUR: "9.00"}'),
        {("credit-decreased", "breaking", "plans.pro.credit")},
    ),
    (
        "credit-up",
        None,
        e(PRO, 'credit: {USD: "10.00", EUR: "9.00"}', 'credit: {USD: "20.00", EUR: "9.00"}'),
        {("credit-increased", "warning", "plans.pro.credit")},
    ),
    (
        "price-model-changed",
        None,
        e(
            FREE,
            'tokens: {model: per_unit, unit_price: "0.000004", included: 100000}',
            'tokens: {model: package, package_size: 1000, package_price: "0.004"}',
        ),
        {("price-model-changed", "breaking", "plans.free.prices.tokens.model")},
    ),
    (
        "price-added",
        None,
        e(
            FREE,
            "    entitlements:",
            '      images: {model: package, package_size: 10, package_price: "1.00"}\n    entitlements:',
        ),
        {("price-added", "breaking", "plans.free.prices.images")},
    ),
    (
        "price-removed",
        None,
        e(FREE, '      tokens: {model: per_unit, unit_price: "0.000004", included: 100000}\n', ""),
        {("price-removed", "warning", "plans.free.prices.tokens")},
    ),
    (
        "dimension-price-up",
        None,
        e(
            STARTER,
            'large: {model: per_unit, unit_price: {USD: "0.00001"',
            'large: {model: per_unit, unit_price: {USD: "0.00002"',
        ),
        {
            ("price-increased", "breaking", f"plans.{p}.prices.tokens.dimensions.model.large.unit_price")
            for p in ("starter", "pro", "enterprise")
        },
    ),
    (
        "dimension-price-added",
        None,
        e(
            STARTER,
            "            large:",
            '            small: {model: per_unit, unit_price: {USD: "0.000001", EUR: "0.000001"}}\n'
            "            large:",
        ),
        {
            ("dimension-price-added", "breaking", f"plans.{p}.prices.tokens.dimensions.model.small")
            for p in ("starter", "pro", "enterprise")
        },
    ),
    (
        "currency-removed",
        None,
        both(e(STARTER, "currencies: [USD, EUR]", "currencies: [USD]"), e(STARTER, ', EUR: "18.00"}', "}")),
        {
            ("currency-removed", "breaking", "plans.starter.currencies"),
            ("currency-removed", "breaking", "plans.pro.currencies"),
            ("currency-removed", "breaking", "plans.enterprise.currencies"),
        },
    ),
    (
        "currency-added",
        None,
        e(STARTER, "currencies: [USD, EUR]", "currencies: [USD, EUR, GBP]"),
        {("currency-added", "info", f"plans.{p}.currencies") for p in ("starter", "pro", "enterprise")},
    ),
    (
        "entitlement-revoked",
        None,
        e(PRO, "      sso: true", "      sso: false"),
        {
            ("entitlement-revoked", "breaking", "plans.pro.entitlements.sso"),
            ("entitlement-revoked", "breaking", "plans.enterprise.entitlements.sso"),
        },
    ),
    (
        "entitlement-removed-is-revoked",
        None,
        e(PRO, "      sso: true\n", ""),
        {
            ("entitlement-revoked", "breaking", "plans.pro.entitlements.sso"),
            ("entitlement-revoked", "breaking", "plans.enterprise.entitlements.sso"),
        },
    ),
    (
        "entitlement-granted",
        None,
        e(FREE, "sso: false", "sso: true"),
        {("entitlement-granted", "info", "plans.free.entitlements.sso")},
    ),
    (
        "limit-raised",
        None,
        e(FREE, "projects: 3", "projects: 5"),
        {("entitlement-limit-raised", "info", "plans.free.entitlements.projects")},
    ),
    (
        "limit-lowered",
        None,
        e(FREE, "{limit: 10000, enforcement: hard}", "{limit: 5000, enforcement: hard}"),
        {("entitlement-limit-lowered", "breaking", "plans.free.entitlements.monthly-calls")},
    ),
    (
        "unlimited-to-number",
        None,
        e(ENT, "projects: unlimited", "projects: 500"),
        {("entitlement-limit-lowered", "breaking", "plans.enterprise.entitlements.projects")},
    ),
    (
        "enforcement-hardened",
        None,
        e(PRO, "{limit: 10000000, enforcement: soft}", "{limit: 10000000, enforcement: hard}"),
        {("entitlement-enforcement-changed", "breaking", "plans.pro.entitlements.monthly-calls")},
    ),
    (
        "enforcement-softened",
        None,
        e(FREE, "{limit: 10000, enforcement: hard}", "{limit: 10000, enforcement: soft}"),
        {("entitlement-enforcement-changed", "warning", "plans.free.entitlements.monthly-calls")},
    ),
    (
        "meter-aggregation",
        None,
        e(CAT, "    aggregation: sum\n    property: tokens", "    aggregation: max\n    property: tokens"),
        {("meter-aggregation-changed", "breaking", "meters.tokens.aggregation")},
    ),
    (
        "meter-property",
        None,
        e(CAT, "property: tokens", "property: token_count"),
        {("meter-property-changed", "breaking", "meters.tokens.property")},
    ),
    (
        "meter-dimensions",
        None,
        e(CAT, "dimensions: [model]", "dimensions: [model, region]"),
        {("meter-dimensions-changed", "breaking", "meters.tokens.dimensions")},
    ),
    (
        "meter-added",
        None,
        e(CAT, "\nfeatures:", "  gpu-hours: {name: GPU hours, unit: hour, aggregation: sum}\n\nfeatures:"),
        {("meter-added", "info", "meters.gpu-hours")},
    ),
    (
        "meter-removed",
        e(CAT, "\nfeatures:", "  gpu-hours: {name: GPU hours, unit: hour, aggregation: sum}\n\nfeatures:"),
        e(CAT, "  gpu-hours: {name: GPU hours, unit: hour, aggregation: sum}\n", ""),
        {("meter-removed", "breaking", "meters.gpu-hours")},
    ),
    (
        "feature-added",
        None,
        e(CAT, "\nskus:", "  webhooks: {name: Webhooks, type: boolean}\n\nskus:"),
        {("feature-added", "info", "features.webhooks")},
    ),
    (
        "feature-removed",
        e(CAT, "\nskus:", "  webhooks: {name: Webhooks, type: boolean}\n\nskus:"),
        e(CAT, "  webhooks: {name: Webhooks, type: boolean}\n", ""),
        {("feature-removed", "warning", "features.webhooks")},
    ),
    (
        "feature-renamed",
        e(CAT, "\nskus:", "  webhooks: {name: Webhooks, type: boolean}\n\nskus:"),
        e(CAT, "  webhooks: {name: Webhooks, type: boolean}", "  hooks: {name: Webhooks, type: boolean}"),
        {("feature-renamed", "info", "features.hooks")},
    ),
    (
        # a boolean feature's content is {type: boolean}, like every other's: a new name is a new feature
        "feature-replaced-not-renamed",
        e(CAT, "\nskus:", "  webhooks: {name: Webhooks, type: boolean}\n\nskus:"),
        e(CAT, "  webhooks: {name: Webhooks, type: boolean}", "  uptime: {name: Uptime SLA, type: boolean}"),
        {("feature-removed", "warning", "features.webhooks"), ("feature-added", "info", "features.uptime")},
    ),
    (
        "sku-added",
        None,
        e(CAT, LEGACY_SKU, LEGACY_SKU + "  legacy: {name: Legacy fee}\n"),
        {("sku-added", "info", "skus.legacy")},
    ),
    (
        "sku-removed",
        e(CAT, LEGACY_SKU, LEGACY_SKU + "  legacy: {name: Legacy fee}\n"),
        e(CAT, "  legacy: {name: Legacy fee}\n", ""),
        {("sku-removed", "breaking", "skus.legacy")},
    ),
    (
        "sku-renamed",
        e(CAT, LEGACY_SKU, LEGACY_SKU + "  legacy: {name: Legacy fee}\n"),
        e(CAT, "  legacy: {name: Legacy fee}", "  old-fee: {name: Legacy fee}"),
        {("sku-renamed", "breaking", "skus.old-fee")},
    ),
    (
        "sku-meter-changed",
        None,
        e(
            CAT,
            "images: {name: Image generations, meter: images}",
            "images: {name: Image generations, meter: api-calls}",
        ),
        {("sku-meter-changed", "breaking", "skus.images.meter")},
    ),
    ("plan-added", None, lambda r: r.write("plans/team.yaml", TEAM), {("plan-added", "info", "plans.team")}),
    (
        "plan-removed",
        lambda r: r.write("plans/team.yaml", TEAM),
        lambda r: r.remove("plans/team.yaml"),
        {("plan-removed", "breaking", "plans.team")},
    ),
    (
        "plan-renamed",
        lambda r: r.write("plans/team.yaml", TEAM),
        e("plans/team.yaml", "  team:", "  teams:"),
        {("plan-renamed", "breaking", "plans.teams")},
    ),
    (
        "plan-wording",
        None,
        e(PRO, "For growing teams in production.", "For teams in production."),
        {("metadata-changed", "info", "plans.pro.description")},
    ),
    (
        "billing-period",
        None,
        e(STARTER, "billing_period: month", "billing_period: year"),
        {
            ("billing-period-changed", "breaking", f"plans.{p}.billing_period")
            for p in ("starter", "pro", "enterprise")
        },
    ),
    (
        "add-on-price-up",
        None,
        e("add_ons.yaml", 'amount: {USD: "99.00"', 'amount: {USD: "129.00"'),
        {("price-increased", "breaking", "add_ons.priority-support.prices.support.amount")},
    ),
    (
        "add-on-plan-removed",
        None,
        e("add_ons.yaml", "available_for: [pro, enterprise]", "available_for: [pro]"),
        {("add-on-plan-removed", "breaking", "add_ons.priority-support.available_for")},
    ),
    (
        "add-on-removed",
        None,
        lambda r: r.remove("add_ons.yaml"),
        {("add-on-removed", "breaking", "add_ons.priority-support")},
    ),
    (
        "grandfathering-added",
        None,
        lambda r: r.write("grandfathering.yaml", GRANDFATHER),
        {("grandfathering-added", "info", "grandfathering.legacy-pro")},
    ),
    (
        "grandfathering-changed",
        lambda r: r.write("grandfathering.yaml", GRANDFATHER),
        e("grandfathering.yaml", "subscribed_before: 2026-06-01", "subscribed_before: 2026-03-01"),
        {("grandfathering-changed", "warning", "grandfathering.legacy-pro.subscribed_before")},
    ),
    (
        "grandfathering-removed",
        lambda r: r.write("grandfathering.yaml", GRANDFATHER),
        lambda r: r.remove("grandfathering.yaml"),
        {("grandfathering-removed", "breaking", "grandfathering.legacy-pro")},
    ),
    (
        "rounding",
        None,
        e(CAT, "rounding: half_up", "rounding: half_even"),
        {("rounding-changed", "breaking", "catalog.rounding")},
    ),
    (
        "release-changed",
        lambda r: r.write("releases/2026.01.01.json", '{"a": 1}\n'),
        lambda r: r.write("releases/2026.01.01.json", '{"a": 2}\n'),
        {("release-changed", "breaking", "releases.2026.01.01")},
    ),
    (
        "release-removed",
        lambda r: r.write("releases/2026.01.01.json", '{"a": 1}\n'),
        lambda r: r.remove("releases/2026.01.01.json"),
        {("release-removed", "breaking", "releases.2026.01.01")},
    ),
    (
        "release-added",
        None,
        lambda r: r.write("releases/2026.02.01.json", '{"a": 1}\n'),
        {("release-added", "info", "releases.2026.02.01")},
    ),
]


@pytest.mark.parametrize(
    ("base_edit", "head_edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_change_kind_and_severity(
    acme_repo: AcmeRepo, base_edit: Edit | None, head_edit: Edit, expected: set[tuple[str, str, str]]
) -> None:
    if base_edit is not None:
        base_edit(acme_repo)
        acme_repo.commit("base")
    head_edit(acme_repo)
    acme_repo.commit("head")
    result = compare("HEAD~1", "HEAD", acme_repo.catalog)
    assert {(c.kind, c.severity, c.path_str) for c in result.changes} == expected
    for c in result.changes:
        assert c.message and len(c.fingerprint) == 12


def test_the_working_tree_is_the_default_head(acme_repo: AcmeRepo) -> None:
    acme_repo.edit(PRO, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}')
    result = compare("HEAD", None, acme_repo.catalog)
    [change] = result.changes
    assert change.kind == "price-increased"
    assert change.before == {"USD": "49.00"} and change.after == {"USD": "59.00"}
    assert change.delta_pct == {"USD": "+20.4%"}
    assert change.position is not None and change.position.file.endswith("plans/pro.yaml")
    assert change.position.line == 8


def test_a_modified_release_says_what_changed_inside(acme_repo: AcmeRepo) -> None:
    from pricebook.load import load_catalog
    from pricebook.load.dump import canonical_json, catalog_to_data

    snapshot = canonical_json(catalog_to_data(load_catalog(acme_repo.catalog).catalog))  # type: ignore[arg-type]
    acme_repo.write("releases/2026.01.01.json", snapshot)
    acme_repo.commit("release")
    acme_repo.write("releases/2026.01.01.json", snapshot.replace('"49.00"', '"39.00"'))
    [change] = compare("HEAD", None, acme_repo.catalog).changes
    assert (change.kind, change.severity) == ("release-changed", "breaking")
    assert "1 change inside: plans.pro.prices.platform.amount" in change.message
    assert change.position is not None and change.position.file.endswith("releases/2026.01.01.json")
