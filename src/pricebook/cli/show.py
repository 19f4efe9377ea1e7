"""`pricebook show`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def show() -> None:
    """Show a plan's rate card."""
    raise UsageError("'pricebook show' is not implemented yet")
