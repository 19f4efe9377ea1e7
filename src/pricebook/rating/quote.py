"""``quote`` as a function: load the catalog (at a revision), read the usage, rate one period."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pricebook.errors import InputError, PricebookError, UsageError, invalid_catalog
from pricebook.model import Catalog
from pricebook.rating.base import RatingError
from pricebook.rating.engine import Bill, Usage, rate_plan


@dataclass(frozen=True)
class Quote:
    """A bill and what produced it: the catalog, where it came from, and the usage rated."""

    bill: Bill
    catalog: Catalog
    source: str  # the catalog path, ``main@1a2b3c4d`` or ``release:<id>``
    usage: Usage
    grandfathered_by: str | None = None  # the id of the grandfathering rule that chose ``source``


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")


def is_date_spec(at: str | None) -> bool:
    """Whether ``--at`` names a date (priced through the release timeline), not a revision."""
    return at is not None and _DATE.fullmatch(at.strip()) is not None


def at_text(at: str | date | None) -> str | None:
    """``at`` as ``--at`` text: a Python caller may pass a ``date`` or ``datetime`` (naive: a wall
    time in the catalog's timezone, as ``--at 2026-11-01T09:30`` is)."""
    return at.isoformat() if isinstance(at, date) else at


def today_in(catalog_dir: Path | None) -> date:
    """Today in the catalog's timezone (the one ``--at DATE`` is read in); UTC when it has none or
    does not load."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = "UTC"
    if catalog_dir is not None:
        from pricebook.load import load_catalog

        try:
            loaded = load_catalog(catalog_dir).catalog
        except (PricebookError, OSError):
            loaded = None
        tz = loaded.timezone if loaded is not None and loaded.timezone else "UTC"
    try:
        return datetime.now(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now(ZoneInfo("UTC")).date()


def check_grandfathering_at(at: str | None, subscribed_at: date | str | None,
                            customer_id: str | None, catalog_dir: Path | None = None) -> None:
    """Refuse (UsageError, exit 2) a subscription date or customer id without ``at`` a date.

    They choose a grandfathered release, which only a date chooses between: without ``at`` the quote
    is of the catalog's source (or of the revision ``at`` names), where no grandfathering applies.
    Quietly quoting other prices than the customer's is the worst answer, and guessing "as of today"
    would swap the source for the release timeline, so refuse. ``subscribed_at`` is only tested for
    None (the CLI checks its raw text before parsing it). The message names the CLI flags, as every
    ``quote`` error does, so a Python caller and ``pricebook quote`` read the same refusal. The
    suggested ``--at`` is today in ``catalog_dir``'s timezone, where ``--at`` dates are read.
    """
    given = [flag for flag, value in (("--subscribed-at", subscribed_at), ("--customer", customer_id))
             if value is not None]
    if not given or is_date_spec(at):
        return
    what = " and ".join(given)
    verb = "decide" if len(given) > 1 else "decides"
    if at is None:
        raise UsageError(f"{what} {verb} grandfathering, which needs --at DATE (the day to quote); "
                         f"add --at {today_in(catalog_dir).isoformat()} for today's prices")
    raise UsageError(f"{what} {verb} grandfathering, which needs --at DATE; --at {at} already names "
                     "the prices to quote")


@dataclass(frozen=True)
class Subscriber:
    """Who is being quoted, for grandfathering: the plan, when they subscribed, their id."""

    plan: str | None = None
    subscribed_at: date | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class ResolvedAt:
    """``--at`` resolved: the revision spec to load, and the grandfathering rule that chose it."""

    spec: str | None
    rule: str | None = None  # the id of the rule whose release applies; None when none does


def resolve_at(catalog_dir: Path, at: str | None, who: Subscriber | None = None) -> ResolvedAt:
    """``--at`` as a revision spec. A date (``2026-08-01``) means the prices that apply then: the
    release in force at that date, or the grandfathered release of a matching rule (SPEC §3), decided
    by ``pricebook.releases.timeline.release_for`` over the rules ``rules_at`` gives (simulate applies
    the same rule in SQL); ``rule`` names that rule (``timeline.applying_rule``). Anything else (a git
    ref, ``REF:path``, ``release:<id>``, a path) is returned as it is, with no rule."""
    if at is None or not is_date_spec(at):
        return ResolvedAt(at)
    from pricebook.load import load_catalog
    from pricebook.releases.index import parse_datetime, read_index
    from pricebook.releases.timeline import ReleaseCatalogs, applying_rule, release_for, rules_at

    current = load_catalog(catalog_dir).catalog
    tz = current.timezone if current is not None else "UTC"
    try:
        when = parse_datetime(at.strip(), tz)
    except (ValueError, InputError) as exc:
        raise InputError(f"--at {at!r} is not a date: {exc}") from exc
    who = who or Subscriber()
    entries = read_index(catalog_dir)
    rules = rules_at(entries, when, ReleaseCatalogs(catalog_dir, entries),
                     current.grandfathering if current is not None else {})
    rid = release_for(entries, rules, who.plan, who.subscribed_at, who.customer_id, when)
    if rid is None:
        raise InputError(f"no release is in force on {at}: cut one with 'pricebook release', or pass a git "
                         "ref or release:<id> to --at")
    # release_for prices with this rule's release whenever it is not None: the same decision, named
    rule = applying_rule(rules, who.plan, who.subscribed_at, who.customer_id, when)
    return ResolvedAt(f"release:{rid}", rule.id if rule is not None else None)


def load_valid_catalog(catalog_dir: Path, at: str | date | None = None,
                       who: Subscriber | None = None) -> tuple[Catalog, str]:
    """The catalog at ``catalog_dir`` (or at ``at``: a revision, or a date resolved through the release
    timeline for ``who``), refusing one with validation errors.

    Raises CatalogLoadError (exit 2) naming the first error and how many more there are.
    """
    catalog, label, _ = load_valid_catalog_at(catalog_dir, at, who)
    return catalog, label


def load_valid_catalog_at(catalog_dir: Path, at: str | date | None = None,
                          who: Subscriber | None = None) -> tuple[Catalog, str, str | None]:
    """``load_valid_catalog``, plus the id of the grandfathering rule that chose the release (None
    when no rule applies, or ``at`` is not a date). A ``who`` with a subscription date or customer id
    needs ``at`` a date (``check_grandfathering_at``)."""
    from pricebook.load.revision import load_revision
    from pricebook.validation import check_loaded

    at = at_text(at)
    if who is not None:
        check_grandfathering_at(at, who.subscribed_at, who.customer_id, catalog_dir)
    resolved = resolve_at(catalog_dir, at, who)
    rev, loaded = load_revision(resolved.spec, catalog_dir)
    result = check_loaded(loaded)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or result.catalog is None:
        raise invalid_catalog(rev.label, errors)
    return result.catalog, rev.label, resolved.rule


def quote(
    catalog_dir: Path,
    plan: str,
    usage_args: Sequence[str] = (),
    usage_files: Sequence[Path] = (),
    currency: str | None = None,
    add_ons: Sequence[str] = (),
    at: str | date | None = None,
    subscribed_at: date | None = None,
    customer_id: str | None = None,
    plain_numbers: bool = False,
) -> Quote:
    """Rate one period for ``plan`` from ``--usage`` values and usage files (SPEC §4's ``quote``).
    With ``at`` a date, ``subscribed_at`` and ``customer_id`` decide grandfathering; without one they
    are refused (UsageError, ``check_grandfathering_at``), never ignored. ``plain_numbers``:
    usage values must be plain decimals within range (``usage_input.parse_number``)."""
    from pricebook.rating.usage_input import usage_from_inputs

    who = Subscriber(plan, subscribed_at, customer_id)
    catalog, label, rule = load_valid_catalog_at(catalog_dir, at, who)
    if rule is not None and plan not in catalog.plans:
        # the rule chose a release that has no such plan (it was renamed since: validate's PB134)
        raise RatingError(f"grandfathering rule '{rule}' keeps this customer on {label}, which has no plan "
                          f"'{plan}' (plans: {', '.join(sorted(catalog.plans)) or 'none'})")
    p = catalog.plans.get(plan)
    if p is not None and p.sales_negotiated and not p.prices:
        raise RatingError(
            f"plan '{plan}' is sales-negotiated (priced per deal): it has no list prices to quote"
        )
    usage = usage_from_inputs(catalog, usage_args, usage_files, plain_numbers)
    bill = rate_plan(catalog, plan, usage, currency=currency, add_ons=add_ons)
    return Quote(bill, catalog, label, usage, rule)
