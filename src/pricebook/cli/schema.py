"""`pricebook schema`: not built yet (see the issue tracker)."""

from __future__ import annotations

from pricebook.errors import UsageError


def schema() -> None:
    """Print or write the JSON Schemas."""
    raise UsageError("'pricebook schema' is not implemented yet")
