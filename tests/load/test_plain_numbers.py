"""Amounts and quantities are plain decimals: text that only Python's Decimal() would read ("4_9" as
49, " 49.00 ") is a finding at its position, never a price: the JSON schema's (PB020) where its
pattern catches it, else the loader's (PB015: data without a schema check, digits the schema's
pattern reads as digits)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricebook.load import SourceFile, load_data, load_sources
from pricebook.load.yamlsrc import parse_decimal

LOOSE = ("PB015", "PB020")
HEAD = "catalog: {id: t, name: T, currency: USD}\nskus: {s: {name: S}}\n"


def load_text(text: str):  # type: ignore[no-untyped-def]
    return load_sources([SourceFile("c.yaml", text.encode())])


@pytest.mark.parametrize("value", ['"4_9"', '"1_000.5"', '"  49.00 "', '"49.00 "', '"\\t1"', '"１２"'])
def test_loose_amount_text_is_a_finding_at_its_position(value: str) -> None:
    r = load_text(HEAD + f"plans:\n  p:\n    prices:\n      s: {{model: flat, amount: {value}}}\n")
    assert r.catalog is None
    [d] = [d for d in r.diagnostics if d.rule in LOOSE]
    assert (d.file, d.line, d.path) == ("c.yaml", 6, "plans.p.prices.s.amount")
    assert "not a plain decimal" in d.message or "must be a finite decimal number" in d.message


@pytest.mark.parametrize(("field", "value"), [("included", '"1_0"'), ("unit_price", '" 2"')])
def test_loose_quantities_and_prices_are_findings(field: str, value: str) -> None:
    spec = {"included": '{model: per_unit, unit_price: "1", included: VALUE}',
            "unit_price": "{model: per_unit, unit_price: VALUE}"}[field].replace("VALUE", value)
    r = load_text(HEAD + f"plans:\n  p:\n    prices:\n      s: {spec}\n")
    [(rule, path)] = [(d.rule, d.path) for d in r.diagnostics]
    assert rule in LOOSE and path == f"plans.p.prices.s.{field}"


def test_loose_text_is_refused_from_data_too() -> None:
    data = {"catalog": {"id": "t", "name": "T", "currency": "USD"}, "skus": {"s": {"name": "S"}},
            "plans": {"p": {"prices": {"s": {"model": "flat", "amount": "4_9"}}}}}
    r = load_data(data)
    assert r.catalog is None and [d.rule for d in r.diagnostics] == ["PB015"]


@pytest.mark.parametrize("value",
                         ['"49.00"', "49.00", '"-0.5"', '"+1"', '".5"', '"1."', '"1e3"', '"1E-7"', "0"])
def test_plain_decimals_with_or_without_an_exponent_still_load(value: str) -> None:
    r = load_text(HEAD + f"plans:\n  p:\n    prices:\n      s: {{model: flat, amount: {value}}}\n")
    assert r.diagnostics == []
    assert r.catalog.plans["p"].prices["s"].amount["USD"] == Decimal(value.strip('"'))


def test_is_plain_decimal_and_parse_decimal() -> None:
    from pricebook.load.yamlsrc import is_plain_decimal

    for text in ("0", "49.00", "-1", "+1.5", ".5", "1.", "1e3", "2.5E-7"):
        assert is_plain_decimal(text) and parse_decimal(text) == Decimal(text)
    for text in ("4_9", "1_000.5", " 49", "49 ", "", "NaN", "Infinity", "1,000", "٤٩", "0x1F", "1e", "e3"):
        assert not is_plain_decimal(text) and parse_decimal(text) is None


def test_a_limit_takes_the_numbers_an_amount_takes_and_says_so_when_not() -> None:
    feats = "features: {calls: {name: C, type: metered, meter: m}}\nmeters: {m: {name: M}}\n"

    def plan(limit: str):  # type: ignore[no-untyped-def]
        return load_text(HEAD + feats + "plans:\n  p:\n    entitlements:\n"
                         f"      calls: {{limit: {limit}, enforcement: hard}}\n")

    r = plan('"1e6"')
    assert r.diagnostics == [] and r.catalog.plans["p"].entitlements["calls"].limit == Decimal("1e6")
    [d] = plan('"lots"').diagnostics
    assert d.rule == "PB020" and d.message == "'lots' must be a number such as 10000 or 1e6, or \"unlimited\""


def test_schema_findings_over_the_failing_entries_equal_those_over_the_whole_file(monkeypatch) -> None:
    # jsonschema walks only the entries the fast path refuses; the findings must be the same
    import pricebook.load.schema as schema

    plans = {f"p{i}": {"name": f"P{i}", "prices": {"s": {"model": "flat", "amount": "1"}}}
             for i in range(300)}
    plans["p7"]["bogus"] = 1
    plans["p150"]["prices"]["s"]["amount"] = "4_9"
    plans["p299"]["prices"]["s"] = {"model": "per_unit"}  # no unit_price
    data = {"catalog": {"id": "t", "name": "T", "currency": "USD"}, "skus": {"s": {"name": "S", "x": 1}},
            "plans": plans}
    assert schema._failing_entries(data)["plans"].keys() == {"p7", "p150", "p299"}
    narrowed = schema.schema_findings(data, "c.yaml", {})
    monkeypatch.setattr(schema, "_failing_entries", lambda d: d)
    whole = schema.schema_findings(data, "c.yaml", {})
    assert len(narrowed) == 4 and sorted(narrowed, key=str) == sorted(whole, key=str)
