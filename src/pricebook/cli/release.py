"""`pricebook release` / `pricebook releases`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def release() -> None:
    """Cut an immutable release of the catalog."""
    raise UsageError("'pricebook release' is not implemented yet")


def releases() -> None:
    """List releases."""
    raise UsageError("'pricebook releases' is not implemented yet")
