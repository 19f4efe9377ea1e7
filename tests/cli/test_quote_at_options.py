"""`quote --subscribed-at` / `--customer` choose a grandfathered release, which only `--at DATE`
does: without it (or with `--at REF`) they are refused, never silently ignored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pricebook.releases import cut_release
from pricebook.releases.grandfather import add_rule
from tests.cli.test_quote_at_date import PRO, platform
from tests.releases.conftest import acme_repo, bump, catalog_of  # noqa: F401 - fixture


@pytest.fixture
def grandfathered(acme_repo):  # noqa: F811
    """Release 1 (Pro 49), then Pro 59 in release 2, with early Pro customers kept on release 1."""
    cat = catalog_of(acme_repo)
    r1 = cut_release(cat, effective=date(2026, 1, 1))
    bump(cat)
    cut_release(cat, effective=date(2026, 7, 1))
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="legacy-pro")
    add_rule(cat, r1.id, customers=["cus_vip"], rule_id="vip")
    return cat


@pytest.mark.parametrize(
    "options",
    [
        ("--subscribed-at", "2026-03-05"),
        ("--customer", "cus_vip"),
        ("--subscribed-at", "2026-03-05", "--customer", "cus_vip"),
    ],
)
def test_without_at_they_are_a_usage_error_naming_at(cli, grandfathered, options) -> None:
    res = cli(*PRO, "--catalog", grandfathered, "-u", "seats=1", *options)
    assert res.code == 2 and res.out == ""
    assert "--at DATE" in res.err and options[0] in res.err
    assert f"--at {date.today().isoformat()}" in res.err  # how to get today's prices for them
    assert len(res.err.strip().splitlines()) == 1


def test_they_need_at_a_date_not_a_ref(cli, grandfathered) -> None:
    res = cli(*PRO, "--catalog", grandfathered, "--at", "release:2026.07.01", "--subscribed-at", "2026-03-05")
    assert res.code == 2 and "--at DATE" in res.err and "release:2026.07.01" in res.err
    # with --at DATE they decide grandfathering, as before
    at = ("--catalog", grandfathered, "--at", "2026-08-01")
    assert platform(cli(*PRO, *at, "--subscribed-at", "2026-03-05")) == Decimal("49.00")
    assert platform(cli(*PRO, *at, "--customer", "cus_vip")) == Decimal("49.00")
    assert platform(cli(*PRO, *at, "--subscribed-at", "2026-06-01")) == Decimal("59.00")
    # and without them a plain quote is of the source, as before
    assert platform(cli(*PRO, "--catalog", grandfathered)) == Decimal("59.00")
