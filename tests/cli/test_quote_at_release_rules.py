"""`quote --at DATE` for a past date decides grandfathering by the rules of the release in force then,
not by today's: a later release that drops a rule does not rewrite what was promised before it."""

from __future__ import annotations

from datetime import date

from pricebook.releases import cut_release
from pricebook.releases.grandfather import add_rule
from tests.cli.test_quote_at_date import PRO, platform
from tests.releases.conftest import acme_repo, bump, catalog_of  # noqa: F401 - fixture


def test_a_past_date_keeps_the_rules_of_its_release(cli, acme_repo) -> None:  # noqa: F811
    cat = catalog_of(acme_repo)
    r1 = cut_release(cat, effective=date(2026, 1, 1))  # Pro 49
    bump(cat)  # Pro 59, and Pro customers from before June keep r1 until 2027
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), until=date(2027, 1, 1),
             rule_id="legacy-pro")
    cut_release(cat, effective=date(2026, 7, 1))
    (cat / "grandfathering.yaml").unlink()  # October: the promise is dropped (a rollback, a cleanup)
    cut_release(cat, effective=date(2026, 10, 1))
    early = ("--catalog", cat, "--subscribed-at", "2026-03-05")
    # August was under the July release and its rule: the early customer paid r1's 49
    assert platform(cli(*PRO, *early, "--at", "2026-08-01")) == 49
    # from October the newest release (no rule) is in force: 59
    assert platform(cli(*PRO, *early, "--at", "2026-11-01")) == 59
