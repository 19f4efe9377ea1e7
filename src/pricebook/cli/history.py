"""`pricebook history [ENTITY]`: the audit trail of an entity from git."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, TextJson, echo


def history(
    entity: Annotated[
        str | None,
        typer.Argument(
            help="plans.pro, skus.api-calls, plans.pro.prices.api-calls; nothing for the whole catalog.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only commits after this date (e.g. 2026-01-01).", show_default=False),
    ] = None,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Who changed an entity, when, the commit message, and the semantic change."""
    from pathlib import Path

    from pricebook.diff import severity_overrides
    from pricebook.history import history as run_history
    from pricebook.settings import load_settings, resolve_catalog_path

    settings = load_settings()
    catalog_dir = resolve_catalog_path(catalog, settings)
    result = run_history(Path(catalog_dir), entity, since, severity_overrides(settings))
    if format is TextJson.json:
        import json

        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    from pricebook.report.diff_text import print_history

    print_history(result)
