"""`pricebook grandfather add|list|expire`: not built yet (see the issue tracker)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Manage grandfathering rules.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """List grandfathering rules."""
    from pricebook.errors import UsageError

    raise UsageError("'pricebook grandfather list' is not implemented yet")
