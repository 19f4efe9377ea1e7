"""Which release prices a customer's period (SPEC §3): ``release_for``, with the rules ``rules_at``
gives, for ``quote --at`` and ``show --at``; ``simulate --baseline releases`` applies the same rule in
SQL (``simulate.engine._units``), each period with the rules of the release in force.

The rule, precisely:

1. Grandfathering first. A rule *matches* a subscription when every criterion the rule gives holds:
   ``customers`` lists the customer id; ``plans`` lists the plan; ``subscribed_before`` is after the
   subscription's start (strictly: subscribed on the day itself is not before it). A rule that gives
   neither ``plans`` nor ``customers`` matches nobody. A matching rule *applies* while the period
   starts before its ``until`` (no ``until``: forever). When several rules apply, one that names
   customers wins over one that does not, then the smallest rule id. Its ``release`` is the answer,
   even when that release is newer or older than the one in force.
2. Otherwise the release in force at the period's start: the one with the latest ``effective_from``
   that is on or before the start (``effective_from == start`` counts). Releases with the same
   ``effective_from`` are ordered by their place in the index, the later one wins.
3. No release in force (the period starts before the first release): ``None``. Callers decide what
   that means (simulate reports those periods as unrated; quote uses the working tree).

Dates (``datetime.date``) are midnight UTC; naive datetimes are UTC; pass aware datetimes to bill in
another timezone. Examples, with releases A (effective 2026-01-01) and B (2026-07-01) and the rule
``legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: A, until: 2027-01-01}``::

    release_for(entries, rules, "pro",     date(2026, 3, 5), "c1", date(2026, 8, 1))  -> "A"  (grandfathered)
    release_for(entries, rules, "pro",     date(2026, 6, 1), "c2", date(2026, 8, 1))  -> "B"  (on the day)
    release_for(entries, rules, "starter", date(2026, 3, 5), "c3", date(2026, 8, 1))  -> "B"  (other plan)
    release_for(entries, rules, "pro",     date(2026, 3, 5), "c1", date(2027, 1, 1))  -> "B"  (until passed)
    release_for(entries, rules, "starter", date(2026, 3, 5), "c3", date(2026, 6, 30)) -> "A"  (A in force)
    release_for(entries, rules, "pro",     None,             "c4", date(2025, 12, 1)) -> None (nothing yet)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from pricebook.model import Catalog, GrandfatheringRule
from pricebook.releases.index import ReleaseEntry, as_utc, ordered

Instant = date | datetime


def release_at(entries: Sequence[ReleaseEntry], at: Instant) -> ReleaseEntry | None:
    """The release in force at ``at``: the latest ``effective_from`` on or before it (index order
    breaks ties), or None when ``at`` is before every release."""
    when = as_utc(at)
    current = None
    for e in ordered(list(entries)):
        if e.effective_from <= when:
            current = e
    return current


def rule_matches(rule: GrandfatheringRule, plan: str | None, subscribed_at: Instant | None,
                 customer_id: str | None) -> bool:
    """Whether a rule covers this subscription, ignoring ``until`` (see the module docstring)."""
    if not rule.plans and not rule.customers:
        return False
    if rule.customers and (customer_id is None or str(customer_id) not in rule.customers):
        return False
    if rule.plans and plan not in rule.plans:
        return False
    before = rule.subscribed_before
    return before is None or (subscribed_at is not None and as_utc(subscribed_at) < as_utc(before))


def rule_active(rule: GrandfatheringRule, period_start: Instant) -> bool:
    """A rule applies while the period starts before its ``until``."""
    return rule.until is None or as_utc(period_start) < as_utc(rule.until)


def applying_rule(rules: Iterable[GrandfatheringRule] | Mapping[str, GrandfatheringRule], plan: str | None,
                  subscribed_at: Instant | None, customer_id: str | None,
                  period_start: Instant) -> GrandfatheringRule | None:
    """The grandfathering rule that prices this period, or None."""
    pool = list(rules.values()) if isinstance(rules, Mapping) else list(rules)
    hits = [r for r in pool
            if rule_matches(r, plan, subscribed_at, customer_id) and rule_active(r, period_start)]
    if not hits:
        return None
    return min(hits, key=lambda r: (not r.customers, r.id))


def release_for(entries: Sequence[ReleaseEntry],
                rules: Iterable[GrandfatheringRule] | Mapping[str, GrandfatheringRule],
                plan: str | None, subscribed_at: Instant | None, customer_id: str | None,
                period_start: Instant) -> str | None:
    """The id of the release whose prices apply to this subscription's period starting at
    ``period_start``: the grandfathered release while a matching rule's ``until`` has not passed,
    else the release in force at the period's start, else None. ``rules``: those that decide the
    period, as ``rules_at`` gives them (a mapping or any iterable of rules)."""
    rule = applying_rule(rules, plan, subscribed_at, customer_id, period_start)
    if rule is not None:
        return rule.release
    current = release_at(entries, period_start)
    return current.id if current else None


def rules_at(entries: Sequence[ReleaseEntry], at: Instant, store: ReleaseCatalogs,
             pending: Mapping[str, GrandfatheringRule] | None = None) -> list[GrandfatheringRule]:
    """The grandfathering rules that decide a period starting at ``at``: those of the release in force
    then (what customers were promised while it was), so a later release or rollback that drops a
    rule does not rewrite what was billed before it. Where the newest release (or none yet) is in
    force, ``pending`` (the working tree's rules, for ``quote --at``) when given: a rule added since
    the last release applies before it is cut."""
    current = release_at(entries, at)
    latest = ordered(list(entries))[-1] if entries else None
    if pending is not None and (current is None or latest is None or current.id == latest.id):
        return list(pending.values())
    if current is None:
        return []
    return list(store.get(current.id).grandfathering.values())


class ReleaseCatalogs:
    """Loads the catalog of each release once. ``get(id)`` raises ``InputError`` (exit 2) when the
    snapshot is missing, unreadable, or its digest does not match the index."""

    def __init__(self, catalog_dir: Path, entries: Sequence[ReleaseEntry] | None = None) -> None:
        from pricebook.releases.index import read_index

        self.catalog_dir = Path(catalog_dir)
        self.entries = list(entries) if entries is not None else read_index(self.catalog_dir)
        self._by_id = {e.id: e for e in self.entries}
        self._cache: dict[str, Catalog] = {}

    def get(self, release_id: str) -> Catalog:
        if release_id not in self._cache:
            self._cache[release_id] = self._load(release_id)
        return self._cache[release_id]

    def _load(self, release_id: str) -> Catalog:
        from pricebook.errors import InputError
        from pricebook.load.revision import load_release
        from pricebook.releases.index import snapshot_path, verify_snapshot

        entry = self._by_id.get(release_id)
        if entry is None:
            known = ", ".join(self._by_id) or "none"
            raise InputError(f"release '{release_id}' is not in {self.catalog_dir}/releases/index.yaml "
                             f"(known: {known})")
        path = snapshot_path(self.catalog_dir, release_id)
        if path.is_file():
            verify_snapshot(self.catalog_dir, release_id, path.read_bytes(), entry)
        result = load_release(self.catalog_dir, release_id)
        if result.catalog is None:
            first = next((d for d in result.diagnostics if d.severity == "error"), None)
            why = first.message if first else "unknown error"
            raise InputError(f"release '{release_id}' cannot be loaded: {why}")
        return result.catalog
