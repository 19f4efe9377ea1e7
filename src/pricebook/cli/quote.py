"""`pricebook quote`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def quote() -> None:
    """Itemized bill for one period."""
    raise UsageError("'pricebook quote' is not implemented yet")
