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


def writable_file(flag: str, path: str) -> None:
    """Refuse, before a long run, an output file that cannot be written: a folder, or a place where no
    file can be created."""
    _writable(flag, path, folder=False)


def writable_folder(flag: str, path: str) -> None:
    """Refuse, before writing into it, a folder that is a file or cannot be created or written."""
    _writable(flag, path, folder=True)


def _writable(flag: str, path: str, folder: bool) -> None:
    import tempfile

    from pricebook.errors import UsageError

    p = Path(path)
    if p.exists() and p.is_dir() != folder:
        raise UsageError(f"{flag} '{path}' is a {'file' if folder else 'folder'}, not a "
                         f"{'folder' if folder else 'file'}")
    # the nearest folder that exists (an existing file is overwritten in its own folder): what is
    # missing below it is created at write time
    where = p if folder and p.exists() else p.parent
    while not where.exists():
        where = where.parent
    if not where.is_dir():
        raise UsageError(f"{flag} '{path}': '{where}' is a file, not a folder")
    try:  # os.access says yes to root even for /proc, where nothing can be created: try it
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as exc:
        raise UsageError(f"{flag} '{path}': cannot write in '{where}' ({exc.strerror or exc})") from None


def echo(text: str, err: bool = False) -> None:
    """Plain output to stdout, or with ``err`` to stderr (machine formats: never through rich)."""
    typer.echo(text, nl=not text.endswith("\n"), err=err)


def exit_with(code: int) -> NoReturn:
    raise typer.Exit(code)
