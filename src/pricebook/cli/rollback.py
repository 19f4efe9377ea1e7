"""`pricebook rollback [--to ID]`: scripted rollback without rewriting history (SPEC §3)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from pricebook.cli.common import CatalogOpt, TextJson, catalog_path, echo

if TYPE_CHECKING:
    from pricebook.releases.rollback import RollbackPlan


def rollback(
    to: Annotated[str | None, typer.Option("--to", help="Release to go back to (default: the one before the "
                                           "release in force).", show_default=False)] = None,
    effective: Annotated[str | None, typer.Option("--effective", help="When the rollback release takes "
                                                  "effect (default: now).", show_default=False)] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Make one git commit of the written files.")
                      ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking (required without a "
                                      "terminal).")] = False,
    notes: Annotated[str | None, typer.Option("--notes", help="Notes for the new release.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written (files, dropped "
                                          "grandfathering rules) and write nothing.")] = False,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Make the catalog equal to an earlier release again and cut a release recording the rollback."""
    from pricebook.cli.release import parse_when
    from pricebook.errors import GuardError
    from pricebook.releases.rollback import rollback as run

    def confirm(plan: RollbackPlan) -> bool:
        if yes:
            return True
        # the plan goes to stderr: stdout stays empty for scripts that read it (--format json)
        typer.echo("\n".join(plan.describe()), err=True)
        if not sys.stdin.isatty():
            raise GuardError("rollback writes files: pass --yes to confirm, or --dry-run to only see the "
                             "plan (stdin is not a terminal, so pricebook will not prompt); nothing was "
                             "written")
        return typer.confirm("Proceed?", default=False, err=True)

    target = catalog_path(catalog)
    result = run(target, to=to, effective=parse_when(effective) if effective else None, commit=commit,
                 notes=notes, confirm=confirm, dry_run=dry_run)
    if format is TextJson.json:
        echo(json.dumps(result.to_dict(), indent=2))
        return
    if result.status == "dry_run":
        typer.echo("\n".join(result.describe()))
        typer.echo(result.message)
        return
    typer.echo(result.message)
    if result.status != "rolled_back":
        return
    if result.note:
        typer.echo(f"note: {result.note}")
    for f in result.files:
        typer.echo(f"  {f['action']:<9} {f['path']}")
    if result.commit:
        typer.echo(f"committed {result.commit[:12]}")
    else:
        typer.echo("review and commit the files (or rerun with --commit)")
