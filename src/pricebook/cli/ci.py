"""`pricebook ci`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def ci() -> None:
    """validate + diff + simulate, written for pull requests."""
    raise UsageError("'pricebook ci' is not implemented yet")
