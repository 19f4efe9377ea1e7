"""`pricebook init`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def init() -> None:
    """Scaffold a new catalog repository."""
    raise UsageError("'pricebook init' is not implemented yet")
