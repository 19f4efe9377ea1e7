"""`pricebook quote`: usage quantities are plain decimals within the catalog's range, and a quantity
too large to bill is a one-line error (exit 2) before anything is printed, never an internal error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ACME, CliResult, write_files

Cli = Callable[..., CliResult]


def quote(cli: Cli, *args: str) -> CliResult:
    return cli("quote", "--catalog", str(ACME), "--plan", "pro", *args)


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(
    ("usage", "says"),
    [
        ("seats=1_000", "'1_000' is not a number"),
        ("seats=1_000.5", "'1_000.5' is not a number"),
        ("tokens[model=large]=2_0", "'2_0' is not a number"),
        ("seats=1,2_0", "'2_0' is not a number"),
        ("seats=1e25", "'1e25' is out of range"),
        ("seats=1e-30", "'1e-30' is out of range"),
        ("seats=9e24", "too large an amount to bill"),  # in range, but 9e24 × 12.00 cannot be printed
    ],
)
def test_bad_usage_value_exits_2_with_one_line_and_no_output(cli: Cli, usage: str, says: str,
                                                             fmt: str) -> None:
    r = quote(cli, "--usage", usage, "--format", fmt)
    assert r.code == 2, r.err
    assert r.out == ""
    assert says in r.err and r.err.count("\n") == 1
    if "too large" not in says:
        assert f"--usage '{usage}'" in r.err


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ('seats: "1_000"\n', "u.yaml:1:", "'1_000' is not a number"),
        ('seats: "5 "\n', "u.yaml:1:", "'5 ' is not a number"),
        ("seats: 1e25\n", "u.yaml:1:", "'1e25' is out of range"),
        ("tokens:\n  model=large: [1, \"2_0\"]\n", "u.yaml:2:", "'2_0' is not a number"),
        ("seats: 9e24\n", "", "too large an amount to bill"),
    ],
)
def test_bad_usage_file_value_exits_2_with_one_line(cli: Cli, tmp_path: Path, text: str, where: str,
                                                    says: str) -> None:
    write_files(tmp_path, {"u.yaml": text})
    r = quote(cli, "--usage-file", str(tmp_path / "u.yaml"))
    assert r.code == 2, r.err
    assert r.out == "" and says in r.err and where in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize(("text", "says"), [('{"seats": "1_000"}', "'1_000' is not a number"),
                                            ('{"seats": 1e25}', "is out of range")])
def test_bad_json_usage_file_value_exits_2(cli: Cli, tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "u.json").write_text(text, encoding="utf-8")
    r = quote(cli, "--usage-file", str(tmp_path / "u.json"), "--format", "json")
    assert r.code == 2 and r.out == "" and says in r.err and "u.json:1:2: seats" in r.err


@pytest.mark.parametrize("usage",
                         ["seats=1000", "seats=1e3", "seats= 1000", "seats=1e24", "api-calls=1, 2.5,1e3"])
def test_plain_decimals_still_quote(cli: Cli, usage: str) -> None:
    r = quote(cli, "--usage", usage, "--format", "json")
    assert r.code == 0, r.err
