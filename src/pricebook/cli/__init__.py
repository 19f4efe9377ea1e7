"""The typer app. One module per command; each parses, calls the core once, renders and exits.

Heavy libraries (duckdb, git, jsonschema, ruamel.yaml) are imported inside the commands that need
them, never here: ``pricebook --help`` and ``pricebook validate`` run on every save.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pricebook import __version__
from pricebook.cli import (
    aggregate_sql,
    ci,
    demo,
    diff,
    fmt,
    grandfather,
    history,
    import_,
    init,
    quote,
    release,
    rollback,
    schema,
    show,
    simulate,
    validate,
)

app = typer.Typer(
    name="pricebook",
    help="Pricing catalogs as code: validate, diff, release, grandfather, roll back and simulate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pricebook {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    """pricebook: pricing catalogs as code."""


app.command("init")(init.init)
app.command("validate")(validate.validate)
app.command("fmt")(fmt.fmt)
app.command("schema")(schema.schema)
app.command("show")(show.show)
app.command("quote")(quote.quote)
app.command("diff")(diff.diff)
app.command("history")(history.history)
app.command("ci")(ci.ci)
app.command("release")(release.release)
app.command("releases")(release.releases)
app.add_typer(grandfather.app, name="grandfather")
app.command("rollback")(rollback.rollback)
app.command("simulate")(simulate.simulate)
app.command("aggregate-sql")(aggregate_sql.aggregate_sql)
app.add_typer(import_.app, name="import")
app.command("demo")(demo.demo)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every outcome to SPEC §4's exit codes."""
    from pricebook.load.catalog import kept_until_exit, set_freeze_after_pause

    args = list(sys.argv[1:] if argv is None else argv)
    froze = set_freeze_after_pause(argv is None)  # a real process, not an in-process caller
    try:
        code = _run(args)
    finally:
        set_freeze_after_pause(froze)
    if argv is None and kept_until_exit():
        # A command kept what it built (a large catalog) so as not to free it object by object
        # (0.1 s on a big catalog): leave without that, once the output is out.
        import os

        os._exit(_flushed(code))
    sys.exit(code)


def _flushed(code: int) -> int:
    """Flush stdout and stderr before ``os._exit`` (which would drop what is buffered), and the
    exit code then: a stream that is closed (None) is skipped; output that cannot be written
    (a full disk) ends like Python's own exit does, with 120, and one line on stderr."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            continue  # the reader left (``| head``): what it wanted, it has
        except (OSError, ValueError) as exc:
            if stream is sys.stdout and sys.stderr is not None:
                import contextlib

                with contextlib.suppress(OSError, ValueError):
                    print(f"pricebook: error: cannot write the output: {exc}", file=sys.stderr, flush=True)
            code = 120
    return code


def _run(args: list[str]) -> int:
    """Run the app; the exit code of every outcome."""
    from pricebook.errors import InternalError, PricebookError

    debug = "--debug" in args
    try:
        rc = app(args=args, prog_name="pricebook", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        print("pricebook: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("pricebook: interrupted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors from the argument parser
        exc.show()  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", 2) or 2)
    except PricebookError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"pricebook: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.filename is None:
            return _internal(exc, debug)
        # the file system refused a path it was given (a file where a folder must be, no room, no
        # permission): not a bug, and the path says where
        if debug:
            import traceback

            traceback.print_exc()
        other = f" -> '{exc.filename2}'" if exc.filename2 is not None else ""
        print(f"pricebook: error: '{exc.filename}'{other}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (InternalError, Exception) as exc:
        return _internal(exc, debug)
    if rc == 130:  # typer answers Ctrl-C inside a command with a silent 130 (SPEC §4: say it)
        print("pricebook: interrupted", file=sys.stderr)
    return rc if isinstance(rc, int) else 0


def _internal(exc: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    print(f"pricebook: internal error: {_one_line(f'{type(exc).__name__}: {exc}')} "
          "(this is a bug; rerun with --debug for the traceback)", file=sys.stderr)
    return 3


def _one_line(s: str) -> str:
    return " ".join(s.split())
