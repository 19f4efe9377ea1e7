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
    result = run_history(Path(catalog_dir), entity, _since(since), severity_overrides(settings))
    if format is TextJson.json:
        import json

        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        from pricebook.report.diff_text import print_history

        print_history(result)
    if result.truncated_at:
        # the same hint `diff` gives for a revision a shallow clone does not have
        echo(f"pricebook: note: this is a shallow clone: history stops at {result.truncated_at[:8]}; "
             "run 'git fetch --unshallow' for the full history", err=True)


_RELATIVE = r"\d+\s+(second|minute|hour|day|week|month|year)s?\s+ago|yesterday|today"


def _since(value: str | None) -> str | None:
    """``--since``: a date or time (``2026-01-01``, ``2026-01-01T09:00``) or a span back from now
    (``3 weeks ago``). git reads anything else as some date of its own (``garbage`` lists nothing
    and says nothing), so anything else is refused."""
    import re
    from datetime import datetime

    from pricebook.errors import UsageError

    if value is None:
        return None
    text = value.strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return text
    except ValueError:
        if re.fullmatch(_RELATIVE, text, flags=re.IGNORECASE):
            return text
    raise UsageError(f"--since '{value}' must be a date like 2026-01-01 (a time is fine) or a span such as "
                     "'3 weeks ago'")
