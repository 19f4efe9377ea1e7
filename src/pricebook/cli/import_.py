"""`pricebook import pricing2yaml`: not built yet (see the issue tracker)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import catalogs from other formats.", no_args_is_help=True)


@app.command("pricing2yaml")
def pricing2yaml() -> None:
    """Convert Pricing2Yaml files into a catalog."""
    from pricebook.errors import UsageError

    raise UsageError("'pricebook import pricing2yaml' is not implemented yet")
