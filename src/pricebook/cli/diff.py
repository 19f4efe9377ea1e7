"""`pricebook diff`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def diff() -> None:
    """Semantic changes between two catalogs."""
    raise UsageError("'pricebook diff' is not implemented yet")
