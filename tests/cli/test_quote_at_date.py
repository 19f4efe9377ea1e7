"""`quote --at DATE` / `show --at DATE`: the prices that apply on a date, through the release timeline
(SPEC §3), including grandfathering for a customer who subscribed early."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from pricebook.releases import cut_release
from pricebook.releases.grandfather import add_rule
from tests.releases.conftest import acme_repo, bump, catalog_of  # noqa: F401 - fixture

PRO = ("quote", "--plan", "pro", "--format", "json")


def platform(res) -> Decimal:
    assert res.code == 0, res.err
    return Decimal(next(line["amount"] for line in json.loads(res.out)["lines"] if line["sku"] == "platform"))


def test_a_date_quotes_the_release_in_force_then(cli, acme_repo) -> None:  # noqa: F811
    cat = catalog_of(acme_repo)
    cut_release(cat, effective=date(2026, 1, 1))
    bump(cat)  # Pro 49 -> 59 USD
    cut_release(cat, effective=date(2026, 7, 1))
    at = lambda day: cli(*PRO, "--catalog", cat, "--at", day)  # noqa: E731
    assert platform(at("2026-03-01")) == Decimal("49.00")
    assert platform(at("2026-07-01")) == Decimal("59.00")  # effective on its first day
    assert platform(cli(*PRO, "--catalog", cat, "--at", "release:2026.01.01")) == Decimal("49.00")
    shown = cli("show", "pro", "--catalog", cat, "--at", "2026-03-01", "--format", "json")
    assert shown.code == 0 and "49.00" in shown.out and "59.00" not in shown.out


def test_a_grandfathered_customer_keeps_the_old_price(cli, acme_repo) -> None:  # noqa: F811
    cat = catalog_of(acme_repo)
    r1 = cut_release(cat, effective=date(2026, 1, 1))
    bump(cat)
    cut_release(cat, effective=date(2026, 7, 1))
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), until=date(2027, 1, 1),
             rule_id="legacy-pro")
    early = ("--catalog", cat, "--at", "2026-08-01", "--subscribed-at", "2026-03-05")
    assert platform(cli(*PRO, *early)) == Decimal("49.00")
    late = ("--catalog", cat, "--at", "2026-08-01", "--subscribed-at", "2026-06-01")
    assert platform(cli(*PRO, *late)) == Decimal("59.00")  # subscribing on the cut-off day is not before it
    sunset = ("--catalog", cat, "--at", "2027-01-01", "--subscribed-at", "2026-03-05")
    assert platform(cli(*PRO, *sunset)) == Decimal("59.00")  # the rule's until has passed


def test_a_date_before_any_release_is_a_clear_error(cli, acme_repo) -> None:  # noqa: F811
    cat = catalog_of(acme_repo)
    res = cli(*PRO, "--catalog", cat, "--at", "2026-03-01")
    assert res.code == 2 and "no release is in force on 2026-03-01" in res.err
    bad = cli(*PRO, "--catalog", cat, "--at", "2026-03-01", "--subscribed-at", "March")
    assert bad.code == 2 and "--subscribed-at" in bad.err
