"""`pricebook quote --plan P --usage METER=QTY ...`: an itemized bill for one period (SPEC §4)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    from pricebook.rating.quote import quote as run_quote

    _check_usage(usage or [], usage_file or [])
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
    )
    _check_printable(result.bill)
    if format is TextJson.json:
        from pricebook.report.quote import to_json

        echo(to_json(result))
    else:
        from pricebook.report.quote import print_text

        print_text(result)


# The core's usage reader (rating.usage_input.parse_number) reads numbers leniently: it drops
# underscores ("1_000" -> 1000) and has no bound (1e25 seats rate, then overflow when printed). The
# values are checked here first, with the catalog's rules: plain decimals within its range.


def _check_usage(args: Sequence[str], files: Sequence[Path]) -> None:
    """InputError for the first ``--usage`` value or usage-file value that is not a plain decimal
    (``1_000``), or is out of the range amounts and quantities live in (``1e25``)."""
    for arg in args:
        head, sep, values = arg.rpartition("=")
        if sep and head.strip():
            for part in values.split(","):
                if part.strip():  # a missing value is the core's to report
                    _check_number(part.strip(), f"--usage '{arg}'")
    for path in files:
        _check_usage_file(path)


def _check_number(value: Any, where: str) -> None:
    from pricebook.errors import InputError
    from pricebook.load.yamlsrc import RANGE_TEXT, in_range, is_plain_decimal

    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return  # not a number at all: the core says what it expected
    if isinstance(value, str) and not is_plain_decimal(value):
        raise InputError(f"{where}: '{value}' is not a number (write a plain decimal: digits with an "
                         "optional sign, fraction and exponent, as in 1000, 2.5 or 1e6)")
    if not in_range(Decimal(value)):
        raise InputError(f"{where}: '{value}' is out of range (quantities stay within {RANGE_TEXT})")


def _check_usage_file(path: Path) -> None:
    """The values of a usage file, read as ``read_usage_file`` reads them; a file it cannot read, or
    a value of the wrong kind, is left for it to report."""
    try:
        raw = path.read_bytes()
    except OSError:
        return
    positions: Any = {}
    if path.suffix.lower() == ".json":
        import json

        try:
            data = json.loads(raw.decode("utf-8-sig"), parse_float=Decimal, parse_int=Decimal)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError
            return
    else:
        from pricebook.load.yamlsrc import parse_yaml

        parsed = parse_yaml(raw, str(path))
        if not parsed.ok or parsed.diagnostics:
            return
        data, positions = parsed.data, parsed.positions
    if not isinstance(data, dict):
        return

    def at(*keys: Any) -> str:
        pos = positions.get(tuple(keys))
        name = str(keys[0]) + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:])
        return f"{pos}: {name}" if pos is not None else f"{path}: {name}"

    def check(value: Any, *keys: Any) -> None:
        if isinstance(value, list):
            for i, v in enumerate(value):
                _check_number(v, at(*keys, i))
        else:
            _check_number(value, at(*keys))

    for meter, value in data.items():
        if isinstance(value, dict):
            for key, qty in value.items():
                check(qty, meter, key)
        else:
            check(value, meter)


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
