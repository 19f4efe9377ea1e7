"""`pricebook import pricing2yaml`: real SaaS pricing pages (Pricing2Yaml) -> catalogs.

Two forms::

    pricebook import pricing2yaml FILE_OR_DIR... --out DIR [--strict] [--format text|json]
    pricebook import pricing2yaml --history DIR/<saas>/ --repo OUT [--strict] [--format text|json]

Exit codes: 0 imported; 1 an imported catalog does not validate, or ``--strict`` and something could
not be mapped; 2 the input could not be read, ``--out``/``--repo`` is inside an existing catalog folder,
or a file could not be written (nothing is written then: the catalogs are written all or nothing).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pricebook.cli.common import TextJson, echo, exit_with

app = typer.Typer(help="Import catalogs from other formats.", no_args_is_help=True)


@app.command("pricing2yaml")
def pricing2yaml(
    files: Annotated[list[str] | None, typer.Argument(
        metavar="FILE...", help="Pricing2Yaml files, or folders of them.", show_default=False)] = None,
    out: Annotated[str | None, typer.Option(
        "--out", "-o", metavar="DIR", show_default=False,
        help="Folder that receives one catalog folder per file: DIR/<saas>-<year>/.")] = None,
    history: Annotated[str | None, typer.Option(
        "--history", metavar="DIR", show_default=False,
        help="One product's folder of yearly files: build a git repository with one commit and release "
             "per year (with --repo).")] = None,
    repo: Annotated[str | None, typer.Option(
        "--repo", metavar="OUT", show_default=False, help="New git repository for --history.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1, writing nothing, when anything "
                                         "could not be mapped.")] = False,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Convert Pricing2Yaml files into catalogs (nothing unmapped goes unreported)."""
    from pricebook.errors import UsageError

    if history is not None:
        if files:
            raise UsageError("give either FILE... with --out, or --history DIR with --repo, not both")
        if repo is None:
            raise UsageError("--history needs --repo OUT (a new folder for the git repository)")
        if out is not None:
            raise UsageError("--out is for FILE...; --history writes into --repo")
        from pricebook.importers.history import import_history

        result = import_history(history, repo, strict=strict)
        report = result.report
        extra: dict[str, Any] = {
            "repo": result.repo, "catalog": result.catalog_dir,
            "years": [{"source": y.source, "created_at": y.created_at, "commit": y.commit,
                       "release": y.release_id, "release_commit": y.release_commit,
                       "skipped": y.skipped_reason} for y in result.years],
        }
    else:
        if not files:
            raise UsageError("give at least one Pricing2Yaml file or folder (or --history DIR --repo OUT)")
        if out is None:
            raise UsageError("--out DIR is required: the folder that receives the catalogs")
        if repo is not None:
            raise UsageError("--repo is for --history")
        from pricebook.importers.pricing2yaml import import_files

        report = import_files(files, out, strict=strict)
        extra = {"out": out}

    if format is TextJson.json:
        import json

        echo(json.dumps({**report.to_dict(), **extra}, indent=2, ensure_ascii=False))
    else:
        _print_text(report, extra)
    if not report.valid or not report.written:
        exit_with(1)


def _print_text(report: Any, extra: dict[str, Any]) -> None:
    lines: list[str] = []
    for issue in report.issues:
        lines.append(f"{issue.location}: [{issue.category}] {issue.path}: {issue.reason}")
    if lines:
        lines.append("")
    years = {y["source"]: y for y in extra.get("years", [])}
    for f in report.files:
        neg = f" ({f.sales_negotiated} sales-negotiated)" if f.sales_negotiated else ""
        annual = f", {f.annual_plans} annual" if f.annual_plans else ""
        state = "valid" if f.errors == 0 else f"INVALID ({f.errors} errors)"
        state = state if report.written else "not written"
        warn = f", {f.warnings} warnings" if f.warnings else ""
        line = (f"{f.source} -> {f.catalog_dir}: {f.plans} plans{neg}{annual}, {f.features} features, "
                f"{f.add_ons} add-ons, {len(f.issues)} not mapped; {state}{warn}")
        y = years.get(f.source)
        if y:
            line += f"; commit {y['commit'][:8]}"
            line += f", release {y['release']}" if y["release"] else f", no release: {y['skipped']}"
        lines.append(line)
        for d in f.diagnostics:
            if d.severity == "error":
                lines.append(f"    {d.location}: {d.rule} {d.message}")
    lines.append("")
    total = len(report.issues)
    where = f" into {extra['repo']}" if "repo" in extra else f" into {extra['out']}"
    verb = "imported" if report.written else "converted (not written)"
    lines.append(f"{verb} {len(report.files)} file{'s' if len(report.files) != 1 else ''}{where}; "
                 f"{total} item{'s' if total != 1 else ''} not mapped")
    for category, n in report.counts.items():
        lines.append(f"  {category:<26} {n}")
    if not report.written:
        lines.append("nothing written: --strict and some items could not be mapped")
    else:
        invalid = sum(1 for f in report.files if f.errors)
        warnings = sum(f.warnings for f in report.files)
        lines.append(f"validation: {len(report.files) - invalid} valid, {invalid} invalid, "
                     f"{warnings} warnings")
    echo("\n".join(lines))
