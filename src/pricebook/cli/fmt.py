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
    for f, line, comment in result.kept:
        echo(f"{f}:{line}: kept as written: its layout would drop or misplace the comment {comment!r} "
             "(inside a flow mapping or list written over several lines); move the comment out of the braces",
             err=True)
    n, total, kept = len(result.changed), len(result.files), len(result.kept)
    unchanged = total - n - kept
    done = "would be reformatted" if check else "reformatted"
    # a kept file is as formatted as fmt makes it: --check does not fail on it (fmt then --check passes)
    also = f", {kept} file{'s' if kept != 1 else ''} kept as written" if kept else ""
    echo(f"{n} file{'s' if n != 1 else ''} {done}, {unchanged} file{'s' if unchanged != 1 else ''} "
         f"already formatted{also}")
    if check and result.changed:
        exit_with(1)
