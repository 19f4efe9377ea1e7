"""`pricebook diff [BASE] [HEAD]`: semantic changes between two catalogs, classified by severity."""

from __future__ import annotations

from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, FindingsFormat, echo, exit_with

FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a change is at or above this severity: breaking, warning, "
        "info or never (default: pricebook.yaml's 'fail_on', else breaking).",
        show_default=False,
    ),
]


def fail_on_value(option: str | None, settings: object) -> str:
    """--fail-on, else pricebook.yaml's ``fail_on``, else ``breaking``; checked."""
    from pricebook.diff.change import FAIL_ON_CHOICES
    from pricebook.errors import UsageError

    configured = getattr(settings, "get", lambda k: None)("fail_on")
    value = option or configured or "breaking"
    if value not in FAIL_ON_CHOICES:
        if option:
            raise UsageError(f"--fail-on must be breaking, warning, info or never, not '{value}'")
        from pricebook.diagnostics import describe_value
        from pricebook.errors import InputError

        where = getattr(settings, "file", None) or "pricebook.yaml"
        raise InputError(f"{where}: fail_on must be breaking, warning, info or never, not "
                         f"{describe_value(configured)}")
    return str(value)


def diff(
    base: Annotated[
        str | None,
        typer.Argument(
            help="Base revision: a path, git ref, REF:path or release:<id>; 'main...' is the merge base "
            "of main and HEAD, as in 'git diff main...'. Default, first found: the pull request's base "
            "branch in GitHub Actions (origin/$GITHUB_BASE_REF), then pricebook.yaml's 'base', both at "
            "their merge base with HEAD; else the newest release.",
            show_default=False,
        ),
    ] = None,
    head: Annotated[
        str | None,
        typer.Argument(help="Head revision (default: B of a BASE written A...B, else the working tree).",
                       show_default=False),
    ] = None,
    catalog: CatalogOpt = None,
    format: Annotated[
        FindingsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = FindingsFormat.text,
    fail_on: FailOnOpt = None,
) -> None:
    """Semantic changes between two catalogs, each classified breaking, warning or info."""
    from pricebook.diff import compare, resolve_base, severity_overrides
    from pricebook.settings import load_settings, resolve_catalog_path

    settings = load_settings()
    threshold = fail_on_value(fail_on, settings)
    catalog_dir = resolve_catalog_path(catalog, settings)
    base_spec = resolve_base(base, catalog_dir, settings)
    if head is None:
        from pricebook.load.revision import implied_head

        # `diff main...feature` (or pricebook.yaml's base: main...feature) compares with feature, as
        # git diff does
        head = implied_head(base_spec)
    result = compare(base_spec, head, catalog_dir, severity_overrides(settings))
    if format is FindingsFormat.text:
        from pricebook.report.diff_text import print_text

        print_text(result, threshold)
        if result.note:
            echo(result.note)
    elif format is FindingsFormat.json:
        import json

        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    elif format is FindingsFormat.markdown:
        from pricebook.diff import with_note
        from pricebook.report.diff_markdown import render

        echo(with_note(render(result, threshold), result))
    else:
        from pricebook.gitrepo import worktree_root
        from pricebook.report.diff_findings import render as render_findings

        echo(render_findings(format.value, result.changes, root=worktree_root(catalog_dir)))
        if result.note:  # stdout stays the machine format
            echo(result.note, err=True)
    if result.fails(threshold):
        exit_with(1)
