"""`pricebook rollback`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def rollback() -> None:
    """Roll back to an earlier release."""
    raise UsageError("'pricebook rollback' is not implemented yet")
