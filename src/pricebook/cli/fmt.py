"""`pricebook fmt`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def fmt() -> None:
    """Rewrite catalog files in canonical layout, keeping comments."""
    raise UsageError("'pricebook fmt' is not implemented yet")
