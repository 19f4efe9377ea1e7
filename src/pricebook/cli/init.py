"""`pricebook init [DIR]`: scaffold a catalog repository."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import echo


def init(
    directory: Annotated[str, typer.Argument(help="Folder of the new repository (created if needed).")] = ".",
    name: Annotated[str | None, typer.Option("--name", help="Catalog id (default: from the folder name).",
                                             show_default=False)] = None,
) -> None:
    """Scaffold a new catalog repository: settings, a starter catalog, a CI workflow, a pre-commit config."""
    import shlex
    from pathlib import Path

    from pricebook.scaffold import init_repository

    written = init_repository(directory, name)
    root = Path(directory)
    for p in written:
        echo(f"created {p.relative_to(root).as_posix()}")
    # a command to paste into a shell: a folder named "Big Co Pricing" must stay one argument
    echo(f"next: cd {shlex.quote(directory)} && pricebook validate")
