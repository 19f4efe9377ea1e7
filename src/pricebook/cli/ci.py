"""`pricebook ci`: validate + diff against the base ref (+ revenue impact), written for pull requests."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, echo, exit_with
from pricebook.cli.diff import FailOnOpt, fail_on_value


class CiFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    github = "github"
    json = "json"


def ci(
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Base revision, compared as given. Default: the pull request's base branch in "
            "GitHub Actions (origin/$GITHUB_BASE_REF), else pricebook.yaml's 'base', else "
            "origin/main, at its merge base with HEAD.",
            show_default=False,
        ),
    ] = None,
    catalog: CatalogOpt = None,
    format: Annotated[
        CiFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: github annotations in GitHub Actions, else text). In "
            "GitHub Actions any other format still gets the annotations, on stderr.",
            show_default=False,
        ),
    ] = None,
    fail_on: FailOnOpt = None,
) -> None:
    """The pull-request check: validation, semantic diff against the base, one exit code."""
    import os

    from pricebook.ci import resolve_ci_base, run_ci
    from pricebook.diff import severity_overrides
    from pricebook.settings import load_settings, resolve_catalog_path

    settings = load_settings()
    threshold = fail_on_value(fail_on, settings)
    catalog_dir = resolve_catalog_path(catalog, settings)
    result = run_ci(
        catalog_dir, resolve_ci_base(base, settings), threshold, settings, severity_overrides(settings)
    )
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if in_actions and summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(result.markdown() + "\n")
        except OSError as exc:
            # the job summary is a convenience: the check's own result and exit code still stand
            echo(f"pricebook: warning: cannot append the job summary to GITHUB_STEP_SUMMARY "
                 f"('{summary}'): {exc.strerror or exc}", err=True)
    chosen = format or (CiFormat.github if in_actions else CiFormat.text)
    if chosen is not CiFormat.github and in_actions and result.annotations():
        # The runner reads workflow commands on stderr as well: the annotations still show on the
        # PR's lines, and stdout stays exactly what --format asked for (parseable JSON, say).
        from pricebook.report import findings

        echo(findings.render("github", result.annotations(), tool="pricebook ci"), err=True)
    if chosen is CiFormat.github:
        from pricebook.report import findings

        echo(findings.render("github", result.annotations(), tool="pricebook ci"))
        echo(f"pricebook ci: {result.verdict()}\n")
    elif chosen is CiFormat.markdown:
        echo(result.markdown())
    elif chosen is CiFormat.json:
        import json

        echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        echo(result.text())
    if result.exit_code:
        exit_with(result.exit_code)
