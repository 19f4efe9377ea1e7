"""`quote --at DATE` names the grandfathering rule that chose the release it priced with (text and
JSON), and says none applied when none did."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pricebook.releases import cut_release
from pricebook.releases.grandfather import add_rule
from tests.releases.conftest import acme_repo, bump, catalog_of  # noqa: F401 - fixture

PRO = ("quote", "--plan", "pro")


@pytest.fixture
def cat(acme_repo):  # noqa: F811
    """Releases on 2026-01-01 (Pro 49) and 2026-07-01 (Pro 59), a rule keeping early Pro customers on
    the first until 2027, and one keeping customer c-42 on it."""
    cat = catalog_of(acme_repo)
    r1 = cut_release(cat, effective=date(2026, 1, 1))
    bump(cat)
    cut_release(cat, effective=date(2026, 7, 1))
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), until=date(2027, 1, 1),
             rule_id="legacy-pro")
    add_rule(cat, r1.id, customers=["c-42"], rule_id="vip-c42")
    return cat


def quote_json(cli, cat, *args: str) -> dict:
    res = cli(*PRO, "--format", "json", "--catalog", cat, *args)
    assert res.code == 0, res.err
    return json.loads(res.out)


def test_json_names_the_rule_that_applied(cli, cat) -> None:
    early = quote_json(cli, cat, "--at", "2026-08-01", "--subscribed-at", "2026-03-05")
    assert early["grandfathered_by"] == "legacy-pro" and early["catalog"] == "release:2026.01.01"
    vip = quote_json(cli, cat, "--at", "2026-08-01", "--customer", "c-42")
    assert vip["grandfathered_by"] == "vip-c42" and vip["catalog"] == "release:2026.01.01"


def test_json_has_null_when_no_rule_applies(cli, cat) -> None:
    late = quote_json(cli, cat, "--at", "2026-08-01", "--subscribed-at", "2026-06-01")
    assert late["grandfathered_by"] is None and late["catalog"] == "release:2026.07.01"
    sunset = quote_json(cli, cat, "--at", "2027-01-01", "--subscribed-at", "2026-03-05")
    assert sunset["grandfathered_by"] is None  # the rule's until has passed
    assert quote_json(cli, cat)["grandfathered_by"] is None  # no --at: the source, no timeline


def test_text_names_the_rule_in_one_line(cli, cat) -> None:
    res = cli(*PRO, "--catalog", cat, "--at", "2026-08-01", "--customer", "c-42")
    assert res.code == 0, res.err
    [line] = [ln for ln in res.out.splitlines() if "vip-c42" in ln]
    assert line == "Grandfathering rule vip-c42 applies: priced at release:2026.01.01."
    res = cli(*PRO, "--catalog", cat, "--at", "2026-08-01", "--subscribed-at", "2026-06-01")
    assert res.code == 0, res.err
    assert "Grandfathering rule" not in res.out and "release:2026.07.01" in res.out


def test_the_resolved_date_carries_the_rule(cat) -> None:
    from pricebook.rating.quote import Subscriber, resolve_at

    got = resolve_at(cat, "2026-08-01", Subscriber("pro", date(2026, 3, 5)))
    assert (got.spec, got.rule) == ("release:2026.01.01", "legacy-pro")
    assert resolve_at(cat, "HEAD", Subscriber("pro", date(2026, 3, 5))).rule is None
