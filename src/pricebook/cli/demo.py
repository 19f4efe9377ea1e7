"""`pricebook demo`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def demo() -> None:
    """A self-contained tour on the example catalog."""
    raise UsageError("'pricebook demo' is not implemented yet")
