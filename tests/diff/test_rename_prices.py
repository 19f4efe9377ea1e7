"""A SKU rename carries the plans' prices with it: a price that moves from the old id to the new one
is part of the rename, not a charge removed (warning) plus a new charge (breaking) on every plan."""

from __future__ import annotations

from pricebook.diff import compare
from pricebook.history import history
from tests.diff.conftest import AcmeRepo

SKU_OLD = "  images: {name: Image generations, meter: images}"
SKU_NEW = "  image-generations: {name: Image generations, meter: images}"
PRO = "plans/pro.yaml"
PRO_OLD = "      images: {model: package,"
PRO_NEW = "      image-generations: {model: package,"


def kinds(repo: AcmeRepo) -> set[tuple[str, str, str]]:
    return {(c.kind, c.severity, c.path_str) for c in compare("HEAD", None, repo.catalog).changes}


def rename_images(repo: AcmeRepo) -> None:
    repo.edit("catalog.yaml", SKU_OLD, SKU_NEW)
    repo.edit(PRO, PRO_OLD, PRO_NEW)  # enterprise extends pro: its resolved prices move too


def test_a_renamed_sku_with_its_prices_is_one_change(acme_repo: AcmeRepo) -> None:
    rename_images(acme_repo)
    result = compare("HEAD", None, acme_repo.catalog)
    assert {(c.kind, c.severity, c.path_str) for c in result.changes} == {
        ("sku-renamed", "breaking", "skus.image-generations")
    }
    assert result.counts() == {"breaking": 1, "warning": 0, "info": 0}
    # a plan that drops the price in the same edit still reports it, under the old id: pro (and
    # enterprise, which extends it) no longer charge for images under either id
    acme_repo.edit(PRO, PRO_NEW + ' included: 200, package_size: 100, package_price: {USD: "4.00", '
                   'EUR: "3.60"}}\n', "")
    assert kinds(acme_repo) == {
        ("sku-renamed", "breaking", "skus.image-generations"),
        ("price-removed", "warning", "plans.pro.prices.images"),
        ("price-removed", "warning", "plans.enterprise.prices.images"),
    }


def test_a_price_changed_in_the_same_edit_is_a_price_change_under_the_new_id(acme_repo: AcmeRepo) -> None:
    rename_images(acme_repo)
    acme_repo.edit(PRO, 'package_price: {USD: "4.00"', 'package_price: {USD: "5.00"')
    assert kinds(acme_repo) == {
        ("sku-renamed", "breaking", "skus.image-generations"),
        ("price-increased", "breaking", "plans.pro.prices.image-generations.package_price"),
        ("price-increased", "breaking", "plans.enterprise.prices.image-generations.package_price"),
    }


def test_a_plan_that_starts_charging_for_the_renamed_sku_is_still_a_new_charge(acme_repo: AcmeRepo) -> None:
    rename_images(acme_repo)
    acme_repo.edit(
        "plans/free.yaml",
        '      platform: {model: flat, amount: "0.00"}\n',
        '      platform: {model: flat, amount: "0.00"}\n'
        '      image-generations: {model: per_unit, unit_price: "0.05"}\n',
    )
    assert kinds(acme_repo) == {
        ("sku-renamed", "breaking", "skus.image-generations"),
        ("price-added", "breaking", "plans.free.prices.image-generations"),
    }


def test_an_add_on_renamed_with_the_sku_it_prices_is_a_rename(acme_repo: AcmeRepo) -> None:
    acme_repo.edit("catalog.yaml", "  support: {name:", "  support-plan: {name:")
    acme_repo.edit("add_ons.yaml", "  priority-support:", "  premium-support:")
    acme_repo.edit("add_ons.yaml", "      support: {model: flat", "      support-plan: {model: flat")
    assert kinds(acme_repo) == {
        ("sku-renamed", "breaking", "skus.support-plan"),
        ("add-on-renamed", "breaking", "add_ons.premium-support"),
    }


def test_the_history_of_a_moved_price_shows_the_rename(acme_repo: AcmeRepo) -> None:
    rename_images(acme_repo)
    rename = acme_repo.commit("Rename images to image-generations")
    for entity in ("plans.pro.prices.image-generations", "plans.pro.prices.images.package_price"):
        entries = history(acme_repo.catalog, entity).entries
        assert entries[0].commit.sha == rename, entity
        assert [c.kind for c in entries[0].changes] == ["sku-renamed"]
