"""``quote`` as a function: load the catalog (at a revision), read the usage, rate one period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pricebook.errors import CatalogLoadError
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


def load_valid_catalog(catalog_dir: Path, at: str | None = None) -> tuple[Catalog, str]:
    """The catalog at ``catalog_dir`` (or at revision ``at``), refusing one with validation errors.

    Raises CatalogLoadError (exit 2) naming the first error and how many more there are.
    """
    from pricebook.load.revision import load_revision
    from pricebook.validation import check_loaded

    rev, loaded = load_revision(at, catalog_dir)
    result = check_loaded(loaded)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or result.catalog is None:
        first = errors[0] if errors else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        what = f"{first.location}: {first.rule} {first.message}" if first else "it could not be loaded"
        raise CatalogLoadError(
            f"catalog {rev.label} is invalid: {what}{more}; run 'pricebook validate'", list(errors)
        )
    return result.catalog, rev.label


def quote(
    catalog_dir: Path,
    plan: str,
    usage_args: Sequence[str] = (),
    usage_files: Sequence[Path] = (),
    currency: str | None = None,
    add_ons: Sequence[str] = (),
    at: str | None = None,
) -> Quote:
    """Rate one period for ``plan`` from ``--usage`` values and usage files (SPEC §4's ``quote``)."""
    from pricebook.rating.usage_input import usage_from_inputs

    catalog, label = load_valid_catalog(catalog_dir, at)
    p = catalog.plans.get(plan)
    if p is not None and p.sales_negotiated and not p.prices:
        raise RatingError(
            f"plan '{plan}' is sales-negotiated (priced per deal): it has no list prices to quote"
        )
    usage = usage_from_inputs(catalog, usage_args, usage_files)
    bill = rate_plan(catalog, plan, usage, currency=currency, add_ons=add_ons)
    return Quote(bill, catalog, label, usage)
