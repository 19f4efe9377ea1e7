"""`pricebook history`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def history() -> None:
    """The audit trail of an entity from git."""
    raise UsageError("'pricebook history' is not implemented yet")
