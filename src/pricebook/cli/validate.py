"""`pricebook validate [PATH]`: JSON Schema, then semantic rules; every finding with a place."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, FindingsFormat, catalog_path, echo, exit_with


def validate(
    path: Annotated[str | None, typer.Argument(help="Catalog folder or file (default: --catalog).",
                                               show_default=False)] = None,
    catalog: CatalogOpt = None,
    format: Annotated[FindingsFormat, typer.Option(
        "--format", "-f", help="Output format: text, json, github (annotations), sarif, junit or markdown.",
    )] = FindingsFormat.text,
    fail_on: Annotated[str, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this "
                                         "severity: error, warning or never.")] = "error",
) -> None:
    """Check a catalog: YAML syntax, JSON Schema, then semantic rules."""
    from pricebook.diagnostics import SEVERITY_RANK
    from pricebook.errors import UsageError
    from pricebook.validation import validate_path

    if fail_on not in ("error", "warning", "never"):
        raise UsageError(f"--fail-on must be error, warning or never, not '{fail_on}'")
    from pricebook.load.catalog import keep_until_exit

    target = catalog_path(path or catalog)
    if target.is_file():  # a file an editor just saved: the catalog it is one file of, whole
        from pricebook.load.revision import catalog_folder_of

        target = catalog_folder_of(target) or target
    result = validate_path(target)
    keep_until_exit(result)
    if format is FindingsFormat.json:
        from pricebook.report.diagnostics import to_json

        echo(to_json(result.diagnostics, result.valid))
    elif format is FindingsFormat.text:
        from pricebook.report.diagnostics import print_text

        print_text(result.diagnostics, result.valid, len(result.files))
    else:
        from pricebook.report import findings

        echo(findings.render(format.value, result.diagnostics, tool="pricebook validate"))
    if fail_on != "never":
        threshold = SEVERITY_RANK[fail_on]
        if any(SEVERITY_RANK[d.severity] >= threshold for d in result.diagnostics):
            exit_with(1)
