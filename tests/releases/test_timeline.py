"""Which release prices a period: the documented examples, boundaries and a brute-force property."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.errors import InputError
from pricebook.model import GrandfatheringRule
from pricebook.releases import cut_release
from pricebook.releases.index import ReleaseEntry
from pricebook.releases.timeline import ReleaseCatalogs, release_at, release_for
from tests.releases.conftest import bump

D = "sha256:" + "0" * 64


def rel(rid: str, y: int, m: int, d: int = 1) -> ReleaseEntry:
    return ReleaseEntry(rid, datetime(y, m, d, tzinfo=UTC), D)


ENTRIES = [rel("A", 2026, 1), rel("B", 2026, 7)]
LEGACY = GrandfatheringRule("legacy-pro", "A", plans=("pro",), subscribed_before=date(2026, 6, 1),
                            until=date(2027, 1, 1))
RULES = {"legacy-pro": LEGACY}


@pytest.mark.parametrize(("plan", "subscribed", "customer", "period", "want"), [
    ("pro", date(2026, 3, 5), "c1", date(2026, 8, 1), "A"),        # grandfathered
    ("pro", date(2026, 6, 1), "c2", date(2026, 8, 1), "B"),        # subscribed on the cut-off: not before it
    ("starter", date(2026, 3, 5), "c3", date(2026, 8, 1), "B"),    # other plan
    ("pro", date(2026, 3, 5), "c1", date(2027, 1, 1), "B"),        # until has passed (period starts on it)
    ("pro", date(2026, 3, 5), "c1", date(2026, 12, 1), "A"),       # last grandfathered period
    ("starter", date(2026, 3, 5), "c3", date(2026, 6, 30), "A"),   # A in force
    ("starter", None, "c4", date(2025, 12, 1), None),              # before every release
    ("pro", None, "c5", date(2026, 8, 1), "B"),                    # unknown start date: no plan+date match
])
def test_documented_examples(plan, subscribed, customer, period, want) -> None:
    assert release_for(ENTRIES, RULES, plan, subscribed, customer, period) == want


def test_effective_from_equal_to_period_start_counts_and_ties_go_to_the_later_entry() -> None:
    entries = [rel("A", 2026, 1), rel("B", 2026, 7), rel("B2", 2026, 7)]
    assert release_for(entries, {}, "pro", None, None, datetime(2026, 7, 1, tzinfo=UTC)) == "B2"
    assert release_for(entries, {}, "pro", None, None,
                       datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)) == "A"


def test_customer_rules_win_and_every_given_criterion_must_hold() -> None:
    vip = GrandfatheringRule("vip", "B", customers=("c1",))
    vip_pro = GrandfatheringRule("vip-pro", "B", customers=("c9",), plans=("pro",))
    rules = [LEGACY, vip, vip_pro]
    entries = [*ENTRIES, rel("C", 2026, 9)]
    p = date(2026, 10, 1)
    # a customer rule beats a plan rule
    assert release_for(entries, rules, "pro", date(2026, 3, 5), "c1", p) == "B"
    assert release_for(entries, rules, "pro", date(2026, 3, 5), "c2", p) == "A"
    assert release_for(entries, rules, "starter", None, "c9", p) == "C"          # c9 only on pro
    assert release_for(entries, rules, "pro", None, "c9", p) == "B"
    nobody = GrandfatheringRule("empty", "A")
    assert release_for(entries, [nobody], "pro", date(2020, 1, 1), "c1", p) == "C"


def test_aware_period_starts_in_another_timezone() -> None:
    from zoneinfo import ZoneInfo

    berlin_july = datetime(2026, 7, 1, tzinfo=ZoneInfo("Europe/Berlin"))  # 2026-06-30T22:00Z
    assert release_for(ENTRIES, {}, "pro", None, None, berlin_july) == "A"


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0))


@settings(max_examples=200, deadline=None)
@given(st.lists(instants, min_size=1, max_size=6), instants)
def test_in_force_is_the_latest_effective_on_or_before_the_start(effs: list[datetime],
                                                                  start: datetime) -> None:
    entries = [ReleaseEntry(f"r{i}", e, D) for i, e in enumerate(effs)]
    eligible = [(e.effective_from, i) for i, e in enumerate(entries) if e.effective_from <= start]
    want = f"r{max(eligible)[1]}" if eligible else None
    assert release_for(entries, {}, "pro", None, None, start) == want
    got = release_at(entries, start)
    assert (got.id if got else None) == want
    for e in entries:  # one second before a release starts, an earlier one (or none) is in force
        before = release_at(entries, e.effective_from - timedelta(seconds=1))
        assert before is None or before.effective_from < e.effective_from


def test_release_catalogs_loads_once_and_checks_digests(acme_copy: Path, tmp_path: Path) -> None:
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    bump(acme_copy)
    cut_release(acme_copy, "b", effective=date(2026, 2, 1))
    cache = ReleaseCatalogs(acme_copy)
    a, b = cache.get("a"), cache.get("b")
    assert cache.get("a") is a
    assert a.plans["pro"].prices["platform"].amount["USD"] != b.plans["pro"].prices["platform"].amount["USD"]
    with pytest.raises(InputError, match="'zz' is not in"):
        cache.get("zz")
    other = tmp_path / "copy"
    shutil.copytree(acme_copy, other)
    snap = other / "releases" / "a.json"
    snap.write_bytes(snap.read_bytes().replace(b'"19.00"', b'"1.00"'))
    with pytest.raises(InputError, match="does not match its digest"):
        ReleaseCatalogs(other).get("a")
