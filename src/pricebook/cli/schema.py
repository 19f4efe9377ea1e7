"""`pricebook schema [--out DIR]`: print the catalog JSON Schema, or write every schema to a folder."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import echo


def schema(
    out: Annotated[str | None, typer.Option("--out", "-o", help="Write every schema into this folder "
                                            "instead of printing the catalog schema.",
                                            show_default=False)] = None,
    name: Annotated[str, typer.Option("--name", help="Which schema to print.")] = "catalog.schema.json",
) -> None:
    """Print or write the JSON Schemas (for editors and for $schema headers)."""
    from pricebook.load.schema import schema_names, schema_text

    if out is None:
        if name not in schema_names():
            from pricebook.errors import UsageError

            raise UsageError(f"no schema '{name}'; available: {', '.join(schema_names())}")
        echo(schema_text(name))
        return
    from pathlib import Path

    from pricebook.fsutil import write_all_atomic

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        from pricebook.errors import UsageError

        raise UsageError(f"--out '{out}' exists and is not a folder")
    files = [(folder / n, schema_text(n)) for n in schema_names()]
    write_all_atomic(files)
    for p, _ in files:
        echo(f"wrote {p}")
