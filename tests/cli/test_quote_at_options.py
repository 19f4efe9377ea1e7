"""`quote --subscribed-at` / `--customer` choose a grandfathered release, which only `--at DATE`
does: without it (or with `--at REF`) they are refused, never silently ignored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricebook.rating.quote import today_in
from tests.cli.test_quote_at_date import PRO, platform
from tests.releases.conftest import acme_repo, grandfathered  # noqa: F401 - fixtures


@pytest.mark.parametrize(
    "options",
    [
        ("--subscribed-at", "2026-03-05"),
        ("--customer", "cus_vip"),
        ("--subscribed-at", "2026-03-05", "--customer", "cus_vip"),
    ],
)
def test_without_at_they_are_a_usage_error_naming_at(cli, grandfathered, options) -> None:  # noqa: F811
    res = cli(*PRO, "--catalog", grandfathered, "-u", "seats=1", *options)
    assert res.code == 2 and res.out == ""
    assert "--at DATE" in res.err and options[0] in res.err
    assert f"--at {today_in(grandfathered).isoformat()}" in res.err  # how to get today's prices for them
    assert len(res.err.strip().splitlines()) == 1


def test_they_need_at_a_date_not_a_ref(cli, grandfathered) -> None:  # noqa: F811
    res = cli(*PRO, "--catalog", grandfathered, "--at", "release:2026.07.01", "--subscribed-at", "2026-03-05")
    assert res.code == 2 and "--at DATE" in res.err and "release:2026.07.01" in res.err
    # with --at DATE they decide grandfathering, as before
    at = ("--catalog", grandfathered, "--at", "2026-08-01")
    assert platform(cli(*PRO, *at, "--subscribed-at", "2026-03-05")) == Decimal("49.00")
    assert platform(cli(*PRO, *at, "--customer", "cus_vip")) == Decimal("49.00")
    assert platform(cli(*PRO, *at, "--subscribed-at", "2026-06-01")) == Decimal("59.00")
    # and without them a plain quote is of the source, as before
    assert platform(cli(*PRO, "--catalog", grandfathered)) == Decimal("59.00")
