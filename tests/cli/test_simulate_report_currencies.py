"""`pricebook simulate` reports with several currencies in one run (USD, JPY, KWD: minor units 2, 0, 3):
the HTML page and the markdown section write each amount as the text report does, the HTML says of
each unrated entry what the text says, and quantities are written without the scale's trailing zeros.
Real files, real DuckDB."""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path

from tests.conftest import ACME, write_files

STARTER = """\
plans:
  starter:
    name: Starter
    currencies: [USD, JPY, KWD]
    billing_period: month
    prices:
      platform: {{model: flat, amount: {{USD: "1.00", JPY: "150", KWD: "0.300"}}}}
      api-calls: {{model: per_unit, unit_price: {{USD: "{usd}", JPY: "{jpy}", KWD: "{kwd}"}}}}
"""
USAGE = """\
customer_id,timestamp,meter,quantity
u1,2026-01-05T10:00:00Z,api-calls,100
j1,2026-01-05T10:00:00Z,api-calls,100
k1,2026-01-05T10:00:00Z,api-calls,100
"""
SUBS = """\
customer_id,plan,currency,subscribed_at
u1,starter,USD,2025-01-01
j1,starter,JPY,2025-01-01
k1,starter,KWD,2025-01-01
"""


def _three_currencies(tmp_path: Path) -> list[str | Path]:
    """Baseline and candidate catalogs whose starter sells in USD, JPY and KWD; the candidate raises
    the price of an API call. Per customer (100 calls): baseline $1.04, ¥158, KWD0.313 (0.3125 rounded
    half up); candidate $1.05, ¥159, KWD0.315."""
    for name, (usd, jpy, kwd) in (("cat", ("0.0004", "0.08", "0.000125")),
                                  ("cand", ("0.0005", "0.09", "0.00015"))):
        shutil.copytree(ACME, tmp_path / name)
        (tmp_path / name / "plans" / "starter.yaml").write_text(STARTER.format(usd=usd, jpy=jpy, kwd=kwd))
        # pro and enterprise extend starter, so would sell in JPY and KWD without amounts (PB117, which
        # simulate refuses as quote does); the add-ons name them
        for gone in ("plans/pro.yaml", "plans/enterprise.yaml", "add_ons.yaml"):
            (tmp_path / name / gone).unlink()
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": SUBS})
    return [tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", tmp_path / "cat",
            "--catalog", tmp_path / "cand"]


def test_html_and_markdown_write_each_amount_as_the_text_report_does(cli, tmp_path: Path) -> None:
    args = _three_currencies(tmp_path)
    text = cli("simulate", *args)
    assert text.code == 0, text.err
    for amount in ("¥158", "¥159", "+¥1", "$1.04", "$1.05", "+$0.01", "KWD0.313", "KWD0.315", "+KWD0.002"):
        assert amount in text.out, amount
    md = cli("simulate", *args, "-f", "markdown", "--html", tmp_path / "r.html")
    assert md.code == 0, md.err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "| JPY | ¥158 | ¥159 | +¥1 | +0.63% |" in md.out
    assert "| KWD | KWD0.313 | KWD0.315 | +KWD0.002 | +0.64% |" in md.out
    assert "| USD | $1.04 | $1.05 | +$0.01 | +0.96% |" in md.out
    assert "| starter | JPY | 1 | ¥158 | ¥159 | +¥1 | +0.63% |" in md.out
    assert "<tr><td>JPY</td><td>¥158</td><td>¥159</td><td>+¥1</td><td>+0.63%</td></tr>" in html
    assert "<tr><td>KWD</td><td>KWD0.313</td><td>KWD0.315</td><td>+KWD0.002</td><td>+0.64%</td></tr>" in html
    assert "<tr><td>USD</td><td>$1.04</td><td>$1.05</td><td>+$0.01</td><td>+0.96%</td></tr>" in html
    # a SKU that did not change: no sign, as the text report writes it
    assert "<tr><td>platform</td><td>JPY</td><td>¥150</td><td>¥150</td><td>¥0</td><td>0.00%</td></tr>" in html
    assert "<tr><td>j1</td><td>starter</td><td>JPY</td><td>¥158</td>" in html
    for out in (md.out, html):
        for wrong in ("158.000", "150.000", "1.040", "+0.010", "+1.000"):
            assert wrong not in out, wrong


def test_the_html_says_of_unrated_events_what_the_text_report_says(cli, tmp_path: Path) -> None:
    # No quantity column: api-calls (no `property`) has no value, so its event is null_quantity with a
    # hint; starter prices no images; c2 subscribes to starter in JPY, which acme does not sell it in.
    write_files(tmp_path, {
        "u.csv": "customer_id,timestamp,meter\nc1,2026-01-05T10:00:00Z,api-calls\n"
                 "c1,2026-01-06T10:00:00Z,images\nc1,2026-01-07T10:00:00Z,images\n",
        "s.csv": "customer_id,plan,currency,subscribed_at\n"
                 "c1,starter,USD,2025-06-01\nc2,starter,JPY,2025-06-01\n",
    })
    args = [tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", ACME, "--catalog", ACME]
    text = cli("simulate", *args)
    assert text.code == 0, text.err
    r = cli("simulate", *args, "--html", tmp_path / "r.html")
    assert r.code == 0, r.err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    notes = text.out.split("Unrated (not in any bill):\n", 1)[1].splitlines()
    said = [ln.strip() for ln in notes if ln.startswith("    ") and not ln.strip().startswith("customers (")]
    assert any(s.startswith("hint: the usage has no quantity column") for s in said), text.out
    assert "plans: starter (not_in_currency in JPY): 1 customer" in said
    for s in said:
        assert escape(s) in html, s
    assert "null_quantity: 1 event (api-calls: 1)" in text.out
    assert ("<td>null_quantity</td><td>1</td><td>0</td><td></td>"
            "<td>events by meter: api-calls: 1<br>hint: the usage has no quantity column") in html
    assert "<td>unpriced_meter</td><td>2</td><td>0</td><td></td><td>events by meter: images: 2</td>" in html
    assert "plan_not_billed_baseline: 0 events, 1 customer-period" in text.out
    assert ("<td>plan_not_billed_baseline</td><td>0</td><td>0</td><td>c2</td><td>customer-periods: 1<br>"
            "plans: starter (not_in_currency in JPY): 1 customer</td>") in html


def test_quantities_are_written_without_the_scale_s_trailing_zeros(cli, tmp_path: Path) -> None:
    # f1 is on free, whose 10,000 monthly calls are a hard limit: 10,000.5 breaks it.
    write_files(tmp_path, {
        "u.csv": "customer_id,timestamp,meter,quantity\n"
                 "c1,2026-01-05T10:00:00Z,api-calls,100\n"
                 "c1,2026-01-05T10:00:00Z,bogus,574498.36\n"
                 "c1,2026-01-05T10:00:00Z,bogus-big,1000\n"
                 "c1,2026-01-05T10:00:00Z,bogus-zero,0\n"
                 "f1,2026-01-05T10:00:00Z,api-calls,10000.5\n",
        "s.csv": "customer_id,plan,currency,subscribed_at\n"
                 "c1,starter,USD,2025-06-01\nf1,free,USD,2025-06-01\n",
    })
    args = [tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", ACME, "--catalog", ACME]
    r = cli("simulate", *args, "-f", "json", "--html", tmp_path / "r.html")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    unknown = d["unrated"]["unknown_meter"]
    assert unknown["quantity"] == "575498.36"
    assert unknown["by_meter"] == {"bogus": {"events": 1, "quantity": "574498.36"},
                                   "bogus-big": {"events": 1, "quantity": "1000"},
                                   "bogus-zero": {"events": 1, "quantity": "0"}}
    [breach] = d["entitlement_breaches"]
    assert (breach["customer_id"], breach["usage"], breach["limit"]) == ("f1", "10000.5", "10000")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<td>unknown_meter</td><td>3</td><td>575,498.36</td>" in html
    assert "<td>monthly-calls</td><td>10,000.5</td><td>10,000</td>" in html
    assert "000000" not in html and "000000" not in r.out
    text = cli("simulate", *args)
    assert "monthly-calls 10,000.5 > 10,000" in text.out


def test_a_change_too_small_for_two_decimals_keeps_its_direction() -> None:
    """-$0.01 on $1M is -0.000001%: printed as 0.00% it read as no change beside the delta's -$0.01."""
    from decimal import Decimal

    from pricebook.report.values import amount_cells
    from pricebook.simulate.result import Money3

    million = Decimal("1000000.00")
    assert amount_cells(Money3("USD", million, million - Decimal("0.01")))[2:] == ("-$0.01", "-<0.01%")
    assert amount_cells(Money3("USD", million, million + Decimal("0.01")))[2:] == ("+$0.01", "+<0.01%")
    assert amount_cells(Money3("USD", million, million))[2:] == ("$0.00", "0.00%")
    assert amount_cells(Money3("USD", million, million + Decimal("100.00")))[3] == "+0.01%"
