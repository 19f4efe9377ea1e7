"""Options shared by commands, and the small helpers every command uses.

Keep this module light: it is imported when the CLI starts.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

CatalogOpt = Annotated[
    str | None,
    typer.Option("--catalog", "-c", help="Catalog folder (default: pricebook.yaml's 'catalog', else the "
                 "only folder under catalogs/, else the current folder).", show_default=False),
]


class TextJson(str, Enum):
    text = "text"
    json = "json"


class FindingsFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    markdown = "markdown"
    sarif = "sarif"
    junit = "junit"


def catalog_path(option: str | None) -> Path:
    from pricebook.settings import resolve_catalog_path

    return resolve_catalog_path(option)


def echo(text: str) -> None:
    """Plain output to stdout (machine formats: never through rich)."""
    typer.echo(text, nl=not text.endswith("\n"))


def exit_with(code: int) -> NoReturn:
    raise typer.Exit(code)
