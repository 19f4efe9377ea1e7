"""`pricebook quote`: SPEC §2's examples through the CLI, every usage form, --at, and its errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACME, CliResult, write_files

Cli = Callable[..., CliResult]

CATALOG = """
catalog: {id: t, name: Test, currency: USD, rounding: ROUNDING}
meters:
  units: {name: Units, unit: unit, aggregation: sum, dimensions: [model]}
  payments: {name: Payments, unit: USD, aggregation: sum}
  peak: {name: Peak, unit: seat, aggregation: max}
skus:
  units: {name: Units, meter: units}
  payments: {name: Payments, meter: payments}
  peak: {name: Peak, meter: peak}
  base: {name: Base}
plans:
  p:
    name: P
    prices:
PRICES
"""


def make(tmp_path: Path, prices: str, rounding: str = "half_up", currency: str = "USD") -> Path:
    body = CATALOG.replace("ROUNDING", rounding).replace("currency: USD", f"currency: {currency}")
    body = body.replace("PRICES", "\n".join("      " + ln for ln in prices.strip().splitlines()))
    return write_files(tmp_path / "cat", {"catalog.yaml": body})


def quote_json(cli: Cli, cat: Path, *args: str) -> dict[str, Any]:
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--format", "json", *args)
    assert r.code == 0, r.err
    return json.loads(r.out)


SPEC_TIERS = (
    "[{up_to: 5, unit_price: '5'}, {up_to: 10, unit_price: '4'}, {up_to: 15, unit_price: '3'}, "
    "{up_to: 20, unit_price: '2'}, {unit_price: '1'}]"
)
FEE_TIERS = (
    "[{up_to: 5, flat_fee: '100'}, {up_to: 10, flat_fee: '50'}, {up_to: 15, unit_price: '10'}, "
    "{unit_price: '5'}]"
)


@pytest.mark.parametrize(
    ("model", "tiers", "q", "total"),
    [
        ("graduated", SPEC_TIERS, "6", "29.00"),
        ("volume", SPEC_TIERS, "1", "5.00"),
        ("volume", SPEC_TIERS, "5", "25.00"),
        ("volume", SPEC_TIERS, "6", "24.00"),
        ("volume", SPEC_TIERS, "20", "40.00"),
        ("volume", SPEC_TIERS, "25", "25.00"),
        ("graduated", FEE_TIERS, "0", "100.00"),
        ("graduated", FEE_TIERS, "5.001", "150.00"),
        ("graduated", FEE_TIERS, "12", "170.00"),
        ("graduated", FEE_TIERS, "22", "235.00"),
    ],
)
def test_spec_tier_examples(cli: Cli, tmp_path: Path, model: str, tiers: str, q: str, total: str) -> None:
    cat = make(tmp_path, f"units: {{model: {model}, tiers: {tiers}}}")
    data = quote_json(cli, cat, "--usage", f"units={q}")
    assert data["total"] == total
    assert data["lines"][0]["quantity"] == q
    assert {k: data["lines"][0][k] for k in ("sku", "model", "amount")} == {
        "sku": "units",
        "model": model,
        "amount": total,
    }


@pytest.mark.parametrize(
    ("q", "total"), [("1", "10.00"), ("3", "10.00"), ("5", "10.00"), ("6", "20.00"), ("7", "20.00")]
)
def test_spec_package_example(cli: Cli, tmp_path: Path, q: str, total: str) -> None:
    cat = make(tmp_path, "units: {model: package, package_size: 5, package_price: '10'}")
    assert quote_json(cli, cat, "--usage", f"units={q}")["total"] == total


def test_json_has_the_spec_fields(cli: Cli, tmp_path: Path) -> None:
    cat = make(tmp_path, "base: {model: flat, amount: '9'}\nunits: {model: per_unit, unit_price: '0.25'}")
    data = quote_json(cli, cat, "--usage", "units=3")
    assert {"plan", "currency", "lines", "total"} <= set(data)
    assert (data["plan"], data["currency"], data["total"]) == ("p", "USD", "9.75")
    assert [{k: ln[k] for k in ("sku", "model", "quantity", "amount")} for ln in data["lines"]] == [
        {"sku": "base", "model": "flat", "quantity": "1", "amount": "9.00"},
        {"sku": "units", "model": "per_unit", "quantity": "3", "amount": "0.75"},
    ]


def test_price_of_1_005_half_up_and_half_even(cli: Cli, tmp_path: Path) -> None:
    up = make(tmp_path / "up", "units: {model: per_unit, unit_price: '1.005'}")
    even = make(tmp_path / "even", "units: {model: per_unit, unit_price: '1.005'}", rounding="half_even")
    assert quote_json(cli, up, "-u", "units=1")["total"] == "1.01"
    assert quote_json(cli, even, "-u", "units=1")["total"] == "1.00"


def test_yaml_number_price_is_read_exactly(cli: Cli, tmp_path: Path) -> None:
    cat = make(tmp_path, "units: {model: per_unit, unit_price: 1.005}")  # a YAML float, not a string
    assert quote_json(cli, cat, "-u", "units=1")["total"] == "1.01"


def test_jpy_and_kwd_amounts_at_their_minor_unit(cli: Cli, tmp_path: Path) -> None:
    jpy = make(tmp_path / "jpy", "units: {model: per_unit, unit_price: '0.5'}", currency="JPY")
    data = quote_json(cli, jpy, "-u", "units=5")
    assert (data["currency"], data["total"], data["lines"][0]["amount"]) == ("JPY", "3", "3")
    kwd = make(tmp_path / "kwd", "units: {model: per_unit, unit_price: '0.0015'}", currency="KWD")
    assert quote_json(cli, kwd, "-u", "units=3")["total"] == "0.005"


def test_percentage_transactions_and_clamping(cli: Cli, tmp_path: Path) -> None:
    cat = make(
        tmp_path,
        "payments: {model: percentage, percent: '2.9', fixed_fee: '0.30', min: '0.50', max: '25.00'}",
    )
    data = quote_json(cli, cat, "--usage", "payments=5,100,1000")
    line = data["lines"][0]
    assert (line["quantity"], line["amount"], data["total"]) == ("1105", "28.70", "28.70")
    assert {d["kind"]: d["quantity"] for d in line["detail"]} == {
        "percent": "100",
        "fixed_fee": "1",
        "min": "1",
        "max": "1",
    }


def test_dimension_usage_forms(cli: Cli, tmp_path: Path) -> None:
    cat = make(
        tmp_path,
        "units:\n  model: per_unit\n  unit_price: '1'\n  dimensions:\n    model:\n"
        "      large: {model: per_unit, unit_price: '10'}",
    )
    data = quote_json(cli, cat, "-u", "units=5", "-u", "units[model=large]=2", "-u", "units[model=small]=3")
    assert [(ln["dimension"], ln["quantity"], ln["amount"]) for ln in data["lines"]] == [
        ({"name": "model", "value": "large"}, "2", "20.00"),
        (None, "8", "8.00"),
    ]


def test_usage_file_yaml_and_json(cli: Cli, tmp_path: Path) -> None:
    cat = make(
        tmp_path,
        "units:\n  model: per_unit\n  unit_price: '1'\n  dimensions:\n    model:\n"
        "      large: {model: per_unit, unit_price: '10'}\n"
        "payments: {model: percentage, percent: '10'}\npeak: {model: per_unit, unit_price: '0.1'}",
    )
    write_files(
        tmp_path,
        {
            "usage.yaml": "units: {model=large: 2, model=small: 3}\npayments: [10, 20.5]\npeak: 0.1\n",
            "usage.json": '{"units": {"model=large": 2, "model=small": 3}, "payments": [10, 20.5],'
            ' "peak": 0.1}',
        },
    )
    for name in ("usage.yaml", "usage.json"):
        data = quote_json(cli, cat, "--usage-file", str(tmp_path / name))
        assert [ln["amount"] for ln in data["lines"]] == ["20.00", "3.00", "3.05", "0.01"], name
        assert data["lines"][3]["unrounded"] == "0.01"  # 0.1 x 0.1, exact: no float crept in


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "q"], "unknown plan 'q'"),
        (["--plan", "p", "-u", "unit=1"], "unknown meter 'unit'; did you mean 'units'"),
        (["--plan", "p", "-u", "payments=1"], "does not price meter 'payments'"),
        (["--plan", "p", "-u", "units=ten"], "'ten' is not a number"),
        (["--plan", "p", "-u", "units=-1"], "cannot be negative"),
        (["--plan", "p", "-u", "units"], "expected METER=QTY"),
        (["--plan", "p", "-u", "units[region=eu]=1"], "meter 'units' has no dimension 'region'"),
        (["--plan", "p", "-u", "units=1", "-u", "units=2"], "also given by"),
        (["--plan", "p", "--currency", "EUR"], "not sold in EUR"),
        (["--plan", "p", "--add-on", "x"], "unknown add-on 'x'"),
    ],
)
def test_errors_exit_2_with_one_line(cli: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    cat = make(tmp_path, "units: {model: per_unit, unit_price: '1'}")
    r = cli("quote", "--catalog", str(cat), *args)
    assert r.code == 2, (r.out, r.err)
    assert message in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert "Traceback" not in r.err


def test_bad_usage_file_names_file_and_line(cli: Cli, tmp_path: Path) -> None:
    cat = make(tmp_path, "units: {model: per_unit, unit_price: '1'}")
    write_files(tmp_path, {"u.yaml": "units:\n  - 1\n  - many\n", "bad.yaml": "units: [1,\n"})
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--usage-file", str(tmp_path / "u.yaml"))
    assert r.code == 2 and "'many' is not a number" in r.err and "u.yaml:3:" in r.err
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--usage-file", str(tmp_path / "bad.yaml"))
    assert r.code == 2 and "bad.yaml" in r.err
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--usage-file", str(tmp_path / "missing.yaml"))
    assert r.code == 2 and "cannot read usage file" in r.err


def test_invalid_catalog_exits_2(cli: Cli, tmp_path: Path) -> None:
    cat = make(tmp_path, "units: {model: per_unit, unit_price: 'abc'}")
    r = cli("quote", "--catalog", str(cat), "--plan", "p")
    assert r.code == 2
    assert "is invalid" in r.err and "catalog.yaml:" in r.err


def test_text_bill_itemizes_lines_adjustments_and_total(cli: Cli) -> None:
    r = cli(
        "quote",
        "--catalog",
        str(ACME),
        "--plan",
        "pro",
        "-u",
        "api-calls=250000",
        "-u",
        "seats=5",
        "-u",
        "tokens=2000000",
        "-u",
        "tokens[model=large]=1000000",
        "-u",
        "images=450",
        "-u",
        "storage=120",
    )
    assert r.code == 0, r.err
    for expected in (
        "Quote: Pro",
        "Seats",
        "3 seats included; 2 seats × $12.00",
        "tier 2: 240,000 calls × $0.0005",
        "Tokens (model=large)",
        "in packages of 100: 3 × $4.00",
        "Usage credit",
        "-$10.00",
        "Total",
        "$218.60",
    ):
        assert expected in r.out, expected


def test_eur_and_add_on(cli: Cli) -> None:
    r = cli(
        "quote",
        "--catalog",
        str(ACME),
        "--plan",
        "pro",
        "--currency",
        "EUR",
        "--add-on",
        "priority-support",
        "--format",
        "json",
    )
    data = json.loads(r.out)
    assert data["currency"] == "EUR"
    support = [ln for ln in data["lines"] if ln["add_on"] == "priority-support"]
    assert [(ln["sku"], ln["amount"]) for ln in support] == [("support", "89.00")]
    # EUR 45 platform + 89 support = 134 >= minimum 90: no top-up
    assert data["total"] == "134.00"


def test_add_on_not_available_for_plan(cli: Cli) -> None:
    r = cli("quote", "--catalog", str(ACME), "--plan", "free", "--add-on", "priority-support")
    assert r.code == 2 and "not available for plan 'free'" in r.err


def test_at_git_ref_and_release(cli: Cli, git_repo: Any, tmp_path: Path) -> None:
    from pricebook.load import load_catalog
    from pricebook.load.dump import canonical_json, catalog_to_data

    old = CATALOG.replace("ROUNDING", "half_up").replace(
        "PRICES", "      units: {model: per_unit, unit_price: '1'}"
    )
    git_repo.write({"cat/catalog.yaml": old})
    git_repo.commit_all("v1")
    snapshot = load_catalog(git_repo.root / "cat").catalog
    git_repo.write(
        {
            "cat/catalog.yaml": old.replace("unit_price: '1'", "unit_price: '2'"),
            "cat/releases/v1.json": canonical_json(catalog_to_data(snapshot)),
        }
    )
    git_repo.commit_all("v2")
    cat = git_repo.root / "cat"
    totals = {}
    for at in (None, "HEAD~1", "release:v1"):
        extra = ["--at", at] if at else []
        r = cli(
            "quote",
            "--catalog",
            str(cat),
            "--plan",
            "p",
            "-u",
            "units=10",
            "-f",
            "json",
            *extra,
            cwd=git_repo.root,
        )
        assert r.code == 0, r.err
        totals[at] = json.loads(r.out)["total"]
    assert totals == {None: "20.00", "HEAD~1": "10.00", "release:v1": "10.00"}
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--at", "no-such-ref", cwd=git_repo.root)
    assert r.code == 2 and r.err.count("\n") == 1
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "--at", "release:nope", cwd=git_repo.root)
    assert r.code == 2 and "release 'nope' not found" in r.err


def test_did_you_mean_is_case_insensitive(cli: Cli, tmp_path: Path) -> None:
    cat = make(tmp_path, "units: {model: per_unit, unit_price: '1'}")
    r = cli("quote", "--catalog", str(cat), "--plan", "P")
    assert r.code == 2 and "did you mean 'p'" in r.err
    r = cli("quote", "--catalog", str(cat), "--plan", "p", "-u", "UNITS=1")
    assert r.code == 2 and "did you mean 'units'" in r.err


def test_sales_negotiated_plan_without_prices_cannot_be_quoted(cli: Cli, tmp_path: Path) -> None:
    cat = write_files(
        tmp_path / "cat",
        {
            "c.yaml": """
        catalog: {id: t, name: T, currency: USD}
        skus: {base: {name: Base}}
        plans:
          list: {name: List, prices: {base: {model: flat, amount: '5'}}}
          big: {name: Big, sales_negotiated: true, prices: {}}
        """
        },
    )
    r = cli("quote", "--catalog", str(cat), "--plan", "big")
    assert r.code == 2 and "sales-negotiated" in r.err
    r = cli("show", "--catalog", str(cat), "--format", "markdown")
    assert r.code == 0, r.err
    assert "| Pricing | list | contact sales |" in r.out  # and the negotiated plan comes last
