"""`pricebook quote` writes a quantity with every digit it was given, however many: the quantity
formatter is simulate's (trailing zeros stripped from the string), not ``Decimal.normalize()``, which
rounds to the context's 28 significant digits."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tests.conftest import ACME, CliResult

Cli = Callable[..., CliResult]
QTY = "12345678901234567890.123456789012"  # 32 significant digits, within quote's 1e-18 .. 1e24


def test_a_quantity_of_32_significant_digits_is_printed_whole(cli: Cli) -> None:
    r = cli("quote", "--catalog", str(ACME), "--plan", "starter", "--usage", f"seats={QTY}")
    assert r.code == 0, r.err
    seats = next(ln for ln in r.out.splitlines() if ln.lstrip().startswith("Seats"))
    assert "12,345,678,901,234,567,890.123456789012 seats" in seats
    # (QTY - 1 included) × $10.00 = 123456789012345678891.23456789012, rounded once: no "…" either
    assert "$123,456,789,012,345,678,891.23" in seats
    assert "…" not in r.out


def test_quote_and_simulate_share_one_quantity_formatter() -> None:
    from pricebook.report import quote, values

    assert quote.qty is values.quantity
    # past 28 digits an integer neither rounds nor fails to quantize
    big = "12345678901234567890123456789012"
    assert quote.qty(Decimal(big)) == f"{int(big):,}"
