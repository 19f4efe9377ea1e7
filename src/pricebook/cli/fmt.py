"""`pricebook fmt [PATH] [--check]`: canonical layout that keeps comments."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, catalog_path, echo, exit_with


def fmt(
    path: Annotated[str | None, typer.Argument(help="Catalog folder or file (default: --catalog).",
                                               show_default=False)] = None,
    catalog: CatalogOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 and list the files that "
                                        "would change.")] = False,
) -> None:
    """Rewrite catalog files in canonical layout, keeping comments."""
    from pricebook.fmt import format_catalog

    result = format_catalog(catalog_path(path or catalog), check=check)
    if result.refused:
        from pricebook.report.diagnostics import print_text

        print_text(result.diagnostics, False, len(result.files))
        echo("pricebook fmt: nothing written: fix the files above first")
        exit_with(1)
    verb = "would reformat" if check else "reformatted"
    for f in result.changed:
        echo(f"{verb} {f}")
    n, total = len(result.changed), len(result.files)
    unchanged = total - n
    done = "would be reformatted" if check else "reformatted"
    echo(f"{n} file{'s' if n != 1 else ''} {done}, {unchanged} file{'s' if unchanged != 1 else ''} "
         f"already formatted")
    if check and result.changed:
        exit_with(1)
