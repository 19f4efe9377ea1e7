"""`pricebook release [ID]` cuts an immutable release; `pricebook releases` lists them (SPEC §3)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, TextJson, catalog_path, echo


def release(
    release_id: Annotated[str | None, typer.Argument(
        metavar="[ID]", help="Release id (default: the effective date, 2026.11.01, then 2026.11.01-2).",
        show_default=False)] = None,
    effective: Annotated[str | None, typer.Option("--effective", help="When the release takes effect: "
                                                  "2026-11-01, 2026-11-01T09:00 (catalog timezone) or with "
                                                  "Z/offset. Default: now.", show_default=False)] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="What changed and why.")] = None,
    tag: Annotated[bool, typer.Option("--tag", help="Also create the annotated git tag pricebook/<id>.")
                   ] = False,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Cut an immutable release: validate, snapshot the resolved catalog, append it to the index."""
    from pricebook.releases import cut_release

    target = catalog_path(catalog)
    when = parse_when(effective) if effective else None
    entry = cut_release(target, release_id, effective=when, notes=notes, tag=tag)
    from pricebook.releases.index import index_path, snapshot_path

    if format is TextJson.json:
        echo(json.dumps({"release": entry.to_dict(), "snapshot": str(snapshot_path(target, entry.id)),
                         "index": str(index_path(target)),
                         "tag": f"pricebook/{entry.id}" if tag else None}, indent=2))
        return
    from pricebook.report.console import console, escape

    d = entry.to_dict()
    out = console()
    out.print(f"released [bold]{escape(entry.id)}[/], effective {d['effective_from']}")
    out.print(f"  snapshot  {escape(str(snapshot_path(target, entry.id)))}  {entry.digest[:19]}...")
    out.print(f"  source    {entry.source_commit[:12] if entry.source_commit else '(not in git)'}"
              + (" + uncommitted changes" if entry.source_dirty else ""))
    if tag:
        out.print(f"  tag       pricebook/{escape(entry.id)}")
    out.print("  commit releases/ with the catalog change so the release is shared")


def releases(
    catalog: CatalogOpt = None,
    at: Annotated[str | None, typer.Option("--at", help="Mark the release in force at this date-time "
                                           "instead of now.", show_default=False)] = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """List releases, marking the one in force now."""
    from pricebook.releases import list_releases
    from pricebook.releases.index import format_datetime

    target = catalog_path(catalog)
    listing = list_releases(target, parse_when(at) if at else None)
    if format is TextJson.json:
        rows = [{**e.to_dict(), "in_force": e.id == listing.in_force} for e in listing.entries]
        echo(json.dumps({"at": format_datetime(listing.at), "in_force": listing.in_force, "releases": rows},
                        indent=2))
        return
    from pricebook.report.console import console, escape

    out = console()
    if not listing.entries:
        out.print(f"no releases in {escape(str(target))}/releases (cut one with 'pricebook release')")
        return
    for e in listing.entries:
        mark = "[bold green]* in force[/]" if e.id == listing.in_force else ""
        extra = f"  rollback of {escape(e.rollback_of)}" if e.rollback_of else ""
        commit = e.source_commit[:8] if e.source_commit else "-"
        out.print(f"{escape(e.id):<16} {format_datetime(e.effective_from)}  {commit:<8}  {e.digest[7:19]}"
                  f"{extra}  {escape(e.notes or '')} {mark}".rstrip())
    if listing.in_force is None:
        out.print(f"no release is in force at {format_datetime(listing.at)}")


def parse_when(text: str) -> date | datetime:
    """A date-time option; a value without an offset stays naive here and is read in the catalog's
    timezone by the core (only ISO forms are accepted)."""

    from pricebook.errors import UsageError

    s = text.strip()
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        return datetime.fromisoformat(s.replace("z", "Z"))
    except ValueError:
        raise UsageError(f"'{text}' is not a date or date-time "
                         "(use 2026-11-01 or 2026-11-01T09:00:00Z)") from None
