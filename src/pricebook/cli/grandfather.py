"""`pricebook grandfather add|list|expire`: keep existing customers on an earlier release (SPEC §3)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from pricebook.cli.common import CatalogOpt, TextJson, catalog_path, echo

app = typer.Typer(help="Manage grandfathering rules.", no_args_is_help=True)


def _day(value: str | None, flag: str) -> date | None:
    from pricebook.errors import UsageError

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise UsageError(f"{flag} '{value}' is not a date (YYYY-MM-DD)") from None


@app.command("add")
def add(
    release: Annotated[str, typer.Option("--release", help="The release whose prices they keep.")],
    plan: Annotated[list[str] | None, typer.Option("--plan", help="Plan the rule covers (repeatable).",
                                                   show_default=False)] = None,
    subscribed_before: Annotated[str | None, typer.Option("--subscribed-before", help="Cover subscriptions "
                                                          "that started before this date.",
                                                          show_default=False)] = None,
    customers: Annotated[str | None, typer.Option("--customers", help="File of customer ids: one per line, "
                                                  "or a CSV with customer_id.", show_default=False)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Sunset: from this date they get current "
                                              "prices.",
                                              show_default=False)] = None,
    rule_id: Annotated[str | None, typer.Option("--id", help="Rule name (default: derived from the options).",
                                                show_default=False)] = None,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Add a rule: matching customers keep RELEASE's prices (until --until)."""
    from pathlib import Path

    from pricebook.releases.grandfather import add_rule, read_customer_ids

    target = catalog_path(catalog)
    ids = read_customer_ids(Path(customers)) if customers else []
    edit = add_rule(target, release, plans=plan or [], subscribed_before=_day(subscribed_before,
                    "--subscribed-before"), customers=ids, until=_day(until, "--until"), rule_id=rule_id)
    if format is TextJson.json:
        echo(json.dumps(edit.to_dict(), indent=2))
        return
    who = f"{len(ids)} customer{'s' if len(ids) != 1 else ''}" if ids else \
        f"{', '.join(plan or [])} subscribed before {subscribed_before}"
    typer.echo(f"added grandfathering rule '{edit.rule_id}' to {edit.file}"
               f"{' (new file)' if edit.created_file else ''}: {who} keep release {release}"
               + (f" until {until}" if until else ""))


@app.command("list")
def list_(
    subscriptions: Annotated[str | None, typer.Option("--subscriptions", help="CSV with customer_id, plan, "
                                                      "subscribed_at: count the customers each rule covers.",
                                                      show_default=False)] = None,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """List grandfathering rules, the release each pins, and (with --subscriptions) whom they cover."""
    from pathlib import Path

    from pricebook.releases.grandfather import list_rules

    target = catalog_path(catalog)
    rules = list_rules(target, Path(subscriptions) if subscriptions else None)
    if format is TextJson.json:
        echo(json.dumps({"rules": [r.to_dict() for r in rules]}, indent=2))
        return
    if not rules:
        typer.echo("no grandfathering rules")
        return
    for r in rules:
        who = ", ".join(r.plans)
        if r.subscribed_before:
            who += f" subscribed before {r.subscribed_before}"
        if r.customers:
            named = f"{len(r.customers)} named customer{'s' if len(r.customers) != 1 else ''}"
            who = (who + "; " if r.plans else "") + named
        state = "active" if r.active else "expired"
        until = f" until {r.until}" if r.until else ""
        missing = " (release missing!)" if not r.release_exists else ""
        covered = ""
        if r.covered is not None:
            covered = f", covers {r.covered} customer{'s' if r.covered != 1 else ''}"
        typer.echo(f"{r.id}: {who} -> release {r.release}{missing}{until} [{state}]{covered}")


@app.command("expire")
def expire(
    name: Annotated[str, typer.Argument(help="The rule to end.")],
    on: Annotated[str | None, typer.Option("--on", help="Last day is the day before this date "
                                           "(default: today).",
                                           show_default=False)] = None,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Set a rule's until: from that date its customers get the prices in force."""
    from pricebook.releases.grandfather import expire_rule

    target = catalog_path(catalog)
    edit = expire_rule(target, name, _day(on, "--on"))
    if format is TextJson.json:
        echo(json.dumps(edit.to_dict(), indent=2))
        return
    typer.echo(f"grandfathering rule '{edit.rule_id}' ends on {edit.rule['until']} ({edit.file})")
