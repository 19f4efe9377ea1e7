"""`pricebook show [PLAN] [--at REF]`: a plan's rate card, or all plans side by side (SPEC §4)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, catalog_path, echo


class ShowFormat(str, Enum):  # noqa: UP042 - like cli.common.TextJson
    text = "text"
    markdown = "markdown"
    json = "json"


def show(
    plan: Annotated[
        str | None,
        typer.Argument(help="The plan to show (default: every plan side by side).", show_default=False),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Show the catalog at a git ref, REF:path or release:<id>, or at a date (YYYY-MM-DD): the "
            "release in force then.",
            show_default=False,
        ),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency of the prices shown.", show_default=False)
    ] = None,
    catalog: CatalogOpt = None,
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = ShowFormat.text,
) -> None:
    """Show a plan's rate card (tiers, included units, dimensions, entitlements, add-ons)."""
    from pricebook.rating.ratecard import show as rate_cards

    cards = rate_cards(catalog_path(catalog), plan, currency=currency, at=at)
    single = plan is not None
    if format is ShowFormat.json:
        from pricebook.report.ratecard import to_json

        echo(to_json(cards, single))
    elif format is ShowFormat.markdown:
        from pricebook.report.ratecard import to_markdown

        echo(to_markdown(cards, single))
    else:
        from pricebook.report.ratecard import print_text

        print_text(cards, single)
