"""A subscription date or customer id without a quote date is refused by the Python API too, with the
very refusal `pricebook quote` prints: never a quote of the current prices that ignores them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pricebook.errors import PricebookError, UsageError
from pricebook.rating.quote import Subscriber, load_valid_catalog, quote, today_in
from tests.releases.conftest import acme_repo, grandfathered  # noqa: F401 - fixtures

WHO = [
    pytest.param({"subscribed_at": date(2026, 3, 5)}, ("--subscribed-at", "2026-03-05"), id="subscribed-at"),
    pytest.param({"customer_id": "cus_vip"}, ("--customer", "cus_vip"), id="customer"),
    pytest.param({"subscribed_at": date(2026, 3, 5), "customer_id": "cus_vip"},
                 ("--subscribed-at", "2026-03-05", "--customer", "cus_vip"), id="both"),
]


@pytest.fixture
def cat(grandfathered):  # noqa: F811
    """Pro 49 in release 2026.01.01, Pro 59 in 2026.07.01 (and in the source); early Pro customers and
    cus_vip kept on the first."""
    return grandfathered


def platform(q) -> Decimal:
    return next(ln.amount for ln in q.bill.lines if ln.sku == "platform")


@pytest.mark.parametrize(("who", "flags"), WHO)
def test_the_api_refuses_them_without_a_date_as_the_cli_does(cli, cat, who, flags) -> None:
    with pytest.raises(UsageError) as raised:
        quote(cat, "pro", ["seats=1"], **who)
    assert isinstance(raised.value, PricebookError) and raised.value.exit_code == 2
    message = str(raised.value)
    assert "--at DATE" in message and f"--at {today_in(cat).isoformat()}" in message
    res = cli("quote", "--plan", "pro", "-u", "seats=1", "--catalog", cat, *flags)
    assert res.code == 2 and res.out == ""
    assert res.err.strip().endswith(message) and len(res.err.strip().splitlines()) == 1


@pytest.mark.parametrize(("who", "flags"), WHO)
def test_the_api_refuses_them_with_a_revision(cli, cat, who, flags) -> None:
    with pytest.raises(UsageError, match="--at release:2026.07.01 already names the prices") as raised:
        quote(cat, "pro", ["seats=1"], at="release:2026.07.01", **who)
    res = cli("quote", "--plan", "pro", "-u", "seats=1", "--catalog", cat, "--at", "release:2026.07.01",
              *flags)
    assert res.code == 2 and res.err.strip().endswith(str(raised.value))


def test_loading_for_a_subscriber_refuses_them_too(cat) -> None:
    with pytest.raises(UsageError, match="--subscribed-at decides grandfathering"):
        load_valid_catalog(cat, None, Subscriber("pro", date(2026, 3, 5)))
    with pytest.raises(UsageError, match="--customer decides grandfathering"):
        load_valid_catalog(cat, "HEAD", Subscriber("pro", customer_id="cus_vip"))
    assert load_valid_catalog(cat, None, Subscriber("pro"))[1] == str(cat)  # only the plan: as before


def test_with_a_date_they_still_decide_grandfathering(cat) -> None:
    assert platform(quote(cat, "pro", at="2026-08-01", subscribed_at=date(2026, 3, 5))) == Decimal("49.00")
    assert platform(quote(cat, "pro", at="2026-08-01", customer_id="cus_vip")) == Decimal("49.00")
    late = quote(cat, "pro", at="2026-08-01", subscribed_at=date(2026, 6, 1))
    assert platform(late) == Decimal("59.00") and late.grandfathered_by is None
    assert platform(quote(cat, "pro")) == Decimal("59.00")  # no subscriber: the source, as before


def test_the_cli_checks_the_flag_before_its_value(cli, cat) -> None:
    # without --at DATE the value of --subscribed-at is never read: the missing date is the problem
    res = cli("quote", "--plan", "pro", "--catalog", cat, "--subscribed-at", "soon")
    assert res.code == 2 and "needs --at DATE" in res.err and "not a date" not in res.err
    res = cli("quote", "--plan", "pro", "--catalog", cat, "--at", "2026-08-01", "--subscribed-at", "soon")
    assert res.code == 2 and "--subscribed-at 'soon' is not a date" in res.err


def test_a_rule_that_picks_a_release_without_the_plan_names_the_rule(cli, cat) -> None:
    # a plan added (or renamed) after the release a rule keeps the customer on: the refusal says which
    # rule chose which release, not just "unknown plan" as if the id were a typo
    (cat / "plans" / "growth.yaml").write_text(
        "plans:\n  growth:\n    name: Growth\n    extends: pro\n", encoding="utf-8")
    res = cli("quote", "--plan", "growth", "-u", "seats=1", "--catalog", cat, "--at", "2026-08-01",
              "--customer", "cus_vip")
    assert res.code == 2, res.out
    assert "grandfathering rule 'vip' keeps this customer on release:2026.01.01, which has no plan 'growth'" \
        in res.err
    other = cli("quote", "--plan", "growth", "-u", "seats=1", "--catalog", cat, "--at", "2026-08-01",
                "--customer", "cus_other")  # no rule: the release in force, which has no growth either
    assert other.code == 2 and "unknown plan 'growth'" in other.err and "grandfathering" not in other.err


def test_the_suggested_day_is_today_where_the_catalog_reads_dates(cat) -> None:
    """``--at 2026-11-23`` is a day in the catalog's timezone, so "today" is too: at UTC+14 it is the
    next day for ten hours of every UTC day, where the machine's date would quote yesterday."""
    path = cat / "catalog.yaml"
    path.write_text(path.read_text().replace("timezone: UTC", "timezone: Pacific/Kiritimati"))
    assert "timezone: Pacific/Kiritimati" in path.read_text()
    with pytest.raises(UsageError) as raised:
        quote(cat, "pro", ["seats=1"], customer_id="cus_vip")
    kiritimati = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert today_in(cat) == kiritimati
    assert f"add --at {kiritimati.isoformat()} for today's prices" in str(raised.value)


@pytest.mark.parametrize("at", [date(2026, 8, 1), datetime(2026, 8, 1, 9, 30)], ids=["date", "datetime"])
def test_a_python_caller_may_pass_at_as_a_date(cat, at) -> None:
    """The API takes ``at`` as a date or datetime, as ``--at 2026-08-01`` (it used to raise
    AttributeError: 'datetime.date' object has no attribute 'strip')."""
    kept = quote(cat, "pro", ["seats=1"], at=at, subscribed_at=date(2026, 3, 5))
    assert platform(kept) == Decimal("49.00") and kept.grandfathered_by == "legacy-pro"
    assert platform(quote(cat, "pro", ["seats=1"], at=at)) == Decimal("59.00")
    assert load_valid_catalog(cat, at, Subscriber("pro", customer_id="cus_vip"))[1] == "release:2026.01.01"
