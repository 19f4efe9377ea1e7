"""`pricebook aggregate-sql`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def aggregate_sql() -> None:
    """Print simulate's aggregation stage as SQL."""
    raise UsageError("'pricebook aggregate-sql' is not implemented yet")
