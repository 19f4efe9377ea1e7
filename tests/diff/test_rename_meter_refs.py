"""A meter rename carries the references to it: a SKU's or a metered feature's ``meter:`` that moves
from the old id to the new one is part of the rename, not a SKU (or feature) that now bills other
usage. A reference that moves anywhere else is still reported."""

from __future__ import annotations

from pricebook.diff import compare
from tests.diff.conftest import AcmeRepo

CATALOG = "catalog.yaml"
METER_OLD = "  api-calls: {name: API calls, unit: call, aggregation: sum}"
METER_NEW = "  requests: {name: API calls, unit: call, aggregation: sum}"
SKU_OLD = '  api-calls: {name: API calls, meter: api-calls, unit_cost: "0.00002"}'
SKU_NEW = '  api-calls: {name: API calls, meter: requests, unit_cost: "0.00002"}'
FEATURE_OLD = "  monthly-calls: {name: Monthly API calls, type: metered, meter: api-calls}"
FEATURE_NEW = "  monthly-calls: {name: Monthly API calls, type: metered, meter: requests}"


def kinds(repo: AcmeRepo) -> set[tuple[str, str, str]]:
    return {(c.kind, c.severity, c.path_str) for c in compare("HEAD", None, repo.catalog).changes}


def rename_api_calls_meter(repo: AcmeRepo) -> None:
    repo.edit(CATALOG, METER_OLD, METER_NEW)
    repo.edit(CATALOG, SKU_OLD, SKU_NEW)
    repo.edit(CATALOG, FEATURE_OLD, FEATURE_NEW)


def test_a_renamed_meter_with_its_references_is_one_change(acme_repo: AcmeRepo) -> None:
    rename_api_calls_meter(acme_repo)
    result = compare("HEAD", None, acme_repo.catalog)
    assert {(c.kind, c.severity, c.path_str) for c in result.changes} == {
        ("meter-renamed", "breaking", "meters.requests")
    }
    assert result.counts() == {"breaking": 1, "warning": 0, "info": 0}


def test_a_sku_that_moves_to_another_meter_is_still_reported(acme_repo: AcmeRepo) -> None:
    rename_api_calls_meter(acme_repo)
    # the api-calls SKU now bills tokens, not the renamed meter
    acme_repo.edit(CATALOG, SKU_NEW, SKU_NEW.replace("meter: requests", "meter: tokens"))
    # and the storage SKU moves to the renamed meter's new id from a meter that was not renamed
    acme_repo.edit(CATALOG, "  storage: {name: Storage, meter: storage}",
                   "  storage: {name: Storage, meter: requests}")
    # and the images SKU no longer bills a meter at all
    acme_repo.edit(CATALOG, "  images: {name: Image generations, meter: images}",
                   "  images: {name: Image generations}")
    result = compare("HEAD", None, acme_repo.catalog)
    assert {(c.kind, c.severity, c.path_str) for c in result.changes} == {
        ("meter-renamed", "breaking", "meters.requests"),
        ("sku-meter-changed", "breaking", "skus.api-calls.meter"),
        ("sku-meter-changed", "breaking", "skus.storage.meter"),
        ("sku-meter-changed", "breaking", "skus.images.meter"),
    }
    moved = {c.path_str: (c.before, c.after) for c in result.changes if c.kind == "sku-meter-changed"}
    assert moved == {
        "skus.api-calls.meter": ("api-calls", "tokens"),
        "skus.storage.meter": ("storage", "requests"),
        "skus.images.meter": ("images", None),
    }


def test_a_feature_that_moves_to_another_meter_is_still_reported(acme_repo: AcmeRepo) -> None:
    rename_api_calls_meter(acme_repo)
    acme_repo.edit(CATALOG, FEATURE_NEW, FEATURE_NEW.replace("meter: requests", "meter: tokens"))
    assert kinds(acme_repo) == {
        ("meter-renamed", "breaking", "meters.requests"),
        ("feature-meter-changed", "breaking", "features.monthly-calls.meter"),
    }


def test_a_sku_and_feature_renamed_with_the_meter_they_refer_to_are_renames(acme_repo: AcmeRepo) -> None:
    rename_api_calls_meter(acme_repo)
    acme_repo.edit(CATALOG, SKU_NEW, SKU_NEW.replace("  api-calls:", "  requests:"))
    acme_repo.edit(CATALOG, FEATURE_NEW, FEATURE_NEW.replace("monthly-calls:", "monthly-requests:"))
    for plan in ("plans/starter.yaml", "plans/pro.yaml", "plans/free.yaml", "plans/enterprise.yaml"):
        text = (acme_repo.catalog / plan).read_text(encoding="utf-8")
        acme_repo.write(plan, text.replace("      api-calls:", "      requests:")
                        .replace("monthly-calls:", "monthly-requests:"))
    assert {k for k in kinds(acme_repo) if not k[0].startswith("entitlement-")} == {
        ("meter-renamed", "breaking", "meters.requests"),
        ("sku-renamed", "breaking", "skus.requests"),
        ("feature-renamed", "info", "features.monthly-requests"),
    }
