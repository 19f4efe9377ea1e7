"""`pricebook simulate`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def simulate() -> None:
    """Replay usage through a baseline and a candidate catalog."""
    raise UsageError("'pricebook simulate' is not implemented yet")
