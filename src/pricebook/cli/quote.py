"""`pricebook quote --plan P --usage METER=QTY ...`: an itemized bill for one period (SPEC §4)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pricebook.cli.common import CatalogOpt, TextJson, catalog_path, echo

if TYPE_CHECKING:
    from pricebook.rating.engine import Bill


def quote(
    plan: Annotated[str, typer.Option("--plan", "-p", help="The plan to quote.", show_default=False)],
    usage: Annotated[
        list[str] | None,
        typer.Option(
            "--usage",
            "-u",
            help="METER=QTY, 'METER[DIM=VALUE]=QTY' or METER=V1,V2,... (transaction values "
            "of a percentage price). Repeatable.",
            show_default=False,
        ),
    ] = None,
    usage_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--usage-file",
            help="YAML or JSON mapping each meter to a quantity, a list of transaction "
            "values, or a mapping of 'DIM=VALUE' to quantity. Repeatable.",
            show_default=False,
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="Currency of the bill (default: the catalog's, if the plan is sold in it).",
            show_default=False,
        ),
    ] = None,
    add_on: Annotated[
        list[str] | None,
        typer.Option("--add-on", help="An add-on to include. Repeatable.", show_default=False),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Quote the catalog at a git ref, REF:path or release:<id>, or at a date (YYYY-MM-DD): "
            "the release in force then, or the grandfathered one for --subscribed-at/--customer.",
            show_default=False,
        ),
    ] = None,
    subscribed_at: Annotated[
        str | None,
        typer.Option("--subscribed-at", help="When the customer subscribed (YYYY-MM-DD), for grandfathering "
                     "with --at DATE.", show_default=False),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="The customer id, for grandfathering rules that list customers, with "
                     "--at DATE.", show_default=False),
    ] = None,
    catalog: CatalogOpt = None,
    format: Annotated[TextJson, typer.Option("--format", "-f", help="Output format.")] = TextJson.text,
) -> None:
    """Itemized bill for one period, from the reference rating engine."""
    from datetime import date

    from pricebook.errors import UsageError
    from pricebook.rating.quote import check_grandfathering_at
    from pricebook.rating.quote import quote as run_quote

    # before parsing --subscribed-at: without --at DATE its value does not matter, the flag does
    check_grandfathering_at(at, subscribed_at, customer, catalog_path(catalog))
    since = None
    if subscribed_at is not None:
        try:
            since = date.fromisoformat(subscribed_at.strip())
        except ValueError as exc:
            raise UsageError(f"--subscribed-at {subscribed_at!r} is not a date (YYYY-MM-DD)") from exc
    result = run_quote(
        catalog_path(catalog),
        plan,
        usage or [],
        usage_file or [],
        currency=currency,
        add_ons=add_on or [],
        at=at,
        subscribed_at=since,
        customer_id=customer,
        plain_numbers=True,
    )
    _check_printable(result.bill)
    if format is TextJson.json:
        from pricebook.report.quote import to_json

        echo(to_json(result))
    else:
        from pricebook.report.quote import print_text

        print_text(result)


def _check_printable(bill: Bill) -> None:
    """InputError, before anything is printed, for a bill with an amount too large to print: a huge
    quantity within range (9e24 seats at 12.00) still rates, at rating's higher precision."""
    from pricebook.errors import InputError
    from pricebook.money import printable

    for ln in bill.lines:
        if not printable(ln.amount, bill.currency):
            what = repr(ln.sku) if ln.kind == "price" else ln.kind
            raise InputError(f"the {what} line comes to {ln.amount:.3E} {bill.currency} (quantity "
                             f"{ln.quantity}): too large an amount to bill; check the usage")
    if not printable(bill.total, bill.currency):
        raise InputError(f"the total comes to {bill.total:.3E} {bill.currency}: too large an amount to bill; "
                         "check the usage")
